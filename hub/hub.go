// Package hub is the junction between transports and view models: it keeps
// each connection's VMs, runs dotNetify's request, update and dispose flows
// and the action-reaction cycle, shares multicast VMs between connections,
// and hands the resulting [Response] values to a [Sender].
//
// A transport decodes bytes, calls [Hub.Connect] once per client, passes
// each message to [Client.Receive], and calls [Client.Close] when the client is
// gone. It never touches a VM.
package hub

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

// Options configure a [Hub]. The zero value is usable.
type Options struct {
	// Logger receives the hub's logs; nil means slog.Default().
	Logger *slog.Logger
	// Debug logs every message in and out (dotNetify's developer logging)
	// and dispatched paths that match nothing, whatever the Logger's level.
	Debug bool
	// DetailedErrors sends the text of a panic in VM code to the client
	// (dotNetify's development mode). By default the client gets a generic
	// message with an error id, and the text stays in the log.
	DetailedErrors bool
	// Snapshots, if set, keeps the public state of multicast VMs and of
	// the VMs of persistent connections (API Gateway's), so a VM
	// re-created after a restart or on another server resumes where it was
	// (fields tagged `vm:"transient"` excepted; see vm.StateRestorer).
	// A change is written before the reaction or push that tells a client
	// of it leaves: what a client was told survives a crash. Writes of
	// concurrent cycles are grouped into one round trip.
	Snapshots SnapshotStore
	// AsyncSnapshots writes snapshots in the background instead, in
	// batches gathered for SnapshotDelay after the reactions went out:
	// faster, but a crash loses the changes of the last moments (up to
	// SnapshotDelay plus one write) although clients were told of them.
	AsyncSnapshots bool
	// SnapshotDelay is how long changes gather before a background batch
	// is written, with AsyncSnapshots. Default 100ms.
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

	// OnConnect, if set, is called when a connection is registered
	// (Hub.Connect), and OnDisconnect once it is gone (after Close
	// disposed its VMs): dotNetify's IDisconnectionMiddleware, for every
	// transport. c tells the connection id and transport (c.Info()) and,
	// for OnDisconnect, who it was (c.Principal(): the identity the
	// middlewares last set, nil for an anonymous one). They run in the
	// goroutine of Connect or Close; they must not block for long.
	OnConnect    func(c *Client)
	OnDisconnect func(c *Client)
}

// Hub holds the connections and their VMs. It is safe for concurrent use.
type Hub struct {
	onConnect    func(*Client)
	onDisconnect func(*Client)

	reg      *vm.Registry
	log      *slog.Logger
	dlog     *slog.Logger // debug logs: visible whatever log's level when debug is set
	debug    bool
	detailed bool
	mws      []Middleware
	filters  []Filter
	piped    bool // any middleware or filter
	limits   limits
	workers  *workers     // run the lanes
	snaps    *snapshotter // nil without Options.Snapshots
	obs      Observer     // nil without Options.Observer

	mu     sync.Mutex
	conns  map[string]*Client
	groups map[string][]*group // multicast instances by type key
	create map[string]*keyMutex

	liveVMs atomic.Int64
}

