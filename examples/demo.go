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

// PresenceMember is an item of PresenceVM's Present list.
type PresenceMember struct {
	// ConnId is the item key: the member's connection id.
	ConnId string
	// User is the name of its identity (from its bearer token), "" when
	// anonymous.
	User string
}

// Whisper is the argument of PresenceVM's Whisper command.
type Whisper struct {
	// To is the user name to reach: every connection of that user.
	To string
	// Text is the message.
	Text string
}

// PresenceVM is a demo VM of multicast presence and addressing: Present
// lists who is in the room (with the identity of each connection, kept
// with OnJoin and OnLeave), and Whisper sends a private message to every
// connection of one user and to no one else (dotNetify's Send with
// UserIds).
//
// Initial state:
//
//	{"Present":[…],"Present_itemKey":"ConnId","Whisper":null}
type PresenceVM struct {
	vm.Multicast
	// Present are the members, in connection-id order.
	Present []PresenceMember `vm:"itemKey=ConnId"`

	_ vm.Commands `vm:"Whisper"`
}

// NewPresenceVM returns an empty room.
func NewPresenceVM() *PresenceVM { return &PresenceVM{} }

// OnJoin lists the members again, the joining one included.
func (v *PresenceVM) OnJoin(context.Context) { v.refresh() }

// OnLeave lists the members again, without the leaving one.
func (v *PresenceVM) OnLeave(context.Context) { v.refresh() }

func (v *PresenceVM) refresh() {
	var list []PresenceMember
	for _, m := range v.Members() {
		list = append(list, PresenceMember{ConnId: m.ConnID, User: m.User})
	}
	v.Present = list
	v.Changed("Present")
}

// Whisper sends {"Whisper": {"From", "Text"}} to every connection of the
// user w.To, and to no one else.
func (v *PresenceVM) Whisper(ctx context.Context, w Whisper) error {
	from := ""
	if c := vm.ConnFromContext(ctx); c != nil {
		for _, m := range v.Members() {
			if m.ConnID == c.ID {
				from = m.User
			}
		}
	}
	return v.SendTo(vm.Audience{UserIDs: []string{w.To}}, "Whisper", map[string]string{"From": from, "Text": w.Text})
}
