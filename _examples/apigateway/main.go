// Command apigateway serves its view models to clients connected to an
// Amazon API Gateway WebSocket API: the gateway holds the sockets and calls
// this server's integration endpoints (POST /api/dotnetify/vm and
// /api/dotnetify/vm/disconnect); the server pushes back through the stage's
// Connection URL, signed with AWS Signature V4.
//
//	go run . --addr 127.0.0.1:8080 \
//	  --connection-url http://127.0.0.1:8081/prod/@connections \
//	  --integration-secret local-secret-1234567
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/gonetify/gonetify/server"
	"github.com/gonetify/gonetify/vm"
)

// Counter is shared by every client (vm.Multicast): a click by one is seen
// by all, through the gateway.
type Counter struct {
	vm.Multicast
	Clicks int

	_ vm.Commands `vm:"Click"`
}

// Click is a command: $dispatch({Click: null}).
func (c *Counter) Click() { c.Clicks++; c.Changed("Clicks") }

// Greeting is a per-connection view model.
type Greeting struct {
	vm.Base
	Name string

	_ vm.Computed `vm:"Text"`
}

// Text is computed state.
func (g *Greeting) Text() string { return fmt.Sprintf("Hello, %s!", g.Name) }

// SetName is the setter of Name.
func (g *Greeting) SetName(s string) { g.Name = s; g.Changed("Text") }

func main() {
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "Counter", func(context.Context, vm.ID) (*Counter, error) { return &Counter{}, nil })
	vm.MustRegister(reg, "Greeting", func(context.Context, vm.ID) (*Greeting, error) { return &Greeting{Name: "world"}, nil })

	var opts server.Options
	opts.BindFlags(flag.CommandLine)
	if err := server.ParseFlags(flag.CommandLine, os.Args[1:]); err != nil {
		log.Fatal(err)
	}
	if opts.ConnectionURL == "" {
		log.Fatal("set --connection-url (or GONETIFY_CONNECTION_URL) to the stage's Connection URL, https://API_ID.execute-api.REGION.amazonaws.com/STAGE/@connections: see README.md")
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
