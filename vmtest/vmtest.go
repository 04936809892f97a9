// Package vmtest tests view models the way a client uses them, without a
// network (dotNetify's DotNetify.Testing, for Go). A [Server] hosts the VMs
// of a registry; each [Client] is one simulated connection that requests
// VMs, dispatches values and commands, and holds the state the official
// client would hold: list additions, updates and removals applied by item
// key, exceptions kept apart. Several clients share multicast VMs, as
// browsers do. Everything runs in the test's process, under -race.
//
//	srv := vmtest.New(t, reg)
//	c := srv.Client()
//	hello := c.Request("HelloWorldVM", nil)
//	hello.Dispatch(map[string]any{"FirstName": "Ann"})
//	if got := hello.State()["FullName"]; got != "Ann World" { … }
package vmtest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// Server hosts the VMs of a registry for tests.
type Server struct {
	t   testing.TB
	hub *hub.Hub
	n   atomic.Int64
}

// New returns a server for the VMs of reg, with hub options opts (the
// message rate limit is off unless opts sets one). Its clients are closed
// when the test ends.
func New(t testing.TB, reg *vm.Registry, opts ...hub.Options) *Server {
	t.Helper()
	o := hub.Options{}
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.MessagesPerSecond == 0 {
		o.MessagesPerSecond = -1
	}
	return &Server{t: t, hub: hub.New(reg, o)}
}

// Hub returns the server's hub, for what the package does not cover.
func (s *Server) Hub() *hub.Hub { return s.hub }

// ClientOptions describe a simulated connection.
type ClientOptions struct {
	// ID is the connection id; "" gives "client1", "client2", …
	ID string
	// RemoteAddr is the client's address (what GroupName may split by);
	// "" gives "127.0.0.1:<n>".
	RemoteAddr string
	// Headers are sent as $headers with every request (e.g.
	// {"Authorization": "Bearer …"}), as the client's connect options do.
	Headers map[string]string
}

// Client returns a new simulated connection.
func (s *Server) Client(opts ...ClientOptions) *Client {
	s.t.Helper()
	var o ClientOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	n := s.n.Add(1)
	if o.ID == "" {
		o.ID = "client" + strconv.FormatInt(n, 10)
	}
	if o.RemoteAddr == "" {
		o.RemoteAddr = "127.0.0.1:" + strconv.FormatInt(40000+n, 10)
	}
	c := &Client{t: s.t, opts: o, vms: map[string]*VM{}, changed: make(chan struct{})}
	conn, err := s.hub.Connect(&vm.Conn{ID: o.ID, RemoteAddr: o.RemoteAddr, Transport: "vmtest"}, hub.SenderFunc(c.receive))
	if err != nil {
		s.t.Fatalf("vmtest: connecting %s: %v", o.ID, err)
	}
	c.conn = conn
	s.t.Cleanup(c.Close)
	return c
}

// Client is one simulated connection.
type Client struct {
	t    testing.TB
	opts ClientOptions
	conn *hub.Client

	mu      sync.Mutex
	vms     map[string]*VM
	frames  []Frame
	changed chan struct{} // closed and replaced on every frame
}

// Frame is one response_vm frame a client received: the vmId and the
// data object, as sent.
type Frame struct {
	VMID string
	Data json.RawMessage
}

// Frames returns every frame the client received so far, for all its VMs,
// in order: for assertions on exactly what was sent (a reaction without
// the echo of a dispatched value, a push, its absence).
func (c *Client) Frames() []Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Frame(nil), c.frames...)
}

// WaitFrames waits until the client has received at least n frames in all
// and returns them, or fails the test after timeout.
func (c *Client) WaitFrames(n int, timeout time.Duration) []Frame {
	c.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		got, ch := len(c.frames), c.changed
		c.mu.Unlock()
		if got >= n {
			return c.Frames()
		}
		select {
		case <-ch:
		case <-deadline.C:
			c.t.Fatalf("vmtest: %s received %d frames within %v, want %d", c.opts.ID, got, timeout, n)
		}
	}
}

// ID returns the connection id.
func (c *Client) ID() string { return c.opts.ID }

// Conn returns the client's hub connection, for what the package does not
// cover (raw frames through Client.Receive, for one).
func (c *Client) Conn() *hub.Client { return c.conn }

// Close disconnects the client: the server disposes its VMs (a multicast
// VM it shared sees it leave).
func (c *Client) Close() { c.conn.Close() }

// Request requests vmID (request_vm) with vmArg ($vmArg: a struct or map
// of initial property values, or nil) and returns it once its initial
// state or an exception has arrived.
func (c *Client) Request(vmID string, vmArg any) *VM {
	c.t.Helper()
	v := c.vm(vmID)
	args := map[string]any{}
	if vmArg != nil {
		args["$vmArg"] = vmArg
	}
	if len(c.opts.Headers) > 0 {
		args["$headers"] = c.opts.Headers
	}
	b, err := json.Marshal(args)
	if err != nil {
		c.t.Fatalf("vmtest: vmArg of %s: %v", vmID, err)
	}
	c.conn.Handle(hub.Message{CallType: hub.RequestVM, VMID: vmID, VMArgs: b})
	return v
}

func (c *Client) vm(vmID string) *VM {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.vms[vmID]
	if v == nil {
		v = &VM{c: c, id: vmID, state: map[string]any{}}
		c.vms[vmID] = v
	}
	return v
}

