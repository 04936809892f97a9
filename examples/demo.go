package examples

import (
	"context"
	"fmt"
	"time"

	"github.com/gonetify/gonetify/vm"
)

// The VMs in this file are not ports of dotNetify's examples: they are what
// the gonetify demo app and its tests want beyond them (a greeting command,
// a pushed server clock, a chart whose tick a client can choose), kept out
// of the ports so that those have exactly dotNetify's properties.

// Person is the argument of GreetingVM's Submit command.
type Person struct {
	// FirstName is the person's first name.
	FirstName string
	// LastName is the person's last name.
	LastName string
}

// GreetingVM is a demo VM in the style of dotNetify's "server update"
// HelloWorld variant: a Submit command that changes Greetings.
//
// Initial state:
//
//	{"Greetings":"Hello World!","Submit":null}
type GreetingVM struct {
	vm.Base
	// Greetings is set by Submit.
	Greetings string

	_ vm.Commands `vm:"Submit"`
}

// NewGreetingVM returns a GreetingVM greeting the world.
func NewGreetingVM() *GreetingVM { return &GreetingVM{Greetings: "Hello World!"} }

// Submit greets the person: Greetings becomes "Hello <First> <Last>!".
func (v *GreetingVM) Submit(p Person) {
	v.Greetings = fmt.Sprintf("Hello %s %s!", p.FirstName, p.LastName)
	v.Changed("Greetings")
}

// ServerTimeVM is a demo VM in the style of dotNetify's "real-time push"
// HelloWorld variant: ServerTime, pushed on a timer.
//
// Initial state:
//
//	{"ServerTime":"<now, RFC 3339>"}
type ServerTimeVM struct {
	vm.Base

	_ vm.Computed `vm:"ServerTime"`

	interval time.Duration
}

// NewServerTimeVM returns a ServerTimeVM that pushes ServerTime every
// interval once created.
func NewServerTimeVM(interval time.Duration) *ServerTimeVM {
	return &ServerTimeVM{interval: interval}
}

// ServerTime is computed: the server's current time.
func (v *ServerTimeVM) ServerTime() time.Time { return time.Now() }

// OnCreated starts the ServerTime timer; it stops when the VM is disposed.
func (v *ServerTimeVM) OnCreated(context.Context) error {
	v.Every(v.interval, func() { v.Changed("ServerTime") })
	return nil
}
