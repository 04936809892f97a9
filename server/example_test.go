package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/gonetify/gonetify/server"
	"github.com/gonetify/gonetify/vm"
)

// Counter is a view model: its exported fields are its state, the methods
// declared in its vm.Commands field are what a client may call.
type Counter struct {
	vm.Base
	Count int

	_ vm.Commands `vm:"Increment"`
}

// Increment adds one to Count.
func (c *Counter) Increment() { c.Count++; c.Changed("Count") }

// Example serves a view model on a free port, checks /healthz, reads the
// VM's state in Web API mode, and shuts down when its context ends.
func Example() {
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "Counter", func(context.Context, vm.ID) (*Counter, error) {
		return &Counter{Count: 41}, nil
	})
	s, err := server.New(reg, server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // ListenAndServe uses Options.Addr
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	for _, path := range []string{"/healthz", "/api/dotnetify/vm/Counter"} {
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(path, resp.StatusCode, strings.TrimSpace(string(body)))
	}

	stop() // graceful shutdown
	fmt.Println("stopped:", <-done)
	// Output:
	// /healthz 200 ok
	// /api/dotnetify/vm/Counter 200 {"Count":41,"Increment":null}
	// stopped: <nil>
}
