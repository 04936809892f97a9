// Package hub is the junction between transports and view models: it keeps
// each connection's VMs, runs dotNetify's request, update and dispose flows
// and the action-reaction cycle, shares multicast VMs between connections,
// and hands the resulting response_vm frames to a [Sender].
//
// A transport decodes bytes, calls [Hub.Connect] once per client, passes
// each message to [Conn.Receive], and calls [Conn.Close] when the client is
// gone. It never touches a VM.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gonetify/gonetify/vm"
)

// Sender delivers frames to one connection. Send must not block for long:
// queue the frame, or fail. A transport implements it.
type Sender interface {
	Send(frame []byte) error
}

// SenderFunc adapts a function to [Sender].
type SenderFunc func(frame []byte) error

// Send calls f(frame).
func (f SenderFunc) Send(frame []byte) error { return f(frame) }

// Options configure a [Hub]. The zero value is usable.
type Options struct {
	// Logger receives the hub's logs; nil means slog.Default().
	Logger *slog.Logger
	// Debug logs every message in and out (dotNetify's developer logging).
	Debug bool
	// OnGroup, if set, is told when a connection joins (joined=true) or
	// leaves a multicast group, named "<VM type>$<instance>/<group name>".
	// A transport uses it to keep a shared store of groups. It runs with
	// the hub's locks held: it must be quick and must not call the hub.
	OnGroup func(group, connID string, joined bool)

	// Snapshots, if set, keeps the public state of multicast VMs and of
	// the VMs of persistent connections (API Gateway's), written in
	// batches after every action-reaction cycle and push, so a VM
	// re-created after a restart or on another server resumes where it was
	// (fields tagged `vm:"transient"` excepted; see vm.StateRestorer).
	Snapshots SnapshotStore
	// SnapshotDelay is how long changes gather before a batch is written.
	// Default 100ms.
	SnapshotDelay time.Duration

	// Middlewares see every request, update, dispose, response and push,
	// in this order (dotNetify's middleware pipeline; see [Middleware]).
	// With no middleware and no filter the pipeline costs nothing.
	Middlewares []Middleware
	// Filters run per VM inside the middlewares (see [Filter]).
	Filters []Filter

	// MaxDepth bounds the nesting of objects and arrays in a client's
	// vmArgs or update value; deeper data is refused with an
	// InvalidOperationException. 0 means DefaultMaxDepth (64), negative
	// means no limit.
	MaxDepth int
	// MaxVMsPerConn bounds the VMs one connection may hold (sub-VMs and
	// implicitly created masters count); a request over it is refused
	// with an InvalidOperationException. 0 means DefaultMaxVMsPerConn
	// (256), negative means no limit.
	MaxVMsPerConn int
	// MessagesPerSecond and MessageBurst rate-limit each connection's
	// messages (request, update and dispose) with a token bucket:
	// MessageBurst at once, refilled at MessagesPerSecond. Messages over
	// the limit are dropped; the client gets one InvalidOperationException
	// per episode. 0 means DefaultMessagesPerSecond (100) and
	// DefaultMessageBurst (200), negative means no limit.
	MessagesPerSecond int
	MessageBurst      int

	// Observer, if set, is told of connections, messages and VMs as they
	// come and go, for metrics (see [Observer]).
	Observer Observer
}

// Hub holds the connections and their VMs. It is safe for concurrent use.
type Hub struct {
	reg     *vm.Registry
	log     *slog.Logger
	debug   bool
	onGroup func(group, connID string, joined bool)
	mws     []Middleware
	filters []Filter
	piped   bool // any middleware or filter
	limits  limits
	snaps   *snapshotter // nil without Options.Snapshots
	obs     Observer     // nil without Options.Observer

	mu     sync.Mutex
	conns  map[string]*Conn
	groups map[string][]*group // multicast instances by type key
	create map[string]*keyMutex
	kinds  sync.Map // VM type name -> multicast (bool), learned at first creation

	liveVMs atomic.Int64
}

// New returns a hub serving the VMs of reg.
func New(reg *vm.Registry, opts Options) *Hub {
	h := &Hub{
		reg:     reg,
		log:     opts.Logger,
		debug:   opts.Debug,
		onGroup: opts.OnGroup,
		obs:     opts.Observer,
		mws:     append([]Middleware(nil), opts.Middlewares...),
		filters: append([]Filter(nil), opts.Filters...),
		limits:  resolveLimits(opts),
		conns:   map[string]*Conn{},
		groups:  map[string][]*group{},
		create:  map[string]*keyMutex{},
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.piped = len(h.mws) > 0 || len(h.filters) > 0
	if opts.Snapshots != nil {
		h.snaps = newSnapshotter(opts.Snapshots, h.log, opts.SnapshotDelay)
	}
	return h
}

// Registry returns the hub's VM registry.
func (h *Hub) Registry() *vm.Registry { return h.reg }

// Stats are live counts, for tests and metrics.
type Stats struct {
	Connections int
	VMs         int // live VM instances (a multicast VM counts once)
	Groups      int // live multicast instances
}

// Stats returns the current counts.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	g := 0
	for _, gs := range h.groups {
		g += len(gs)
	}
	return Stats{Connections: len(h.conns), VMs: int(h.liveVMs.Load()), Groups: g}
}

