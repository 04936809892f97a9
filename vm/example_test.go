package vm_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gonetify/gonetify/vm"
)

// HelloWorldVM is dotNetify's hello world: two fields, a computed full
// name and a setter that tells the client the full name changed.
type HelloWorldVM struct {
	vm.Base
	FirstName string
	LastName  string
}

// FullName is computed state.
func (v *HelloWorldVM) FullName() string { return v.FirstName + " " + v.LastName }

// SetFirstName runs for a dispatched {FirstName: …}.
func (v *HelloWorldVM) SetFirstName(s string) { v.FirstName = s; v.Changed("FullName") }

// Example shows what the runtime makes of a VM: its state, and the changes a
// dispatched value causes (what the hub sends back, echo aside).
func Example() {
	ctx := context.Background()
	inst, _ := vm.Wrap(ctx, vm.ParseID("HelloWorldVM"), &HelloWorldVM{FirstName: "Hello", LastName: "World"})
	state, _ := inst.FullState()
	fmt.Println(string(state))

	_ = inst.Apply(ctx, []vm.PathValue{{Path: "FirstName", Value: json.RawMessage(`"Ann"`)}})
	changes, _ := inst.TakeChanges()
	fmt.Println(string(vm.EncodeChanges(changes, nil)))
	// Output:
	// {"FirstName":"Hello","LastName":"World","FullName":"Hello World"}
	// {"FullName":"Ann World","FirstName":"Ann"}
}
