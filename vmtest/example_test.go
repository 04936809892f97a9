package vmtest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/vm"
	"github.com/gonetify/gonetify/vmtest"
)

// CounterVM is a view model under test.
type CounterVM struct {
	vm.Base
	Count int
	Label string

	_ vm.Computed `vm:"Double"`
	_ vm.Commands `vm:"Add"`
}

// Double is computed.
func (v *CounterVM) Double() int { return 2 * v.Count }

// Add adds n; a negative n is refused.
func (v *CounterVM) Add(n int) error {
	if n < 0 {
		return vm.Errorf("n must not be negative")
	}
	v.Count += n
	v.Changed("Count", "Double")
	return nil
}

// Example tests a VM as a client uses it: request it with initial values,
// dispatch a command, read the state, see an exception.
func Example() {
	t := &testing.T{} // in a test, the *testing.T you are given
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "CounterVM", func(context.Context, vm.ID) (*CounterVM, error) { return &CounterVM{}, nil })

	c := vmtest.New(t, reg).Client()
	counter := c.Request("CounterVM", map[string]any{"Label": "clicks"})
	fmt.Println(counter.State()["Label"], counter.State()["Count"])

	counter.Dispatch(map[string]any{"Add": 3})
	fmt.Println(counter.State()["Count"], counter.State()["Double"])

	counter.Dispatch(map[string]any{"Add": -1})
	fmt.Println(counter.Exceptions())
	// Output:
	// clicks 0
	// 3 6
	// [{Exception n must not be negative}]
}

// Example_multicast has two clients share dotNetify's ChatRoom: a message
// one sends reaches the other, and a client that leaves is removed from
// the users.
func Example_multicast() {
	t := &testing.T{}
	reg := vm.NewRegistry()
	examples.Register(reg)
	srv := vmtest.New(t, reg)

	ann, bob := srv.Client(), srv.Client()
	roomA := ann.Request("ChatRoomVM", nil)
	roomB := bob.Request("ChatRoomVM", nil)
	roomA.Dispatch(map[string]any{"AddUser": "a1"})
	roomB.Dispatch(map[string]any{"AddUser": "b1"})
	roomA.Dispatch(map[string]any{"SendMessage": map[string]any{"Text": "hi Bob"}})

	roomB.WaitFor(func(s map[string]any) bool { m, _ := s["Messages"].([]any); return len(m) == 1 }, time.Second)
	var msgs []examples.ChatMessage
	roomB.Get("Messages", &msgs)
	fmt.Println(msgs[0].Text)

	ann.Close()
	roomB.WaitFor(func(s map[string]any) bool { u, _ := s["Users"].([]any); return len(u) == 1 }, time.Second)
	var users []examples.ChatUser
	roomB.Get("Users", &users)
	fmt.Println(len(users), slices.ContainsFunc(users, func(u examples.ChatUser) bool { return u.Id == bob.ID() }))
	// Output:
	// hi Bob
	// 1 true
}