// Connect registers a client connection. info.ID must be unique among live
// connections; frames for it go to s.
func (h *Hub) Connect(info *vm.Conn, s Sender) (*Conn, error) {
	if info == nil || info.ID == "" {
		return nil, errors.New("hub: connection needs an id")
	}
	c := &Conn{h: h, info: info, sender: s, vms: map[string]*entry{}}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, dup := h.conns[info.ID]; dup {
		return nil, fmt.Errorf("hub: connection %q already exists", info.ID)
	}
	h.conns[info.ID] = c
	if h.obs != nil {
		h.obs.ConnOpened(info.Transport)
	}
	return c, nil
}

// Conn returns the live connection with the given id, or nil.
func (h *Hub) Conn(id string) *Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[id]
}

// Conn is one client connection and the VMs it holds (dotNetify's VM
// controller).
type Conn struct {
	h      *Hub
	info   *vm.Conn
	sender Sender

	gone atomic.Bool // set by Close: broadcasts skip the connection

	mu     sync.Mutex // serializes cycles and flushes; guards the fields below
	vms    map[string]*entry
	closed bool
	denied map[string]bool // vmIds whose last push the pipeline refused
	// disposed holds vmIds a dispose_vm was handled for: a repeated one is
	// only logged. (The SignalR client answers a Response_VM for a VM it
	// no longer holds with Dispose_VM; answering that with an exception
	// would bounce between them.)
	disposed map[string]bool
	// the message rate limiter's bucket
	tokens    float64
	last      time.Time
	throttled bool

	hmu     sync.Mutex // guards headers
	headers json.RawMessage

	pmu      sync.Mutex // guards pending, draining
	pending  bool
	draining bool
}

type entry struct {
	id    vm.ID
	inst  *vm.Instance
	group *group // multicast only
}

// Info returns the connection's description.
func (c *Conn) Info() *vm.Conn { return c.info }

// ID returns the connection id.
func (c *Conn) ID() string { return c.info.ID }

func (c *Conn) ctx() context.Context { return vm.WithConn(context.Background(), c.info) }

// Headers returns the connection's cached $headers value, or nil.
func (c *Conn) Headers() json.RawMessage { return c.getHeaders() }

func (c *Conn) getHeaders() json.RawMessage {
	c.hmu.Lock()
	defer c.hmu.Unlock()
	return c.headers
}

func (c *Conn) setHeaders(h json.RawMessage) {
	c.hmu.Lock()
	c.headers = h
	c.hmu.Unlock()
}

// Receive handles one client frame. A *ProtocolError means the frame could
// not be attributed to a VM: the transport should close this connection.
// Errors of a VM are sent to the client as dotNetify exceptions and are not
// returned.
func (c *Conn) Receive(frame []byte) error {
	if c.h.debug {
		c.h.log.Debug("message in", "conn", c.info.ID, "frame", string(frame))
	}
	m, err := DecodeMessage(frame)
	if err != nil {
		if c.h.obs != nil {
			c.h.obs.MessageIn(c.info.Transport, CallInvalid)
		}
		c.h.log.Warn("refused client frame", "conn", c.info.ID, "err", err)
		return err
	}
	c.Handle(m)
	return nil
}

// Handle runs one decoded message.
func (c *Conn) Handle(m Message) {
	if c.h.obs != nil {
		c.h.obs.MessageIn(c.info.Transport, callLabel(m.CallType))
	}
	c.cycle(func() {
		ok, err := c.allow(m.VMID)
		if !ok {
			if err != nil {
				c.sendError(m.VMID, err)
			}
			return
		}
		switch strings.ToLower(m.CallType) {
		case CallRequest:
			err = c.request(m.VMID, m.VMArgs)
		case CallUpdate:
			err = c.update(m.VMID, m.Value)
		case CallDispose:
			err = c.dispose(m.VMID)
		default:
			err = &vm.Exception{Type: "InvalidOperationException", Message: fmt.Sprintf("callType %q not recognized", m.CallType)}
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			c.sendError(m.VMID, err)
		}
	})
}

