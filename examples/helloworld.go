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
	// FirstName is the first name; FullName follows it.
	FirstName string
	// LastName is the last name; FullName follows it.
	LastName string
	// ServerTime is the server's time, pushed every interval.
	ServerTime time.Time

	_ vm.Computed `vm:"FullName"`
	_ vm.Commands `vm:"Submit"`

	interval time.Duration
}

// NewHelloWorldVM returns a HelloWorldVM that pushes ServerTime every
// interval once created.
func NewHelloWorldVM(interval time.Duration) *HelloWorldVM {
	return &HelloWorldVM{Greetings: "Hello World!", FirstName: "Hello", LastName: "World", interval: interval}
}

// FullName is computed: "<FirstName> <LastName>". It is derived: a
// dispatched FirstName or LastName changes it, and the runtime sends it
// without a Changed call.
func (v *HelloWorldVM) FullName() string { return v.FirstName + " " + v.LastName }

// Submit greets the person: Greetings becomes "Hello <First> <Last>!".
func (v *HelloWorldVM) Submit(p Person) {
	v.Greetings = fmt.Sprintf("Hello %s %s!", p.FirstName, p.LastName)
	v.Changed("Greetings")
}

// OnCreated starts the ServerTime timer; it stops when the VM is disposed.
func (v *HelloWorldVM) OnCreated(context.Context) error {
	v.ServerTime = time.Now()
	v.Every(v.interval, func() { v.ServerTime = time.Now(); v.Changed("ServerTime") })
	return nil
}