// receive is the connection's sender: it applies a response to the VM's
// state as the official client does.
func (c *Client) receive(r *hub.Response) error {
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return fmt.Errorf("vmtest: response data is not a JSON object: %w", err)
	}
	v := c.vm(r.VMID)
	c.mu.Lock()
	c.frames = append(c.frames, Frame{VMID: r.VMID, Data: json.RawMessage(r.Data)})
	v.apply(data)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return nil
}

// VM is a view model as a client holds it.
type VM struct {
	c  *Client
	id string

	// guarded by c.mu
	state      map[string]any
	frames     []map[string]any
	exceptions []vm.Exception
}

// ID returns the vmId.
func (v *VM) ID() string { return v.id }

// apply merges one frame; c.mu is held.
func (v *VM) apply(data map[string]any) {
	v.frames = append(v.frames, data)
	if t, ok := data["ExceptionType"].(string); ok {
		msg, _ := data["Message"].(string)
		v.exceptions = append(v.exceptions, vm.Exception{Type: t, Message: msg})
		return
	}
	for k, val := range data {
		switch {
		case hasSuffix(k, "_add"):
			list := k[:len(k)-4]
			items, _ := v.state[list].([]any)
			if arr, ok := val.([]any); ok {
				items = append(items, arr...)
			} else {
				items = append(items, val)
			}
			v.state[list] = items
		case hasSuffix(k, "_update"):
			list := k[:len(k)-7]
			v.updateItems(list, val)
		case hasSuffix(k, "_remove"):
			list := k[:len(k)-7]
			v.removeItems(list, val)
		default:
			v.state[k] = val
		}
	}
}

func hasSuffix(s, suf string) bool { return len(s) > len(suf) && s[len(s)-len(suf):] == suf }

func (v *VM) itemKey(list string) string {
	k, _ := v.state[list+"_itemKey"].(string)
	return k
}

func (v *VM) updateItems(list string, val any) {
	key := v.itemKey(list)
	ups, ok := val.([]any)
	if !ok {
		ups = []any{val}
	}
	items, _ := v.state[list].([]any)
	for _, u := range ups {
		um, _ := u.(map[string]any)
		for i, it := range items {
			im, _ := it.(map[string]any)
			if im != nil && um != nil && reflect.DeepEqual(im[key], um[key]) {
				merged := map[string]any{}
				for k, x := range im {
					merged[k] = x
				}
				for k, x := range um {
					merged[k] = x
				}
				items[i] = merged
			}
		}
	}
	v.state[list] = items
}

func (v *VM) removeItems(list string, val any) {
	key := v.itemKey(list)
	keys, ok := val.([]any)
	if !ok {
		keys = []any{val}
	}
	items, _ := v.state[list].([]any)
	out := items[:0]
	for _, it := range items {
		im, _ := it.(map[string]any)
		gone := false
		for _, k := range keys {
			if km, ok := k.(map[string]any); ok { // an item given whole
				k = km[key]
			}
			if im != nil && reflect.DeepEqual(im[key], k) {
				gone = true
			}
		}
		if !gone {
			out = append(out, it)
		}
	}
	v.state[list] = out
}

// State returns a copy of the state the client holds: top-level values
// decoded from JSON (numbers are float64, objects map[string]any, lists
// []any).
func (v *VM) State() map[string]any {
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	out := make(map[string]any, len(v.state))
	for k, x := range v.state {
		out[k] = x
	}
	return out
}

// Get decodes the state's property prop into out (a pointer), for typed
// assertions.
func (v *VM) Get(prop string, out any) {
	v.c.t.Helper()
	b, err := json.Marshal(v.State()[prop])
	if err != nil {
		v.c.t.Fatalf("vmtest: %s.%s: %v", v.id, prop, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		v.c.t.Fatalf("vmtest: %s.%s is %s, not a %T: %v", v.id, prop, b, out, err)
	}
}

// Frames returns the data of every frame received for the VM, in order.
func (v *VM) Frames() []map[string]any {
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	return append([]map[string]any(nil), v.frames...)
}

// Exceptions returns the exceptions the server sent for the VM (the
// client's exceptionHandler calls), in order.
func (v *VM) Exceptions() []vm.Exception {
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	return append([]vm.Exception(nil), v.exceptions...)
}

// Dispatch sends values ($dispatch: property values and commands) and
// returns once the server has handled them: their reaction, if any, is in
// the state.
func (v *VM) Dispatch(values map[string]any) {
	v.c.t.Helper()
	if len(v.c.opts.Headers) > 0 {
		values = withHeaders(values, v.c.opts.Headers)
	}
	b, err := json.Marshal(values)
	if err != nil {
		v.c.t.Fatalf("vmtest: dispatch to %s: %v", v.id, err)
	}
	v.c.conn.Handle(hub.Message{CallType: hub.UpdateVM, VMID: v.id, Value: b})
}

func withHeaders(values map[string]any, h map[string]string) map[string]any {
	out := make(map[string]any, len(values)+1)
	out["$headers"] = h
	for k, x := range values {
		out[k] = x
	}
	return out
}

// Destroy disposes the VM ($destroy) and returns once the server has.
func (v *VM) Destroy() {
	v.c.conn.Handle(hub.Message{CallType: hub.DisposeVM, VMID: v.id})
}

// WaitFor waits until cond holds for the VM's state (a copy, as
// [VM.State] gives; a push from a timer or another client), and fails the
// test after timeout.
func (v *VM) WaitFor(cond func(state map[string]any) bool, timeout time.Duration) {
	v.c.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		v.c.mu.Lock()
		ch := v.c.changed
		v.c.mu.Unlock()
		if cond(v.State()) {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			v.c.t.Fatalf("vmtest: %s: condition not met within %v; state %v", v.id, timeout, v.State())
		}
	}
}