// Close disposes every VM of the connection and forgets it. It is safe to
// call more than once.
func (c *Conn) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.gone.Store(true)
	ids := c.sortedIDs()
	vms := c.vms
	c.vms = map[string]*entry{}
	c.mu.Unlock()
	c.setHeaders(nil)
	for _, id := range ids {
		c.h.release(c, vms[id])
	}
	c.h.mu.Lock()
	if c.h.conns[c.info.ID] == c {
		delete(c.h.conns, c.info.ID)
	}
	c.h.mu.Unlock()
	if c.h.obs != nil {
		c.h.obs.ConnClosed(c.info.Transport)
	}
}

// sortedIDs returns the vmIds, longest first (children before masters).
func (c *Conn) sortedIDs() []string {
	ids := make([]string, 0, len(c.vms))
	for id := range c.vms {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if len(ids[i]) != len(ids[j]) {
			return len(ids[i]) > len(ids[j])
		}
		return ids[i] < ids[j]
	})
	return ids
}

// cycle runs fn holding the connection, then pushes the pending changes of
// every VM on it, including pushes VM code asked for meanwhile.
func (c *Conn) cycle(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.pmu.Lock()
	drainer := !c.draining
	c.draining = true
	c.pmu.Unlock()
	fn()
	if !drainer {
		c.flushLocked() // a background drainer is waiting for us; it flushes again
		return
	}
	c.pmu.Lock()
	c.pending = true
	c.pmu.Unlock()
	c.drainLocked()
}

// drainLocked flushes until no push is pending, then gives up draining.
func (c *Conn) drainLocked() {
	for {
		c.pmu.Lock()
		if !c.pending {
			c.draining = false
			c.pmu.Unlock()
			return
		}
		c.pending = false
		c.pmu.Unlock()
		c.flushLocked()
	}
}

// Push implements vm.Pusher: PushUpdates of a VM on this connection.
func (c *Conn) Push(*vm.Instance) {
	c.pmu.Lock()
	c.pending = true
	if c.draining {
		c.pmu.Unlock()
		return
	}
	c.draining = true
	c.pmu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drainLocked()
}

// Send implements vm.Pusher: a VM on this connection sends data to some
// connections.
func (c *Conn) Send(inst *vm.Instance, connIDs []string, data []byte) {
	c.h.sendTo(inst, connIDs, inst.ID().Full, data)
}

// flushLocked sends the pending changes of every VM on the connection.
func (c *Conn) flushLocked() {
	if c.closed {
		return
	}
	for _, id := range c.sortedIDs() {
		e := c.vms[id]
		if !e.inst.HasChanges() {
			continue
		}
		if e.group != nil {
			e.group.broadcast(c, "", nil)
			continue
		}
		changes, err := e.inst.TakeChanges()
		if err != nil {
			c.sendError(id, err)
			continue
		}
		if data := vm.EncodeChanges(changes, nil); data != nil {
			c.stateChanged(e)
			c.pushed(id, c.respond(id, e.inst, data))
		}
	}
}

// send delivers data for vmID to this connection.
func (c *Conn) send(vmID string, data []byte) {
	c.sendFrame(Frame(vmID, data))
}

func (c *Conn) sendFrame(frame []byte) {
	if c.h.debug {
		c.h.log.Debug("message out", "conn", c.info.ID, "frame", string(frame))
	}
	if c.h.obs != nil {
		c.h.obs.MessageOut(c.info.Transport, len(frame))
	}
	if err := c.sender.Send(frame); err != nil {
		c.h.log.Warn("send failed", "conn", c.info.ID, "err", err)
	}
}

// sendError sends err to the client as dotNetify's exception object.
func (c *Conn) sendError(vmID string, err error) {
	var ex *vm.Exception
	if !errors.As(err, &ex) {
		ex = &vm.Exception{Type: "Exception", Message: err.Error()}
	}
	c.h.log.Warn("view model error sent to client", "conn", c.info.ID, "vm", vmID, "type", ex.Type, "err", ex.Message)
	data, _ := json.Marshal(struct {
		ExceptionType string
		Message       string
	}{ex.Type, ex.Message})
	c.send(vmID, data)
}

// sendTo sends data of inst for vmID to the given connections of this
// hub, each through its response pipeline.
func (h *Hub) sendTo(inst *vm.Instance, connIDs []string, vmID string, data []byte) {
	for _, id := range connIDs {
		c := h.Conn(id)
		if c == nil {
			continue
		}
		if err := c.respond(vmID, inst, data); err != nil {
			h.log.Warn("response refused by the pipeline", "conn", id, "vm", vmID, "err", err)
		}
	}
}

// Has reports whether the connection holds a VM with this id.
func (c *Conn) Has(vmID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.vms[vmID] != nil
}
