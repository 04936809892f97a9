package examples

import (
	"context"
	"fmt"
	"time"

	"github.com/gonetify/gonetify/vm"
)

// Person is the argument of HelloWorldVM's Submit command.
type Person struct {
	// FirstName is the person's first name.
	FirstName string
	// LastName is the person's last name.
	LastName string
}

// HelloWorldVM is dotNetify's HelloWorld example. It merges the variants
// of the original: the DevApp HelloWorldVM (FirstName, LastName and the
// computed FullName), the docs' ServerUpdate (Greetings and the Submit
// command) and RealTimePush (ServerTime, pushed on a timer).
//
// Initial state:
//
//	{"Greetings":"Hello World!","FirstName":"Hello","LastName":"World",
//	 "FullName":"Hello World","ServerTime":"<now>","Submit":null}
type HelloWorldVM struct {
	vm.Base
	// Greetings is set by Submit.
	Greetings string
	// FirstName is the first name; dispatching it recomputes FullName.
	FirstName string
	// LastName is the last name; dispatching it recomputes FullName.
	LastName string

	_ vm.Computed `vm:"FullName,ServerTime"`
	_ vm.Commands `vm:"Submit"`

	interval time.Duration
}

// NewHelloWorldVM returns a HelloWorldVM that pushes ServerTime every
// interval once created.
func NewHelloWorldVM(interval time.Duration) *HelloWorldVM {
	return &HelloWorldVM{Greetings: "Hello World!", FirstName: "Hello", LastName: "World", interval: interval}
}

// FullName is computed: "<FirstName> <LastName>".
func (v *HelloWorldVM) FullName() string { return v.FirstName + " " + v.LastName }

// ServerTime is computed: the server's current time.
func (v *HelloWorldVM) ServerTime() time.Time { return time.Now() }

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

// Submit greets the person: Greetings becomes "Hello <First> <Last>!".
func (v *HelloWorldVM) Submit(p Person) {
	v.Greetings = fmt.Sprintf("Hello %s %s!", p.FirstName, p.LastName)
	v.Changed("Greetings")
}

// OnCreated starts the ServerTime timer; it stops when the VM is disposed.
func (v *HelloWorldVM) OnCreated(context.Context) error {
	v.Every(v.interval, func() { v.Changed("ServerTime") })
	return nil
}
