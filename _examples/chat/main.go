// Command chat is a multicast chat: every client requesting the Chat view
// model shares one instance and sees every message.
//
//	go run . --addr 127.0.0.1:8080
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gonetify/gonetify/server"
	"github.com/gonetify/gonetify/vm"
)

// Message is one chat line.
type Message struct {
	Id   int
	User string
	Text string
	Time time.Time
}

// Chat is the chat room, shared by every connection that requests it:
// vm.Multicast makes one instance for them all.
type Chat struct {
	vm.Multicast
	Messages []Message `vm:"itemKey=Id"`

	_ vm.Commands `vm:"Post"`
}

// Post is a command: $dispatch({Post: {User: "ann", Text: "hi"}}). Every
// member of the room receives the new message.
func (c *Chat) Post(m Message) error {
	m.Text = strings.TrimSpace(m.Text)
	if m.Text == "" {
		return vm.Errorf("an empty message")
	}
	m.Id, m.Time = len(c.Messages)+1, time.Now()
	c.Messages = append(c.Messages, m)
	c.AddList("Messages", m)
	return nil
}

func main() {
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "Chat", func(context.Context, vm.ID) (*Chat, error) {
		return &Chat{Messages: []Message{}}, nil
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
