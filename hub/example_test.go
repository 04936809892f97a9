package hub_test

import (
	"context"
	"fmt"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// GreeterVM is a view model: exported fields are state; Greet is a
// declared command.
type GreeterVM struct {
	vm.Base
	Name     string
	Greeting string
	_        vm.Commands `vm:"Greet"`
}

// OnCreated runs once the $vmArg values are applied.
func (g *GreeterVM) OnCreated(context.Context) error {
	g.Greeting = "Hello " + g.Name
	return nil
}

// Greet is called by the client's vm.$dispatch({Greet: "Bob"}).
func (g *GreeterVM) Greet(name string) {
	g.Greeting = "Hello " + name
	g.Changed("Greeting")
}

// Example shows a hub serving one VM to one connection, with the frames the
// official client would receive.
func Example() {
	reg := vm.NewRegistry()
	if err := vm.RegisterType[GreeterVM](reg, "GreeterVM"); err != nil {
		panic(err)
	}
	h := hub.New(reg, hub.Options{})

	conn, _ := h.Connect(&vm.Conn{ID: "conn-1"}, hub.SenderFunc(func(r *hub.Response) error {
		fmt.Println(r.VMID, string(r.Data)) // a transport encodes this as its frame
		return nil
	}))
	_ = conn.Receive([]byte(`{"callType":"request_vm","vmId":"GreeterVM","vmArgs":"{\"$vmArg\":{\"Name\":\"Ann\"}}"}`))
	_ = conn.Receive([]byte(`{"callType":"update_vm","vmId":"GreeterVM","value":"{\"Greet\":\"Bob\"}"}`))
	conn.Close()
	fmt.Println(h.Stats().VMs, "VMs left")
	// Output:
	// GreeterVM {"Name":"Ann","Greeting":"Hello Ann","Greet":null}
	// GreeterVM {"Greeting":"Hello Bob"}
	// 0 VMs left
}
