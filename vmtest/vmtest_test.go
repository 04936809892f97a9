package vmtest_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/vm"
	"github.com/gonetify/gonetify/vmtest"
)

// The client-side list operations: _add appends, _update merges by item
// key, _remove drops by key — and the other member of the group sees the
// same list.
func TestListOperations(t *testing.T) {
	reg := vm.NewRegistry()
	examples.Register(reg)
	srv := vmtest.New(t, reg)
	a, b := srv.Client(), srv.Client() // same address: one SimpleList group
	la := a.Request("SimpleListVM", nil)
	lb := b.Request("SimpleListVM", nil)
	var before []examples.EmployeeInfo
	la.Get("Employees", &before)
	la.Dispatch(map[string]any{"Add": "Ann Lee"})
	la.Dispatch(map[string]any{"Update": map[string]any{"Id": before[0].Id, "FirstName": "Zed"}})
	la.Dispatch(map[string]any{"Remove": before[1].Id})
	for _, v := range []*vmtest.VM{la, lb} {
		var got []examples.EmployeeInfo
		v.Get("Employees", &got)
		if len(got) != len(before) || got[0].FirstName != "Zed" || got[len(got)-1].FirstName != "Ann" || got[1].Id == before[1].Id {
			t.Fatalf("%s list: %+v", v.ID(), got)
		}
	}
}

// An unknown VM and an undeclared method come back as exceptions.
func TestExceptions(t *testing.T) {
	reg := vm.NewRegistry()
	examples.Register(reg)
	c := vmtest.New(t, reg).Client()
	if ex := c.Request("NoSuchVM", nil).Exceptions(); len(ex) != 1 || ex[0].Type != "Exception" {
		t.Fatalf("unknown VM: %+v", ex)
	}
	h := c.Request("ChatRoomVM", nil)
	h.Dispatch(map[string]any{"PostSystemMessage": "spoofed"})
	if ex := h.Exceptions(); len(ex) != 1 || ex[0].Type != "InvalidOperationException" {
		t.Fatalf("undeclared method: %+v", ex)
	}
}

// StreamVM shows a value fed from a channel.
type StreamVM struct {
	vm.Base
	Price float64
	feed  chan float64
}

func (v *StreamVM) OnCreated(context.Context) error {
	vm.SubscribeChan(v, v.feed, func(p float64) { v.Price = p; v.Changed("Price") })
	return nil
}

// A channel-fed property streams to the client and stops on $destroy,
// leaving no goroutine behind.
func TestChannelFedProperty(t *testing.T) {
	feed := make(chan float64)
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "StreamVM", func(context.Context, vm.ID) (*StreamVM, error) { return &StreamVM{feed: feed}, nil })
	c := vmtest.New(t, reg).Client()
	before := runtime.NumGoroutine()
	s := c.Request("StreamVM", nil)
	for _, p := range []float64{1.5, 2.5, 3.5} {
		feed <- p
		s.WaitFor(func(st map[string]any) bool { return st["Price"] == p }, time.Second)
	}
	s.Destroy()
	select {
	case feed <- 9:
		t.Fatal("the subscription still reads the channel after $destroy")
	case <-time.After(100 * time.Millisecond):
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("goroutines: %d after $destroy, %d before the request", n, before)
	}
}
