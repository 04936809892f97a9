// Command hello is gonetify's hello world: one view model, served to
// dotNetify clients over WebSocket (/ws), SignalR (/dotnetify) and Web API
// mode, with /healthz, /readyz and /metrics.
//
//	go run . --addr 127.0.0.1:8080
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gonetify/gonetify/server"
	"github.com/gonetify/gonetify/vm"
)

// HelloWorld greets whoever the client names and pushes the server's time.
type HelloWorld struct {
	vm.Base
	FirstName string
	LastName  string
	Greeting  string

	_ vm.Computed `vm:"FullName,ServerTime"`
	_ vm.Commands `vm:"Greet"`
}

// FullName is computed state.
func (v *HelloWorld) FullName() string { return v.FirstName + " " + v.LastName }

// ServerTime is computed state, pushed every second.
func (v *HelloWorld) ServerTime() string { return time.Now().Format(time.TimeOnly) }

// SetFirstName is the setter the client's $dispatch({FirstName: …}) calls.
func (v *HelloWorld) SetFirstName(s string) { v.FirstName = s; v.Changed("FullName") }

// SetLastName is the setter of LastName.
func (v *HelloWorld) SetLastName(s string) { v.LastName = s; v.Changed("FullName") }

// Greet is a command: $dispatch({Greet: null}).
func (v *HelloWorld) Greet() { v.Greeting = "Hello, " + v.FullName() + "!"; v.Changed("Greeting") }

// OnCreated starts the clock; it stops when the VM is disposed.
func (v *HelloWorld) OnCreated(context.Context) error {
	v.Every(time.Second, func() { v.Changed("ServerTime") })
	return nil
}

func main() {
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "HelloWorld", func(context.Context, vm.ID) (*HelloWorld, error) {
		return &HelloWorld{FirstName: "Hello", LastName: "World"}, nil
	})
	var opts server.Options
	opts.BindFlags(flag.CommandLine)
	if err := server.ParseFlags(flag.CommandLine, os.Args[1:]); err != nil {
		log.Fatal(err)
	}
	s, err := server.New(reg, opts)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.ListenAndServe(ctx); err != nil {
		log.Fatal(err)
	}
}
