// Command redis scales out on Redis: run it several times on one Redis, and
// the multicast view model is one instance for the clients of every server.
// State lives in Redis, so a restart loses nothing.
//
//	go run . --addr 127.0.0.1:8080 --redis redis://127.0.0.1:6379/0
//	go run . --addr 127.0.0.1:8090 --redis redis://127.0.0.1:6379/0
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/gonetify/gonetify/server"
	"github.com/gonetify/gonetify/vm"
)

// Board is a shared to-do board: every client of every server sees one
// instance (vm.Multicast), owned by one server at a time through Redis.
type Board struct {
	vm.Multicast
	Items  []Item `vm:"itemKey=Id"`
	NextId int

	_ vm.Commands `vm:"Add,Remove"`
}

// Item is one entry of the board.
type Item struct {
	Id   int
	Text string
}

// Add is a command: $dispatch({Add: "buy milk"}).
func (b *Board) Add(text string) {
	b.NextId++
	it := Item{Id: b.NextId, Text: text}
	b.Items = append(b.Items, it)
	b.AddList("Items", it)
	b.Changed("NextId")
}

// Remove is a command: $dispatch({Remove: 3}).
func (b *Board) Remove(id int) {
	for i, it := range b.Items {
		if it.Id == id {
			b.Items = append(b.Items[:i], b.Items[i+1:]...)
			b.RemoveList("Items", id)
			return
		}
	}
}

func main() {
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "Board", func(context.Context, vm.ID) (*Board, error) { return &Board{Items: []Item{}}, nil })

	opts := server.Options{Cluster: true} // the default of --cluster here
	opts.BindFlags(flag.CommandLine)
	if err := server.ParseFlags(flag.CommandLine, os.Args[1:]); err != nil {
		log.Fatal(err)
	}
	if opts.RedisURL == "" && opts.RedisCluster == "" && opts.RedisSentinel == "" {
		log.Fatal("set --redis (or GONETIFY_REDIS) to the Redis URL the servers share, redis://HOST:6379/0 (or --redis-cluster HOST:PORT,… for a Redis Cluster, --redis-sentinel MASTER@HOST:PORT,… for Sentinel)")
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
