package vm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

type Item struct {
	Id   int
	Name string
}

type Shape struct {
	vm.Base
	Int     int
	Float   float64
	Str     string
	Bool    bool
	Ptr     *Item
	Items   []Item `vm:"itemKey=Id"`
	Map     map[string]int
	Renamed string `json:"renamed"`
	Hidden  int    `vm:"-"`
	private int
	OnPing  func(ctx context.Context)
	pinged  bool
}

func newShape(t *testing.T) (*Shape, vmrt.Instance) {
	t.Helper()
	s := &Shape{Items: []Item{{1, "a"}, {2, "b"}}, Map: map[string]int{}, Ptr: &Item{}}
	s.OnPing = func(ctx context.Context) { s.pinged = ctx != nil }
	inst, err := vm.Wrap(context.Background(), vm.ParseID("Shape"), s)
	if err != nil {
		t.Fatal(err)
	}
	return s, inst
}

func apply(t *testing.T, inst vmrt.Instance, path, value string) error {
	t.Helper()
	return inst.Apply(context.Background(), []vmrt.PathValue{{Path: path, Value: json.RawMessage(value)}})
}

func TestConversions(t *testing.T) {
	s, inst := newShape(t)
	for _, tc := range []struct{ path, value string }{
		{"Int", `"42"`}, {"Float", `"1.5"`}, {"Str", `7`}, {"Bool", `"true"`},
		{"Ptr.Name", `"p"`}, {"Items.$2.Name", `"B"`}, {"Map.k", `"3"`}, {"renamed", `"r"`},
		{"OnPing", `null`},
	} {
		if err := apply(t, inst, tc.path, tc.value); err != nil {
			t.Fatalf("%s=%s: %v", tc.path, tc.value, err)
		}
	}
	if s.Int != 42 || s.Float != 1.5 || s.Str != "7" || !s.Bool || s.Ptr.Name != "p" ||
		s.Items[1].Name != "B" || s.Map["k"] != 3 || s.Renamed != "r" || !s.pinged {
		t.Fatalf("not applied: %+v", s)
	}
	// Ignored: unknown, hidden and unexported names, null along the way.
	for _, p := range []string{"Nope", "Hidden", "private", "Items.$9.Name", "Items.1.Name", "Ptr.Nope"} {
		if err := apply(t, inst, p, `1`); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if s.Hidden != 0 || s.private != 0 {
		t.Fatal("hidden field was set")
	}
	err := apply(t, inst, "Int", `{"a":1}`)
	var ex *vm.Exception
	if !errors.As(err, &ex) || ex.Type != "ArgumentException" {
		t.Fatalf("want ArgumentException, got %v", err)
	}
}

func TestChangesAndState(t *testing.T) {
	s, inst := newShape(t)
	state, err := inst.FullState()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Int":0,"Float":0,"Str":"","Bool":false,"Ptr":{"Id":0,"Name":""},"Items":[{"Id":1,"Name":"a"},{"Id":2,"Name":"b"}],"Items_itemKey":"Id","Map":{},"renamed":"","OnPing":null}`
	if string(state) != want {
		t.Fatalf("state\n got %s\nwant %s", state, want)
	}
	s.Update(func() {
		s.Int = 5
		s.Changed("Int", "Nope")
		s.AddList("Items", Item{3, "c"})
		s.AddList("Items", Item{4, "d"})
		s.RemoveList("Items", 1)
	})
	changes, err := inst.TakeChanges()
	if err != nil {
		t.Fatal(err)
	}
	got := string(vmrt.EncodeChanges(changes, nil))
	if want := `{"Int":5,"Items_add":[{"Id":3,"Name":"c"},{"Id":4,"Name":"d"}],"Items_remove":1}`; got != want {
		t.Fatalf("changes\n got %s\nwant %s", got, want)
	}
	if inst.HasChanges() {
		t.Fatal("changes not cleared")
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]vm.ID{
		"A":         {Full: "A", Type: "A"},
		"A$1":       {Full: "A$1", Type: "A", Instance: "1"},
		"M.A":       {Full: "M.A", Master: "M", Type: "A"},
		"M$x.N.A$2": {Full: "M$x.N.A$2", Master: "M$x.N", Type: "A", Instance: "2"},
	} {
		if got := vm.ParseID(in); got != want {
			t.Errorf("%s: %+v, want %+v", in, got, want)
		}
	}
}

// Counter's commands change its state.
type Counter struct {
	vm.Base
	Count int
	_     vm.Commands `vm:"Incr,Fail"`
}

func (c *Counter) Incr() {
	c.Count++
	c.Changed("Count")
}

func (c *Counter) Fail() error {
	c.Count = 100
	c.Changed("Count")
	return errors.New("no")
}

// TestApplyAndTakeIsOneStep: the changes of an update are taken under the
// same hold of the lock as the update, so pushes taking changes all the
// while (another goroutine) never take them first: every reaction carries
// its update's change. On an error nothing is taken.
func TestApplyAndTakeIsOneStep(t *testing.T) {
	c := &Counter{}
	inst, err := vm.Wrap(context.Background(), vm.ParseID("Counter"), c)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	stolen := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				stolen <- n
				return
			default:
			}
			ch, _ := inst.TakeChanges()
			n += len(ch)
			runtime.Gosched()
		}
	}()
	incr := []vmrt.PathValue{{Path: "Incr", Value: json.RawMessage(`null`)}}
	for n := 1; n <= 2000; n++ {
		changes, state, err := inst.ApplyAndTake(context.Background(), incr, n%2 == 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(vmrt.EncodeChanges(changes, nil)), fmt.Sprintf(`{"Count":%d}`, n); got != want {
			t.Fatalf("reaction %d is %s, want %s", n, got, want)
		}
		if n%2 == 0 && !strings.HasPrefix(string(state), fmt.Sprintf(`{"Count":%d,`, n)) {
			t.Fatalf("state %s after update %d", state, n)
		}
	}
	close(stop)
	if n := <-stolen; n != 0 {
		t.Fatalf("a concurrent push took %d changes of updates before their reactions", n)
	}
	changes, _, err := inst.ApplyAndTake(context.Background(), []vmrt.PathValue{{Path: "Fail", Value: json.RawMessage(`null`)}}, false)
	if err == nil || changes != nil {
		t.Fatalf("a failed update gave %v, %v", changes, err)
	}
	if changes, _ := inst.TakeChanges(); len(changes) != 1 {
		t.Fatalf("the failed update's changes were not left pending: %v", changes)
	}
}
