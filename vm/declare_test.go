package vm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

type dbConfig struct{ Password string }

// Leaky has exported methods shaped like a getter and a command that it
// does not declare: neither may reach a client.
type Leaky struct {
	vm.Base
	Name    string
	deleted bool

	_ vm.Computed `vm:"Greeting"`
	_ vm.Commands `vm:"Rename"`
}

func (v *Leaky) Config() dbConfig           { return dbConfig{"hunter2"} }
func (v *Leaky) DeleteEverything()          { v.deleted = true }
func (v *Leaky) Greeting() string           { return "Hi " + v.Name }
func (v *Leaky) Rename(n string)            { v.Name = n; v.Changed("Name", "Greeting") }
func (v *Leaky) SetSecret(string) error     { v.deleted = true; return nil }
func (v *Leaky) Helper(a, b int) int        { return a + b }
func (v *Leaky) Lookup(ctx context.Context) {}

func TestUndeclaredMethodsAreNotExposed(t *testing.T) {
	v := &Leaky{Name: "Ann"}
	inst, err := vm.Wrap(context.Background(), vm.ParseID("Leaky"), v)
	if err != nil {
		t.Fatal(err)
	}
	state, err := inst.FullState()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Name":"Ann","Greeting":"Hi Ann","Rename":null}`; string(state) != want {
		t.Fatalf("state\n got %s\nwant %s", state, want)
	}
	for _, p := range []string{"DeleteEverything", "Config", "SetSecret", "Lookup", "Helper"} {
		err := inst.Apply(context.Background(), []vmrt.PathValue{{Path: p, Value: json.RawMessage(`"x"`)}})
		var ex *vm.Exception
		if !errors.As(err, &ex) || !strings.Contains(ex.Message, "'"+p+"' is not a property or command of Leaky") {
			t.Fatalf("%s: got %v, want an exception naming it as no property or command", p, err)
		}
	}
	// Other unknown names are ignored, as dotNetify does.
	if err := inst.Apply(context.Background(), []vmrt.PathValue{{Path: "Secret", Value: json.RawMessage(`"x"`)}}); err != nil {
		t.Fatal(err)
	}
	if v.deleted {
		t.Fatal("an undeclared method was called by a dispatch")
	}
	_ = inst.Apply(context.Background(), []vmrt.PathValue{{Path: "Rename", Value: json.RawMessage(`"Bo"`)}})
	ch, _ := inst.TakeChanges()
	if got := string(vmrt.EncodeChanges(ch, nil)); got != `{"Name":"Bo","Greeting":"Hi Bo"}` {
		t.Fatalf("declared command: %s", got)
	}
}

type chanVM struct {
	vm.Base
	Events chan int
}
type nestedChanVM struct {
	vm.Base
	Info struct{ C chan int }
}
type badKeyVM struct {
	vm.Base
	Items []struct{ Id int } `vm:"itemKey=Key"`
}
type missingVM struct {
	vm.Base
	_ vm.Commands `vm:"Go"`
}
type twoArgVM struct {
	vm.Base
	_ vm.Commands `vm:"Move"`
}

func (v *twoArgVM) Move(a, b int) {}

type resultVM struct {
	vm.Base
	_ vm.Commands `vm:"Count"`
}

func (v *resultVM) Count(int) int { return 0 }

type getterArgVM struct {
	vm.Base
	_ vm.Computed `vm:"Total"`
}

func (v *getterArgVM) Total(int) int { return 0 }

type funcFieldVM struct {
	vm.Base
	Pick func(a, b int)
}
type baseNameVM struct {
	vm.Base
	_ vm.Commands `vm:"Changed"`
}
type badSetterVM struct {
	vm.Base
	Range int
}

func (v *badSetterVM) SetRange(lo, hi int) {}

func TestRegistrationChecks(t *testing.T) {
	reg := vm.NewRegistry()
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"chan", vm.RegisterType[chanVM](reg, "chan"), []string{"chanVM", "field Events", "chan int", `vm:"-"`}},
		{"nested", vm.RegisterType[nestedChanVM](reg, "nested"), []string{"field Info", "Info.C", "chan int"}},
		{"itemKey", vm.RegisterType[badKeyVM](reg, "itemKey"), []string{"field Items", "itemKey=Key", `"Key"`}},
		{"missing", vm.RegisterType[missingVM](reg, "missing"), []string{"Go is declared as a command", "no method Go"}},
		{"twoArgs", vm.RegisterType[twoArgVM](reg, "twoArgs"), []string{"command Move", "one argument at most"}},
		{"result", vm.RegisterType[resultVM](reg, "result"), []string{"command Count", "no result but an error"}},
		{"getter", vm.RegisterType[getterArgVM](reg, "getter"), []string{"computed property Total", "func() T"}},
		{"funcField", vm.RegisterType[funcFieldVM](reg, "funcField"), []string{"field Pick", "not a command", `vm:"-"`}},
		{"baseName", vm.RegisterType[baseNameVM](reg, "baseName"), []string{"Changed is declared as a command"}},
		{"setter", vm.RegisterType[badSetterVM](reg, "setter"), []string{"SetRange", "setter of property Range"}},
	} {
		if tc.err == nil {
			t.Errorf("%s: registered without an error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(tc.err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, tc.err, w)
			}
		}
		if reg.Has(tc.name) {
			t.Errorf("%s: registered despite the error", tc.name)
		}
	}
	if err := vm.RegisterType[Leaky](reg, "Leaky"); err != nil {
		t.Fatal(err)
	}
	if mc, ok := reg.Multicast("Leaky"); !ok || mc {
		t.Fatalf("Multicast(Leaky) = %v, %v", mc, ok)
	}
}

