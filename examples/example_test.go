package examples_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// GreeterVM is a view model of our own: a state field, a computed property
// and a command, both declared (undeclared methods are never exposed).
type GreeterVM struct {
	vm.Base
	Name string

	_ vm.Computed `vm:"Greeting"`
	_ vm.Commands `vm:"Shout"`
}

// Greeting is computed from Name.
func (v *GreeterVM) Greeting() string { return "Hello, " + v.Name + "!" }

// SetName sets Name; Greeting changes with it.
func (v *GreeterVM) SetName(s string) {
	v.Name = s
	v.Changed("Greeting")
}

// Shout is a command: $dispatch({Shout: null}).
func (v *GreeterVM) Shout() {
	v.Name = strings.ToUpper(v.Name)
	v.Changed("Name", "Greeting")
}

func ExampleRegister() {
	reg := vm.NewRegistry()
	examples.Register(reg)
	vm.MustRegister(reg, "GreeterVM", func(context.Context, vm.ID) (*GreeterVM, error) {
		return &GreeterVM{Name: "World"}, nil
	})
	fmt.Println(reg.Names())

	h := hub.New(reg, hub.Options{})
	conn, _ := h.Connect(&vm.Conn{ID: "c1"}, hub.SenderFunc(func(r *hub.Response) error {
		fmt.Println(r.VMID, string(r.Data)) // Data is the state or its changes
		return nil
	}))
	defer conn.Close()

	_ = conn.Receive([]byte(`{"callType":"request_vm","vmId":"GreeterVM","vmArgs":"{}"}`))
	_ = conn.Receive([]byte(`{"callType":"update_vm","vmId":"GreeterVM","value":"{\"Name\":\"Gopher\"}"}`))
	_ = conn.Receive([]byte(`{"callType":"update_vm","vmId":"GreeterVM","value":"{\"Shout\":null}"}`))
	// Output:
	// [AdminSecurePageVM BookDetailsVM BookStoreVM ChatRoomVM CompositeViewVM ControlTypesVM Details FilterableMovieTableVM GreeterVM GreetingVM HelloWorldVM LiveChartVM MasterDetails MasterList MovieDetailsVM MovieFilterVM MovieTableVM PresenceVM SecurePageVM ServerTimeVM SimpleListVM TunableLiveChartVM]
	// GreeterVM {"Name":"World","Greeting":"Hello, World!","Shout":null}
	// GreeterVM {"Greeting":"Hello, Gopher!"}
	// GreeterVM {"Name":"GOPHER","Greeting":"Hello, GOPHER!"}
}
