package examples

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gonetify/gonetify/vm"
)

func TestRegisterNames(t *testing.T) {
	reg := vm.NewRegistry()
	Register(reg)
	want := slices.Sorted(slices.Values(slices.Concat(Names, DemoNames, SecureNames)))
	eq(t, "names", fmt.Sprint(reg.Names()), fmt.Sprint(want))
}

// Every VM can be requested on its own, and closing the connection leaves
// no VM and no goroutine behind.
func TestAllVMsDispose(t *testing.T) {
	before := countGoroutines()
	opts := quiet
	opts.ServerTimeInterval = 10 * time.Millisecond
	opts.LiveChartInterval = 10 * time.Millisecond
	h := newHub(t, opts)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	all := slices.Concat(Names, DemoNames)
	for _, name := range all {
		s := c.request(name, nil)
		if _, isErr := s["ExceptionType"]; isErr {
			t.Fatalf("%s: %s", name, mustJSON(s))
		}
	}
	eq(t, "VMs", h.Stats().VMs, len(all))
	time.Sleep(50 * time.Millisecond) // let the timers push
	c.conn.Close()
	waitVMs(t, h, 0)
	waitGoroutines(t, before)
}

// Connections dispatching concurrently to a shared room while timers tick
// elsewhere: run with -race.
func TestConcurrentChat(t *testing.T) {
	opts := quiet
	opts.LiveChartInterval = 5 * time.Millisecond
	h := newHub(t, opts)
	const n, msgs = 4, 20
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = connect(t, h, fmt.Sprintf("c%d", i), fmt.Sprintf("10.0.0.%d:1", i))
		clients[i].request("ChatRoomVM", nil)
		clients[i].request("LiveChartVM", nil)
		clients[i].dispatch("ChatRoomVM", map[string]any{"AddUser": fmt.Sprint(i)})
	}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for j := range msgs {
				c.send(map[string]any{"callType": "update_vm", "vmId": "ChatRoomVM"}, "value",
					map[string]any{"SendMessage": map[string]any{"Text": fmt.Sprint(j), "UserName": c.id + "name"}})
			}
		})
	}
	wg.Wait()
	late := connect(t, h, "late", "10.0.0.9:1")
	s := late.request("ChatRoomVM", nil)
	msgList := get[[]ChatMessage](t, s, "Messages")
	eq(t, "messages", len(msgList), n*msgs)
	for i, m := range msgList {
		eq(t, "Id", m.Id, i+1)
	}
	eq(t, "users", len(get[[]ChatUser](t, s, "Users")), n)
	for _, c := range append(clients, late) {
		c.conn.Close()
	}
	waitVMs(t, h, 0)
}