type nilLists struct {
	vm.Base
	Items []Item `vm:"itemKey=Id"`
	Tags  map[string]int
	_     vm.Computed `vm:"More"`
}

func (v *nilLists) More() []string { return nil }

func TestNilListsAndMapsAreEmpty(t *testing.T) {
	v := &nilLists{}
	inst, err := vm.Wrap(context.Background(), vm.ParseID("nilLists"), v)
	if err != nil {
		t.Fatal(err)
	}
	state, _ := inst.FullState()
	if want := `{"Items":[],"Items_itemKey":"Id","Tags":{},"More":[]}`; string(state) != want {
		t.Fatalf("state\n got %s\nwant %s", state, want)
	}
	v.Update(func() { v.AddList("Items", Item{1, "a"}); v.Changed("Tags") })
	ch, _ := inst.TakeChanges()
	if got := string(vmrt.EncodeChanges(ch, nil)); got != `{"Tags":{},"Items_add":{"Id":1,"Name":"a"}}` {
		t.Fatalf("changes: %s", got)
	}
}

type recPusher struct {
	mu     sync.Mutex
	pushes int
	ch     chan struct{}
}

func (p *recPusher) Push(vmrt.Instance) {
	p.mu.Lock()
	p.pushes++
	p.mu.Unlock()
	select {
	case p.ch <- struct{}{}:
	default:
	}
}
func (p *recPusher) Send(vmrt.Instance, []string, []byte)        {}
func (p *recPusher) SendTo(vmrt.Instance, vmrt.Audience, []byte) {}
func (p *recPusher) Members(vmrt.Instance) []vmrt.Member         { return nil }

// A PushUpdates from another goroutine while the runtime holds the VM's
// lock (outside a cycle, as a multicast broadcast's TakeChanges does) is
// deferred, not lost.
func TestPushDuringRuntimeLockIsDeferred(t *testing.T) {
	v := &nilLists{}
	inst, err := vm.Wrap(context.Background(), vm.ParseID("nilLists"), v)
	if err != nil {
		t.Fatal(err)
	}
	p := &recPusher{ch: make(chan struct{}, 1)}
	inst.SetPusher(p)
	_ = inst.Do(func() error {
		done := make(chan struct{})
		go func() { // another goroutine marks a change and asks for a push
			v.Changed("Tags")
			v.PushUpdates()
			close(done)
		}()
		<-done // PushUpdates returned while the lock is held
		return nil
	})
	select {
	case <-p.ch:
	case <-time.After(2 * time.Second):
		t.Fatal("the push requested while the runtime held the lock was lost")
	}
}

type panicky struct {
	vm.Base
	_ vm.Commands `vm:"Boom"`
}

func (v *panicky) Boom() { panic("secret detail") }

func TestPanicBecomesPanicError(t *testing.T) {
	inst, err := vm.Wrap(context.Background(), vm.ParseID("panicky"), &panicky{})
	if err != nil {
		t.Fatal(err)
	}
	err = inst.Apply(context.Background(), []vmrt.PathValue{{Path: "Boom", Value: json.RawMessage(`null`)}})
	var pe *vm.PanicError
	if !errors.As(err, &pe) || pe.Value != "secret detail" || len(pe.Stack) == 0 || pe.VM != "panicky" {
		t.Fatalf("got %#v", err)
	}
}

type derived struct {
	vm.Base
	First, Last string
	_           vm.Computed `vm:"Full"`
}

func (v *derived) Full() string { return v.First + " " + v.Last }

// A computed property is sent when its value moves, with no Changed call;
// one whose value did not move is not.
func TestComputedPropertiesAreDerived(t *testing.T) {
	v := &derived{First: "A", Last: "B"}
	inst, err := vm.Wrap(context.Background(), vm.ParseID("derived"), v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.InitialState(); err != nil {
		t.Fatal(err)
	}
	_ = inst.Apply(context.Background(), []vmrt.PathValue{{Path: "First", Value: json.RawMessage(`"C"`)}})
	ch, _ := inst.TakeChanges()
	if got := string(vmrt.EncodeChanges(ch, nil)); got != `{"First":"C","Full":"C B"}` {
		t.Fatalf("changes after First: %s", got)
	}
	v.Update(func() { v.Last = "B" }) // no visible change
	ch, _ = inst.TakeChanges()
	if len(ch) != 0 {
		t.Fatalf("unchanged computed property sent: %s", vmrt.EncodeChanges(ch, nil))
	}
}