// New returns a hub serving the VMs of reg.
func New(reg *vm.Registry, opts Options) *Hub {
	h := &Hub{
		reg:          reg,
		log:          opts.Logger,
		onConnect:    opts.OnConnect,
		onDisconnect: opts.OnDisconnect,
		debug:        opts.Debug,
		detailed:     opts.DetailedErrors,
		obs:          opts.Observer,
		mws:          append([]Middleware(nil), opts.Middlewares...),
		filters:      append([]Filter(nil), opts.Filters...),
		limits:       resolveLimits(opts),
		workers:      newWorkers(),
		conns:        map[string]*Client{},
		groups:       map[string][]*group{},
		create:       map[string]*keyMutex{},
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.dlog = h.log
	if h.debug {
		h.dlog = slog.New(debugHandler{h.log.Handler()})
	}
	h.piped = len(h.mws) > 0 || len(h.filters) > 0
	if opts.Snapshots != nil {
		h.snaps = newSnapshotter(opts.Snapshots, h.log, opts.SnapshotDelay, opts.AsyncSnapshots)
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
// connections; the responses for it go to s.
func (h *Hub) Connect(info *vm.Conn, s Sender) (*Client, error) {
	if info == nil || info.ID == "" {
		return nil, errors.New("hub: connection needs an id")
	}
	c := &Client{h: h, info: info, sender: s, vms: map[string]*entry{}, lanes: map[string]*lane{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	h.mu.Lock()
	if _, dup := h.conns[info.ID]; dup {
		h.mu.Unlock()
		c.cancel()
		return nil, fmt.Errorf("hub: connection %q already exists", info.ID)
	}
	h.conns[info.ID] = c
	h.mu.Unlock()
	if h.obs != nil {
		h.obs.ConnOpened(info.Transport)
	}
	if h.onConnect != nil {
		h.onConnect(c)
	}
	return c, nil
}

// Client returns the live connection with the given id, or nil.
func (h *Hub) Client(id string) *Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[id]
}

// Client is one client connection and the VMs it holds (dotNetify's VM
// controller).
//
// Messages for different VMs of one connection run concurrently: each root
// VM (a VM and its "Master.Child" sub-VMs) has a lane that runs its
// messages one at a time, in the order received, so a long command holds
// up only its own VM.
type Client struct {
	h      *Hub
	info   *vm.Conn
	sender Sender

	gone   atomic.Bool // set by Close: broadcasts skip the connection
	ctx    context.Context
	cancel context.CancelFunc // on Close: cancels the commands running for it

	tasks sync.WaitGroup // messages queued or running in the lanes

	mu      sync.Mutex // guards the fields below; never held while VM code runs
	vms     map[string]*entry
	lanes   map[string]*lane
	closing bool // Close began: no new messages; the queued ones still run
	closed  bool
	denied  map[string]bool // vmIds whose last push the pipeline refused
	// disposed holds vmIds a dispose_vm was handled for: a repeated one is
	// only logged. (The SignalR client answers a Response_VM for a VM it
	// no longer holds with Dispose_VM; answering that with an exception
	// would bounce between them.)
	disposed map[string]bool
	// the message rate limiter (made at the first message) and whether
	// the client was told it is over the limit
	limiter   *rate.Limiter
	throttled bool

	hmu       sync.Mutex // guards headers, principal
	headers   json.RawMessage
	principal Principal
}

type entry struct {
	id    vm.ID
	inst  vmrt.Instance
	group *group // multicast only
	// out serializes taking a unicast VM's changes and sending them, so
	// its responses leave in the order of its state.
	out outbox
}

// lane runs the messages of one root VM of a connection in order.
type lane struct {
	queue   []func()
	running bool
}

// maxQueued bounds the messages waiting in one lane (behind a long
// command); more are refused with an exception.
const maxQueued = 256

// Info returns the connection's description.
func (c *Client) Info() *vm.Conn { return c.info }

// ID returns the connection id.
func (c *Client) ID() string { return c.info.ID }

func (c *Client) baseCtx() context.Context { return vm.WithConn(c.ctx, c.info) }

// Headers returns the connection's cached $headers value, or nil.
func (c *Client) Headers() json.RawMessage { return c.getHeaders() }

func (c *Client) getHeaders() json.RawMessage {
	c.hmu.Lock()
	defer c.hmu.Unlock()
	return c.headers
}

func (c *Client) setHeaders(h json.RawMessage) {
	c.hmu.Lock()
	c.headers = h
	c.hmu.Unlock()
}

// Receive handles one client frame and returns once it is done (see
// [Client.Handle]). A *ProtocolError means the frame could not be attributed
// to a VM: the transport should close this connection. Errors of a VM are
// sent to the client as dotNetify exceptions and are not returned.
func (c *Client) Receive(frame []byte) error {
	m, err := c.decode(frame)
	if err != nil {
		return err
	}
	c.Handle(m)
	return nil
}

// ReceiveAsync is [Client.Receive] without the wait: the message runs in its
// VM's lane, and the caller (a socket's read loop) goes on reading, so a
// long command holds up only its own VM.
func (c *Client) ReceiveAsync(frame []byte) error {
	m, err := c.decode(frame)
	if err != nil {
		return err
	}
	c.Dispatch(m, nil)
	return nil
}

func (c *Client) decode(frame []byte) (Message, error) {
	if c.h.debug {
		c.h.dlog.Debug("message in", "conn", c.info.ID, "frame", string(frame))
	}
	m, err := DecodeMessage(frame)
	if err != nil {
		if c.h.obs != nil {
			c.h.obs.MessageIn(c.info.Transport, CallInvalid)
		}
		c.h.log.Warn("refused client frame", "conn", c.info.ID, "err", err)
	}
	return m, err
}

// Dispatch runs one decoded message in its VM's lane without waiting for
// it (see [Client.ReceiveAsync]); done, if not nil, is called once it has run
// (or was refused), from another goroutine.
func (c *Client) Dispatch(m Message, done func()) { c.run(m, done) }

// Handle runs one decoded message and returns once it is done: its
// reaction has been handed to the Sender (and, with snapshots, the state
// it reports is stored). Transports whose caller waits for the outcome
// (an integration call, a Web API request) use it.
func (c *Client) Handle(m Message) {
	done := make(chan struct{})
	c.run(m, func() { close(done) })
	<-done
}

// run queues m in its lane; done (if set) is called when it has run or
// was refused.
func (c *Client) run(m Message, done func()) {
	if c.h.obs != nil {
		c.h.obs.MessageIn(c.info.Transport, callLabel(m.CallType))
	}
	task := func() {
		if done != nil {
			defer done()
		}
		c.handle(m)
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		if done != nil {
			done()
		}
		return
	}
	ok, err := c.allow(m.VMID)
	if !ok {
		c.mu.Unlock()
		if err != nil {
			c.sendError(m.VMID, err)
		}
		if done != nil {
			done()
		}
		return
	}
	key := laneKey(m.VMID)
	l := c.lanes[key]
	if l == nil {
		l = &lane{}
		c.lanes[key] = l
	}
	if len(l.queue) >= maxQueued {
		c.mu.Unlock()
		c.h.log.Warn("client message refused: its view model has too many messages waiting", "conn", c.info.ID, "vm", m.VMID, "limit", maxQueued)
		c.sendError(m.VMID, limitError("too many messages waiting for %q (%d) behind a command still running: wait for its reaction before dispatching more", m.VMID, maxQueued))
		if done != nil {
			done()
		}
		return
	}
	c.tasks.Add(1)
	l.queue = append(l.queue, func() { defer c.tasks.Done(); task() })
	start := !l.running
	l.running = true
	c.mu.Unlock()
	if start {
		c.h.workers.Go(func() { c.drainLane(key, l) })
	}
}

// laneKey is the root VM of a vmId: "Master" for "Master.Child$1".
func laneKey(vmID string) string {
	if i := strings.IndexByte(vmID, '.'); i >= 0 {
		return vmID[:i]
	}
	return vmID
}

// drainLane runs a lane's messages until it is empty.
func (c *Client) drainLane(key string, l *lane) {
	for {
		c.mu.Lock()
		if len(l.queue) == 0 {
			l.running = false
			if c.lanes[key] == l {
				delete(c.lanes, key)
			}
			c.mu.Unlock()
			return
		}
		task := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		c.mu.Unlock()
		task()
	}
}

// handle runs one message: the flow of its call type, then the pushes of
// the connection's other VMs that it caused.
func (c *Client) handle(m Message) {
	var err error
	switch m.CallType.canonical() {
	case RequestVM:
		err = c.request(m.VMID, m.VMArgs)
	case UpdateVM:
		err = c.update(m.VMID, m.Value)
	case DisposeVM:
		err = c.dispose(m.VMID)
	default:
		err = &vm.Exception{Type: "InvalidOperationException", Message: fmt.Sprintf("callType %q not recognized", m.CallType)}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		c.sendError(m.VMID, err)
	}
	c.flushOthers(m.VMID)
}

// Handover disposes the connection's own VMs (not the multicast VMs it
// shares) because another server serves them now, re-created there from
// their snapshots: unlike a dispose_vm, it keeps their snapshots. The
// connection stays open with its multicast VMs.
func (c *Client) Handover() {
	c.mu.Lock()
	var own []*entry
	for id, e := range c.vms {
		if e.group == nil {
			own = append(own, e)
			delete(c.vms, id)
		}
	}
	c.mu.Unlock()
	// Sub-VMs ("Master.Child") before their masters.
	sort.Slice(own, func(i, j int) bool { return len(own[i].id.Full) > len(own[j].id.Full) })
	for _, e := range own {
		e.inst.Dispose()
		c.h.observeVM(e.inst.Type(), -1)
	}
}

// Close disposes every VM of the connection and forgets it. It is safe to
// call more than once. The messages already received still run first
// (nothing accepted is lost); commands still running see their context
// cancelled, so Close does not wait for long work that heeds it.
func (c *Client) Close() {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.mu.Unlock()
	c.cancel()
	c.tasks.Wait()
	c.mu.Lock()
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
	if err := c.info.CloseScoped(); err != nil {
		c.h.log.Warn("closing the connection's scoped services", "conn", c.info.ID, "err", err)
	}
	c.h.mu.Lock()
	if c.h.conns[c.info.ID] == c {
		delete(c.h.conns, c.info.ID)
	}
	c.h.mu.Unlock()
	if c.h.obs != nil {
		c.h.obs.ConnClosed(c.info.Transport)
	}
	if c.h.onDisconnect != nil {
		c.h.onDisconnect(c)
	}
}

// Principal returns who the connection's calls last ran as (what the
// middlewares set, e.g. the auth package's *auth.Principal), or nil.
func (c *Client) Principal() Principal {
	c.hmu.Lock()
	defer c.hmu.Unlock()
	return c.principal
}

// getEntry returns the connection's VM with this id, or nil.
func (c *Client) getEntry(vmID string) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.vms[vmID]
}

// addEntry records a new VM of the connection; false when the connection
// closed meanwhile (the caller releases the VM).
func (c *Client) addEntry(vmID string, e *entry) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.vms[vmID] = e
	delete(c.disposed, vmID)
	return true
}

// sortedIDs returns the vmIds, longest first (children before masters).
func (c *Client) sortedIDs() []string {
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

// pusher is a Client as the vmrt.Pusher of its unicast VMs (the methods
// stay off Client's API).
type pusher Client

// Push implements vmrt.Pusher: PushUpdates of a VM on this connection
// sends its pending changes (and, without waiting for them, those of the
// connection's other VMs).
func (p *pusher) Push(inst vmrt.Instance) {
	c := (*Client)(p)
	e := c.getEntry(inst.ID())
	if e == nil || e.inst != inst {
		return
	}
	c.flush(e)
	c.flushOthers(e.id.Full)
}

// Send implements vmrt.Pusher: a VM on this connection sends data to
// some connections.
func (p *pusher) Send(inst vmrt.Instance, connIDs []string, data []byte) {
	p.h.sendTo(inst, connIDs, inst.ID(), data)
}

// SendTo implements vmrt.Pusher: a VM on this connection sends data to an
// audience of connections and users (it has no group).
func (p *pusher) SendTo(inst vmrt.Instance, to vmrt.Audience, data []byte) {
	for _, id := range p.h.audience(to, nil) {
		p.h.sendTo(inst, []string{id}, inst.ID(), data)
	}
}

// Members implements vmrt.Pusher: a VM of one connection has that one.
func (p *pusher) Members(vmrt.Instance) []vmrt.Member {
	return []vmrt.Member{memberOf((*Client)(p))}
}

// connList returns the live connections, in no order.
func (h *Hub) connList() []*Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	conns := make([]*Client, 0, len(h.conns))
	for _, c := range h.conns {
		conns = append(conns, c)
	}
	return conns
}

// userName is the name of the connection's identity, "" when anonymous.
func (c *Client) userName() string {
	if p := c.Principal(); p != nil {
		return p.Name()
	}
	return ""
}

func memberOf(c *Client) vmrt.Member {
	m := vmrt.Member{ConnID: c.info.ID}
	if p := c.Principal(); p != nil {
		m.User, m.Principal = p.Name(), p
	}
	return m
}

// audience resolves an audience to connection ids of this hub: by id, by
// user, and the members of the groups named (among groups, the instances
// of one multicast VM type), less the exceptions.
func (h *Hub) audience(to vmrt.Audience, groups []*group) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if !seen[id] && !slices.Contains(to.Except, id) {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range to.ConnIDs {
		add(id)
	}
	if len(to.UserIDs) > 0 {
		for _, c := range h.connList() {
			if u := c.userName(); u != "" && slices.Contains(to.UserIDs, u) {
				add(c.info.ID)
			}
		}
	}
	for _, g := range groups {
		if !slices.Contains(to.Groups, g.name) {
			continue
		}
		g.mu.Lock()
		ids := make([]string, 0, len(g.members))
		for id := range g.members {
			ids = append(ids, id)
		}
		g.mu.Unlock()
		sort.Strings(ids)
		for _, id := range ids {
			add(id)
		}
	}
	return out
}

// flush sends the pending changes of one VM of the connection.
func (c *Client) flush(e *entry) {
	if e.group != nil {
		e.group.flush(c, "")
		return
	}
	e.out.flush(func() { c.flushNow(e, false) })
}

// flushNow takes and sends a unicast VM's changes; e.out is held. With
// try it does nothing while VM code holds the VM, and reports false.
func (c *Client) flushNow(e *entry, try bool) bool {
	if c.gone.Load() {
		return true
	}
	changes, ok, err := c.h.take(e.inst, c.snapKey(e), try)
	switch {
	case !ok:
		return false
	case err != nil:
		c.sendError(e.id.Full, err)
	default:
		if data := vmrt.EncodeChanges(changes, nil); data != nil {
			c.pushed(e.id.Full, c.respond(e.id.Full, e.inst, data))
		}
	}
	return true
}

// flushOthers sends the pending changes of the connection's VMs other
// than vmID (changes a cycle of vmID made in them, as a master's hook
// does), now if they are free; a VM busy with a long command is flushed
// in a goroutine that waits for it, so the caller is not held up.
func (c *Client) flushOthers(vmID string) {
	c.mu.Lock()
	if c.closed || len(c.vms) < 2 {
		c.mu.Unlock()
		return
	}
	var todo []*entry
	for id, e := range c.vms {
		if id != vmID && e.inst.HasChanges() {
			todo = append(todo, e)
		}
	}
	c.mu.Unlock()
	sort.Slice(todo, func(i, j int) bool { return todo[i].id.Full < todo[j].id.Full })
	for _, e := range todo {
		if !c.tryFlush(e) {
			go c.flush(e)
		}
	}
}

// tryFlush is flush if nobody holds the VM now; false if it did nothing.
func (c *Client) tryFlush(e *entry) bool {
	if e.group != nil {
		return e.group.tryFlush(c)
	}
	return e.out.tryFlush(func() bool { return c.flushNow(e, true) }, func() { c.flushNow(e, false) })
}

// take takes a VM's pending changes. With a snapshot key, the VM's state,
// read in the same step, is stored first: a change is durable before a
// client is told of it. With try, it takes nothing while VM code holds the
// VM, and ok is false.
func (h *Hub) take(inst vmrt.Instance, key string, try bool) (changes []vmrt.Change, ok bool, err error) {
	var state []byte
	ok = true
	switch {
	case try:
		changes, state, ok, err = inst.TryTakeChangesAndState(key != "")
	case key == "":
		changes, err = inst.TakeChanges()
	default:
		changes, state, err = inst.TakeChangesAndState()
	}
	if err == nil && state != nil {
		h.snaps.commit(key, state)
	}
	return changes, ok, err
}

// applyTake applies an update to inst and takes its changes in one step
// (see [Hub.take] for key).
func (h *Hub) applyTake(ctx context.Context, inst vmrt.Instance, entries []vmrt.PathValue, key string) ([]vmrt.Change, error) {
	changes, state, err := inst.ApplyAndTake(ctx, entries, key != "")
	if err == nil && state != nil {
		h.snaps.commit(key, state)
	}
	return changes, err
}

// send delivers data for vmID to this connection.
func (c *Client) send(vmID string, data []byte) {
	c.deliver(&Response{VMID: vmID, Data: data})
}

// deliver hands r to the connection's transport.
func (c *Client) deliver(r *Response) {
	if c.h.debug {
		c.h.dlog.Debug("message out", "conn", c.info.ID, "vm", r.VMID, "data", string(r.Data))
	}
	if c.h.obs != nil {
		c.h.obs.MessageOut(c.info.Transport, len(r.Data))
	}
	if err := c.sender.Send(r); err != nil {
		c.h.log.Warn("send failed", "conn", c.info.ID, "err", err)
	}
}

// sendError sends err to the client as dotNetify's exception object. A
// panic is logged with its stack and an error id; the client gets a
// generic message with that id (the panic's text only with
// Options.DetailedErrors).
func (c *Client) sendError(vmID string, err error) {
	var ex *vm.Exception
	var pe *vm.PanicError
	switch {
	case errors.As(err, &pe):
		ex = c.h.panicException(pe, "conn", c.info.ID)
	case !errors.As(err, &ex):
		ex = &vm.Exception{Type: "Exception", Message: err.Error()}
	}
	c.h.log.Warn("view model error sent to client", "conn", c.info.ID, "vm", vmID, "type", ex.Type, "err", ex.Message)
	c.deliver(errorResponse(vmID, ex))
}

// sendTo sends data of inst for vmID to the given connections of this
// hub, each through its response pipeline.
func (h *Hub) sendTo(inst vmrt.Instance, connIDs []string, vmID string, data []byte) {
	for _, id := range connIDs {
		c := h.Client(id)
		if c == nil {
			continue
		}
		if err := c.respond(vmID, inst, data); err != nil {
			h.log.Warn("response refused by the pipeline", "conn", id, "vm", vmID, "err", err)
		}
	}
}

// Has reports whether the connection holds a VM with this id.
func (c *Client) Has(vmID string) bool { return c.getEntry(vmID) != nil }

// panicException logs a panic of VM or pipeline code through the hub's
// logger, with its stack and a new error id, and returns what the client
// is told.
func (h *Hub) panicException(pe *vm.PanicError, attrs ...any) *vm.Exception {
	id := rand.Text()[:10]
	h.log.Error("panic in view model code: the client was sent a generic error", append(attrs, "vm", pe.VM, "error_id", id, "panic", fmt.Sprint(pe.Value), "stack", string(pe.Stack))...)
	msg := fmt.Sprintf("An internal error occurred in %s (error id %s): the server log has the details.", pe.VM, id)
	if h.detailed {
		msg = fmt.Sprintf("%s: %v (error id %s)", pe.VM, pe.Value, id)
	}
	return &vm.Exception{Type: "Exception", Message: msg}
}

// debugHandler passes debug records to a handler whatever its level: the
// hub's Debug option makes its message logs visible with any logger.
type debugHandler struct{ slog.Handler }

// Enabled implements slog.Handler: debug and above always are.
func (d debugHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelDebug || d.Handler.Enabled(ctx, l)
}

// WithAttrs implements slog.Handler.
func (d debugHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return debugHandler{d.Handler.WithAttrs(a)}
}

// WithGroup implements slog.Handler.
func (d debugHandler) WithGroup(name string) slog.Handler {
	return debugHandler{d.Handler.WithGroup(name)}
}
