package examples

import (
	"github.com/gonetify/gonetify/vm"
)

// HelloWorldVM is dotNetify's HelloWorld example (DevApp.ViewModels/
// Examples/HelloWorld.cs): FirstName, LastName and the computed FullName,
// nothing else. The demo's greeting and server clock are separate VMs
// ([GreetingVM], [ServerTimeVM]).
//
// Initial state:
//
//	{"FirstName":"Hello","LastName":"World","FullName":"Hello World"}
type HelloWorldVM struct {
	vm.Base
	// FirstName is the first name; FullName follows it.
	FirstName string
	// LastName is the last name; FullName follows it.
	LastName string

	_ vm.Computed `vm:"FullName"`
}

// NewHelloWorldVM returns a HelloWorldVM with the original's defaults.
func NewHelloWorldVM() *HelloWorldVM {
	return &HelloWorldVM{FirstName: "Hello", LastName: "World"}
}

// FullName is computed: "<FirstName> <LastName>". It is derived: when a
// dispatched FirstName or LastName changes it, the runtime sends it without
// a Changed call (the C# original's setters call Changed(FullName)).
func (v *HelloWorldVM) FullName() string { return v.FirstName + " " + v.LastName }
