package vm_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

// benchPerson and benchVM are a mid-sized view model: scalars, a nested
// struct, a keyed list of 50 items, a computed property and a command.
type benchPerson struct {
	FirstName string
	LastName  string
	Age       int
}

type benchRow struct {
	Id    int
	Name  string
	Score float64
}

type benchVM struct {
	vm.Base
	Title   string
	Count   int64
	Enabled bool
	Person  benchPerson
	Rows    []benchRow `vm:"itemKey=Id"`
	Tags    []string
	Pong    int64

	_ vm.Computed `vm:"FullName"`
	_ vm.Commands `vm:"Ping"`
}

func (v *benchVM) FullName() string { return v.Person.FirstName + " " + v.Person.LastName }

func (v *benchVM) Ping(n int64) { v.Pong = n; v.Count++; v.Changed("Count", "Pong") }

func newBenchVM(b *testing.B) (*benchVM, vmrt.Instance) {
	b.Helper()
	v := &benchVM{Title: "bench", Person: benchPerson{"Ann", "Lee", 30}, Tags: []string{"a", "b", "c"}}
	for i := 0; i < 50; i++ {
		v.Rows = append(v.Rows, benchRow{Id: i, Name: "row " + strconv.Itoa(i), Score: float64(i) / 3})
	}
	inst, err := vm.Wrap(context.Background(), vm.ParseID("BenchVM"), v)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(inst.Dispose)
	return v, inst
}

// BenchmarkFullState serializes the whole state (what request_vm sends).
func BenchmarkFullState(b *testing.B) {
	_, inst := newBenchVM(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		s, err := inst.FullState()
		if err != nil {
			b.Fatal(err)
		}
		n = len(s)
	}
	b.SetBytes(int64(n))
}

// BenchmarkChangedProperties serializes two changed scalar properties (a
// typical push: TakeChanges then EncodeChanges).
func BenchmarkChangedProperties(b *testing.B) {
	v, inst := newBenchVM(b)
	b.ReportAllocs()
	for b.Loop() {
		v.Count++
		v.Changed("Count", "Title")
		ch, err := inst.TakeChanges()
		if err != nil {
			b.Fatal(err)
		}
		if vmrt.EncodeChanges(ch, nil) == nil {
			b.Fatal("no changes")
		}
	}
}

// BenchmarkChangedList serializes a changed 50-item list (whole value).
func BenchmarkChangedList(b *testing.B) {
	v, inst := newBenchVM(b)
	b.ReportAllocs()
	for b.Loop() {
		v.Changed("Rows")
		ch, err := inst.TakeChanges()
		if err != nil {
			b.Fatal(err)
		}
		_ = vmrt.EncodeChanges(ch, nil)
	}
}

// BenchmarkUpdatePath applies property paths: a top-level field, a nested
// field, and a list item by key.
func BenchmarkUpdatePath(b *testing.B) {
	cases := []struct{ name, path, value string }{
		{"field", "Title", `"hello"`},
		{"nested", "Person.FirstName", `"Bob"`},
		{"listItem", "Rows.$25.Name", `"renamed"`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			_, inst := newBenchVM(b)
			u := []vmrt.PathValue{{Path: c.path, Value: json.RawMessage(c.value)}}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := inst.Apply(ctx, u); err != nil {
					b.Fatal(err)
				}
				if _, err := inst.TakeChanges(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCommand dispatches a command with an argument and takes its
// reaction, as update_vm does.
func BenchmarkCommand(b *testing.B) {
	_, inst := newBenchVM(b)
	ctx := context.Background()
	u := []vmrt.PathValue{{Path: "Ping", Value: json.RawMessage(`12345`)}}
	b.ReportAllocs()
	for b.Loop() {
		if err := inst.Apply(ctx, u); err != nil {
			b.Fatal(err)
		}
		ch, err := inst.TakeChanges()
		if err != nil {
			b.Fatal(err)
		}
		_ = vmrt.EncodeChanges(ch, nil)
	}
}

type namesVM struct {
	vm.Base
	FirstName, LastName string
}

type derivedNamesVM struct {
	vm.Base
	FirstName, LastName string
	_                   vm.Computed `vm:"FullName,Initials,Length"`
}

func (v *derivedNamesVM) FullName() string { return v.FirstName + " " + v.LastName }
func (v *derivedNamesVM) Initials() string { return v.FirstName[:1] + v.LastName[:1] }
func (v *derivedNamesVM) Length() int      { return len(v.FirstName) + len(v.LastName) + 1 }

// BenchmarkTakeChangesPlain and BenchmarkTakeChangesDerived take one
// changed field per cycle from VMs that differ only by three computed
// properties, which the second re-evaluates every cycle (derived state):
// the difference is what derived state costs a cycle.
func BenchmarkTakeChangesPlain(b *testing.B) {
	v := &namesVM{FirstName: "Hello", LastName: "World"}
	benchTake(b, v, func(s string) { v.FirstName = s })
}

// BenchmarkTakeChangesDerived: see BenchmarkTakeChangesPlain.
func BenchmarkTakeChangesDerived(b *testing.B) {
	v := &derivedNamesVM{FirstName: "Hello", LastName: "World"}
	benchTake(b, v, func(s string) { v.FirstName = s })
}

func benchTake(b *testing.B, v vm.VM, set func(string)) {
	inst, err := vm.Wrap(context.Background(), vm.ParseID("Names"), v)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := inst.InitialState(); err != nil {
		b.Fatal(err)
	}
	names := []string{"Ann", "Bob"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = inst.Do(func() error { set(names[i%2]); return nil })
		v.(interface{ Changed(...string) }).Changed("FirstName")
		if _, err := inst.TakeChanges(); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
