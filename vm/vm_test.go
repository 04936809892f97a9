package vm_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

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

func newShape(t *testing.T) (*Shape, *vm.Instance) {
	t.Helper()
	s := &Shape{Items: []Item{{1, "a"}, {2, "b"}}, Map: map[string]int{}, Ptr: &Item{}}
	s.OnPing = func(ctx context.Context) { s.pinged = ctx != nil }
	inst, err := vm.Wrap(context.Background(), vm.ParseID("Shape"), s)
	if err != nil {
		t.Fatal(err)
	}
	return s, inst
}

func apply(t *testing.T, inst *vm.Instance, path, value string) error {
	t.Helper()
	return inst.Apply(context.Background(), []vm.PathValue{{Path: path, Value: json.RawMessage(value)}})
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
	got := string(vm.EncodeChanges(changes, nil))
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
