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
	// FirstName is the first name; dispatching it recomputes FullName.
	FirstName string
	// LastName is the last name; dispatching it recomputes FullName.
	LastName string

	_ vm.Computed `vm:"FullName"`
}

// NewHelloWorldVM returns a HelloWorldVM with the original's defaults.
func NewHelloWorldVM() *HelloWorldVM {
	return &HelloWorldVM{FirstName: "Hello", LastName: "World"}
}

// FullName is computed: "<FirstName> <LastName>".
func (v *HelloWorldVM) FullName() string { return v.FirstName + " " + v.LastName }

// SetFirstName sets FirstName, which changes FullName.
func (v *HelloWorldVM) SetFirstName(s string) {
	v.FirstName = s
	v.Changed("FullName")
}

// SetLastName sets LastName, which changes FullName.
func (v *HelloWorldVM) SetLastName(s string) {
	v.LastName = s
	v.Changed("FullName")
}
