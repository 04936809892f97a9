package cluster

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/vm"
)

// Router is the part of a cluster [Node] a [Relay] uses.
type Router interface {
	// ID is this server's id in the cluster.
	ID() string
	// Route queues msg for the owner of key.
	Route(ctx context.Context, key string, msg []byte) error
	// Publish tells every other server about an event.
	Publish(ctx context.Context, event string) error
	// Alive reports whether a server is running.
	Alive(ctx context.Context, id string) bool
}

// Relay shares the multicast VMs of the transports that hold their
// clients' connections themselves (direct WebSocket, SignalR, Web API)
// between the servers of a cluster. A message for a shared VM goes to the
// server that owns it (see [Node]), which runs the VM for every member,
// and its responses come back, through Redis pub/sub, to the server that
// holds the member's connection, whose transport encodes and writes them.
// The members' VMs are recorded in a store, so that a server taking a VM
// over knows them.
//
// A Relay is the [Handler] of its node. Transports give it their
// connections' senders ([Relay.Attach]), ids made with [Relay.ConnID], and
// the messages they receive ([Relay.Route]).
type Relay struct {
	h   *hub.Hub
	r   Router
	st  store.Store
	log *slog.Logger

	mu    sync.Mutex
	local map[string]hub.Sender // this server's connections
	acks  Acks                  // routed messages waited for
}

// NewRelay returns the relay of the hub h on the cluster node r, recording
// members in st.
func NewRelay(h *hub.Hub, r Router, st store.Store, log *slog.Logger) *Relay {
	if log == nil {
		log = slog.Default()
	}
	return &Relay{h: h, r: r, st: st, log: log, local: map[string]hub.Sender{}}
}

// ConnID returns a connection id for one of this server's connections:
// id prefixed with the server's, so every server knows where it lives.
func (rl *Relay) ConnID(id string) string { return rl.r.ID() + "~" + id }

// Attach makes the connection id (made with ConnID) of this server
// reachable: responses the owner of a shared VM sends it are handed to s.
func (rl *Relay) Attach(id string, s hub.Sender) {
	rl.mu.Lock()
	rl.local[id] = s
	rl.mu.Unlock()
}

// Detach tells the cluster a connection of this server is gone: its owner
// closes its side (the member leaves the shared VMs) and the store forgets
// it.
func (rl *Relay) Detach(id string) {
	rl.mu.Lock()
	delete(rl.local, id)
	rl.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = rl.st.RemoveConnection(ctx, id)
	if err := rl.r.Publish(ctx, "disconnect "+id); err != nil {
		rl.log.Warn("cluster: disconnect not published", "conn", id, "err", err)
	}
}

// Route sends m, received on the connection info, to the owner of its VM
// when that VM is shared, and records the member in the store; routed is
// false when the VM is not shared (serve it here). With wait, Route
// returns once the owner has handled m and sent its responses, or ctx
// ends. An error means the message could not be routed (Redis is down):
// serve it here.
func (rl *Relay) Route(ctx context.Context, info *vm.Conn, m hub.Message, wait bool) (routed bool, err error) {
	key := rl.h.SharedKey(m.VMID)
	if key == "" {
		return false, nil
	}
	msg := Message{ConnectionID: info.ID, RemoteAddr: info.RemoteAddr, Transport: info.Transport, Message: m}
	if info.Header != nil {
		msg.UserAgent = info.Header.Get("User-Agent")
	}
	var done <-chan struct{}
	if wait {
		msg.Ack, done = rl.acks.New()
		defer rl.acks.Forget(msg.Ack)
	}
	b, _ := json.Marshal(msg)
	if err := rl.r.Route(ctx, key, b); err != nil {
		rl.log.Error("cluster: message not routed to its view model's owner (Redis unreachable): serving it on this server", "conn", info.ID, "vm", m.VMID, "err", err)
		return false, err
	}
	var serr error
	if m.CallType == hub.RequestVM {
		serr = rl.st.AddConnection(ctx, info.ID)
	}
	if serr == nil {
		serr = store.Record(ctx, rl.st, info.ID, string(m.CallType), m.VMID, m.VMArgs)
	}
	if serr != nil {
		rl.log.Warn("cluster: store update failed", "conn", info.ID, "err", serr)
	}
	if wait {
		select {
		case <-done:
		case <-ctx.Done():
			return true, ctx.Err()
		}
	}
	return true, nil
}

// remoteSender is the owner's Sender for a connection another server
// holds: it publishes each response to that server.
type remoteSender struct {
	rl *Relay
	id string
}

// relayed is a hub.Response on its way to the server holding the
// connection.
type relayed struct {
	VMID string          `json:"vmId"`
	Data json.RawMessage `json:"data"`
	Err  *vm.Exception   `json:"err,omitempty"`
}

