package vm_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// HelloWorldVM is dotNetify's hello world: two fields, a computed full
// name and a setter that tells the client the full name changed.
type HelloWorldVM struct {
	vm.Base
	FirstName string
	LastName  string

	_ vm.Computed `vm:"FullName"` // sent to the client as read-only state
}

// FullName is computed state.
func (v *HelloWorldVM) FullName() string { return v.FirstName + " " + v.LastName }

// SetFirstName runs for a dispatched {FirstName: …}.
func (v *HelloWorldVM) SetFirstName(s string) { v.FirstName = s; v.Changed("FullName") }

// Initials is not declared: never sent, never callable.
func (v *HelloWorldVM) Initials() string { return v.FirstName[:1] + v.LastName[:1] }

// Example shows what a client gets of a VM: its state, then the changes a
// dispatched value causes (the hub leaves out the echo of the value sent).
func Example() {
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "HelloWorldVM", func(context.Context, vm.ID) (*HelloWorldVM, error) {
		return &HelloWorldVM{FirstName: "Hello", LastName: "World"}, nil
	})
	h := hub.New(reg, hub.Options{})
	c, _ := h.Connect(&vm.Conn{ID: "c1"}, hub.SenderFunc(func(r *hub.Response) error {
		fmt.Println(string(r.Data))
		return nil
	}))
	defer c.Close()
	c.Handle(hub.Message{CallType: hub.RequestVM, VMID: "HelloWorldVM"})
	c.Handle(hub.Message{CallType: hub.UpdateVM, VMID: "HelloWorldVM", Value: json.RawMessage(`{"FirstName":"Ann"}`)})
	// Output:
	// {"FirstName":"Hello","LastName":"World","FullName":"Hello World"}
	// {"FullName":"Ann World"}
}

// ExampleRegister shows a VM registered with a factory, and what
// registration refuses: here a command that takes two arguments.
func ExampleRegister() {
	reg := vm.NewRegistry()
	err := vm.Register(reg, "HelloWorldVM", func(ctx context.Context, id vm.ID) (*HelloWorldVM, error) {
		return &HelloWorldVM{FirstName: "Hello", LastName: "World"}, nil
	})
	fmt.Println(err, reg.Names())

	err = vm.Register(reg, "BadVM", func(ctx context.Context, id vm.ID) (*BadVM, error) { return &BadVM{}, nil })
	fmt.Println(err)
	// Output:
	// <nil> [HelloWorldVM]
	// vm: registering "BadVM": vm: view model BadVM: command Move has type func(*vm_test.BadVM, int, int); a command must be func([context.Context], [Arg]) [error]: one argument at most (use a struct for several), and no result but an error
}

// BadVM declares a command with two arguments, which a client cannot send.
type BadVM struct {
	vm.Base
	X, Y int
	_    vm.Commands `vm:"Move"`
}

// Move is declared as a command but takes two arguments.
func (v *BadVM) Move(dx, dy int) { v.X += dx; v.Y += dy }
