package vm_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

type fuzzItem struct {
	ID   int `json:"Id"`
	Name string
	Tags []string
	Sub  *fuzzItem
}

// KitchenSinkVM has a field of many kinds for FuzzApply.
type KitchenSinkVM struct {
	vm.Base
	S     string
	I     int
	I8    int8
	U     uint16
	F     float64
	B     bool
	P     *int
	T     time.Time
	D     time.Duration
	Raw   json.RawMessage
	Any   any
	M     map[string]int
	MS    map[string]fuzzItem
	L     []fuzzItem  `vm:"itemKey=Id"`
	LP    []*fuzzItem `vm:"itemKey=Id"`
	A     [3]int
	Nest  fuzzItem
	NestP *fuzzItem
	Fn    func(s string)
	Named string `json:"renamed"`
}

func (v *KitchenSinkVM) Cmd(n int)                               {}
func (v *KitchenSinkVM) CmdCtx(ctx context.Context, s any) error { return nil }
func (v *KitchenSinkVM) SetS(s string)                           { v.S = s }
func (v *KitchenSinkVM) Computed() string                        { return v.S + "!" }

func FuzzApply(f *testing.F) {
	seeds := []struct{ path, value string }{
		{"S", `"x"`}, {"I", `"42"`}, {"I8", `300`}, {"U", `-1`}, {"F", `1e400`}, {"B", `"true"`},
		{"P", `5`}, {"T", `"2024-01-01T00:00:00Z"`}, {"D", `"1s"`}, {"Raw", `{"a":[1]}`}, {"Any", `[1,{"b":null}]`},
		{"M.k", `7`}, {"MS.k.Name", `"n"`}, {"L.$1.Name", `"n"`}, {"LP.$1.Sub.Name", `"n"`}, {"A", `[1,2,3,4]`},
		{"Nest.Sub.Tags", `["a"]`}, {"NestP.Name", `"x"`}, {"Fn", `"call"`}, {"renamed", `1`}, {"Cmd", `"3"`},
		{"CmdCtx", `{}`}, {"Computed", `"ro"`}, {"L", `"[{\"Id\":1}]"`}, {"..", `null`}, {"L.$", ``}, {"M", `{"a":"b"}`},
	}
	for _, s := range seeds {
		f.Add(s.path, []byte(s.value))
	}
	f.Fuzz(func(t *testing.T, path string, value []byte) {
		v := &KitchenSinkVM{L: []fuzzItem{{ID: 1}}, LP: []*fuzzItem{{ID: 1}}, M: map[string]int{"k": 1}, MS: map[string]fuzzItem{"k": {}}, Fn: func(string) {}}
		inst, err := vm.Wrap(context.Background(), vm.ID{Full: "K", Type: "K"}, v)
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Dispose()
		_ = inst.Apply(context.Background(), []vmrt.PathValue{{Path: path, Value: value}})
		if _, err := inst.FullState(); err != nil {
			t.Fatalf("state after %q=%q: %v", path, value, err)
		}
		if _, err := inst.TakeChanges(); err != nil {
			t.Fatalf("changes after %q=%q: %v", path, value, err)
		}
	})
}