// relayedKey names the relayed encoding in hub.Response.Encoded.
type relayedKey struct{}

// Send implements hub.Sender. The members of a broadcast share r, so its
// relayed form is encoded once.
func (s *remoteSender) Send(r *hub.Response) error {
	b := r.Encoded(relayedKey{}, func(r *hub.Response) []byte {
		b, _ := json.Marshal(relayed{VMID: r.VMID, Data: r.Data, Err: r.Err})
		return b
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.rl.r.Publish(ctx, "resp "+s.id+" "+string(b))
}

// client returns the hub connection for a member, local or remote.
func (rl *Relay) client(m Message) (*hub.Client, error) {
	if c := rl.h.Client(m.ConnectionID); c != nil {
		return c, nil
	}
	if strings.HasPrefix(m.ConnectionID, rl.ConnID("")) {
		return nil, nil // one of ours, gone meanwhile
	}
	transport := m.Transport
	if transport == "" {
		transport = "ws"
	}
	info := &vm.Conn{ID: m.ConnectionID, RemoteAddr: m.RemoteAddr, Header: http.Header{}, Transport: transport}
	if m.UserAgent != "" {
		info.Header.Set("User-Agent", m.UserAgent)
	}
	c, err := rl.h.Connect(info, &remoteSender{rl: rl, id: m.ConnectionID})
	if err != nil {
		if c := rl.h.Client(m.ConnectionID); c != nil {
			return c, nil
		}
	}
	return c, err
}

// Deliver implements [Handler]: it applies a message routed to this server
// as its VM's owner.
func (rl *Relay) Deliver(ctx context.Context, raw []byte) {
	var m Message
	if err := json.Unmarshal(raw, &m); err != nil || m.ConnectionID == "" {
		rl.log.Warn("cluster: dropped a malformed routed message", "err", err)
		return
	}
	c, err := rl.client(m)
	if err == nil && c != nil {
		c.Handle(m.Message)
	}
	fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = rl.h.FlushSnapshots(fctx)
	if m.Ack != "" {
		if rl.acks.Done(m.Ack) {
			return // the waiter is on this server
		}
		if err := rl.r.Publish(fctx, "ack "+m.Ack); err != nil {
			rl.log.Warn("cluster: acknowledgement not published", "conn", m.ConnectionID, "err", err)
		}
	}
}

// TakeOver implements [Handler]: it re-creates, for the members recorded
// in the store, the VMs of a shared VM this server now owns (from its
// snapshot); members of servers that are gone are forgotten.
func (rl *Relay) TakeOver(ctx context.Context, key string) {
	ids, err := rl.st.Connections(ctx)
	if err != nil {
		rl.log.Warn("cluster: take-over could not list connections", "key", key, "err", err)
		return
	}
	n := 0
	for _, id := range ids {
		origin, _, ok := strings.Cut(id, "~")
		if !ok {
			continue
		}
		if !rl.r.Alive(ctx, origin) {
			_ = rl.st.RemoveConnection(ctx, id)
			continue
		}
		vms, err := rl.st.VMs(ctx, id)
		if err != nil {
			continue
		}
		for _, v := range vms {
			if rl.h.SharedKey(v.VMID) != key {
				continue
			}
			c, err := rl.client(Message{ConnectionID: id})
			if err != nil || c == nil || c.Has(v.VMID) {
				continue
			}
			args, _ := json.Marshal(v.VMArgs)
			c.Handle(hub.Message{CallType: hub.RequestVM, VMID: v.VMID, VMArgs: args})
			n++
		}
	}
	if n > 0 {
		rl.log.Info("cluster: took over a shared view model's direct connections", "key", key, "members", n)
	}
}

// Event implements [Handler]: another server's event (a response for one
// of this server's connections, a connection that left, an
// acknowledgement, a server-side dispatch).
func (rl *Relay) Event(ctx context.Context, ev string) {
	if rl.h.HandleEvent(ctx, ev) { // a server-side dispatch
		return
	}
	kind, rest, _ := strings.Cut(ev, " ")
	switch kind {
	case "resp":
		id, body, _ := strings.Cut(rest, " ")
		rl.mu.Lock()
		s := rl.local[id]
		rl.mu.Unlock()
		if s == nil {
			return
		}
		var r relayed
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			rl.log.Warn("cluster: dropped a malformed relayed response", "conn", id, "err", err)
			return
		}
		if err := s.Send(&hub.Response{VMID: r.VMID, Data: r.Data, Err: r.Err}); err != nil {
			rl.log.Warn("cluster: relayed response not delivered", "conn", id, "err", err)
		}
	case "ack":
		rl.acks.Done(rest)
	case "disconnect":
		if !strings.HasPrefix(rest, rl.ConnID("")) {
			if c := rl.h.Client(rest); c != nil {
				c.Close()
			}
		}
	}
}
