package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

// request runs dotNetify's request_vm flow (protocol §5.2). c.mu is held.
func (c *Client) request(vmID string, rawArgs json.RawMessage) error {
	args, err := innerObject(rawArgs, "vmArgs")
	if err != nil {
		return err
	}
	if err := c.h.checkDepth(c, vmID, "vmArgs", args); err != nil {
		return err
	}
	entries, err := orderedObject(args)
	if err != nil {
		return badArg("vmArgs: %v", err)
	}
	var vmArg json.RawMessage
	var rest []vmrt.PathValue
	hasVMArg := false
	for _, e := range entries {
		switch e.Path {
		case "$vmArg":
			hasVMArg = true
			vmArg = e.Value
		case "$headers":
			c.setHeaders(e.Value)
		default:
			rest = append(rest, e)
		}
	}
	if !c.h.piped {
		var init []vmrt.PathValue
		if hasVMArg {
			if init, err = vmArgEntries(vmArg); err != nil {
				return err
			}
		} else {
			init = rest
		}
		return c.requestVM(nil, vmID, init)
	}
	data := vmArg
	if !hasVMArg && len(rest) > 0 {
		data = encodeObject(rest)
	}
	x := c.newContext(RequestVM, vmID, data)
	return c.h.middlewares(x, func() error {
		init, err := vmArgEntries(x.Data)
		if err != nil {
			return err
		}
		return c.requestVM(x, vmID, init)
	})
}

// vmArgEntries decodes a $vmArg object (nil or null: none).
func vmArgEntries(raw json.RawMessage) ([]vmrt.PathValue, error) {
	v := bytes.TrimSpace(raw)
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	if v[0] != '{' {
		return nil, badArg("$vmArg must be a JSON object")
	}
	init, err := orderedObject(v)
	if err != nil {
		return nil, badArg("$vmArg: %v", err)
	}
	return init, nil
}

// requestVM creates (or finds) the VM and sends its full state; x is the
// pipeline context, nil without a pipeline. It runs in the VM's lane.
func (c *Client) requestVM(x *Context, vmID string, init []vmrt.PathValue) error {
	// A "namespace" key picks the type by its full name and is not applied.
	typePrefix := ""
	for i, e := range init {
		if strings.EqualFold(e.Path, "namespace") {
			var ns string
			if json.Unmarshal(e.Value, &ns) == nil && ns != "" {
				typePrefix = ns + "."
			}
			init = append(init[:i:i], init[i+1:]...)
			break
		}
	}

	if e := c.getEntry(vmID); e != nil {
		_, err := c.h.filter(x, e.inst, func() error { return c.sendFull(vmID, e.inst) })
		return err
	}
	if max := c.h.limits.vms; max > 0 && c.vmCount() >= max {
		c.h.log.Warn("client over the view-model limit", "conn", c.info.ID, "vm", vmID, "limit", max)
		return limitError("too many view models on this connection: %d is the server's limit (hub.Options.MaxVMsPerConn); dispose view models you no longer use", max)
	}
	id := vm.ParseID(vmID)
	if id.Type == "" {
		return badArg("%q is not a valid vmId", vmID)
	}
	e, err := c.create(x, id, typePrefix+id.Type, init)
	if err != nil || e == nil {
		return err
	}
	// A new VM's pending changes are covered by its full state. A shared
	// multicast VM's are not: they still go to the other members, so they
	// must not be dropped here.
	if g := e.group; g != nil {
		// In one step of the VM's order: OnJoin, the pending changes (its
		// own and what other members changed meanwhile) to the others,
		// then the whole state to the joining connection.
		g.out.hold(func() {
			if err = g.inst.Join(c.baseCtx()); err != nil {
				return
			}
			g.flushNow(c, c.info.ID, false)
			var state []byte
			if state, err = g.inst.FullState(); err == nil {
				err = c.respond(vmID, g.inst, state)
			}
		}, func() { g.flushNow(nil, "", false) })
	} else {
		var state []byte
		if state, err = e.inst.InitialState(); err == nil {
			err = c.respond(vmID, e.inst, state)
		}
	}
	if err == nil && !c.addEntry(vmID, e) {
		err = context.Canceled // the connection closed meanwhile
	}
	if err != nil {
		c.h.release(c, e)
		return err
	}
	if e.group == nil {
		e.inst.SetPusher((*pusher)(c))
	}
	return nil
}

// vmCount is the number of VMs the connection holds.
func (c *Client) vmCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.vms)
}

func (c *Client) sendFull(vmID string, inst vmrt.Instance) error {
	state, err := inst.FullState()
	if err != nil {
		return err
	}
	return c.respond(vmID, inst, state)
}

// create makes the VM for id on this connection, or joins the multicast
// instance it shares. init are the $vmArg values to apply to a new VM. The
// VM filters run around its set-up (or before joining a multicast VM); a
// filter halting the call gives (nil, nil).
func (c *Client) create(x *Context, id vm.ID, typeName string, init []vmrt.PathValue) (*entry, error) {
	h := c.h
	ctx := c.vmCtx(x)
	var master *entry
	if id.Master != "" {
		master = c.getEntry(id.Master)
		if master == nil {
			mid := vm.ParseID(id.Master)
			var err error
			if master, err = c.create(x, mid, mid.Type, nil); err != nil || master == nil {
				return nil, err
			}
			if !c.addEntry(id.Master, master) {
				h.release(c, master)
				return nil, context.Canceled
			}
			if master.group == nil {
				master.inst.SetPusher((*pusher)(c))
			}
		}
	}
	var setupVM func(inst vmrt.Instance) error
	newInst := func() (vmrt.Instance, error) {
		if master != nil {
			var sub vm.VM
			if m, ok := master.inst.VM().(vm.Master); ok {
				err := master.inst.Do(func() error { sub = m.GetSubVM(id.Type, id.Instance); return nil })
				if err != nil {
					return nil, err
				}
			}
			if sub != nil && !reflect.ValueOf(sub).IsNil() {
				return h.wrap(vmrt.Wrap(ctx, id.Full, sub))
			}
		}
		return h.wrap(h.reg.New(ctx, typeName, id))
	}
	setup := func(inst vmrt.Instance) error {
		ran, err := h.filter(x, inst, func() error { return setupVM(inst) })
		if err == nil && !ran {
			err = errHalted
		}
		return err
	}
	setupVM = func(inst vmrt.Instance) error {
		if len(init) > 0 {
			if err := inst.Apply(ctx, init); err != nil {
				return err
			}
		}
		if err := inst.Created(ctx); err != nil {
			return err
		}
		if master != nil {
			if m, ok := master.inst.VM().(vm.SubVMCreated); ok {
				return master.inst.Do(func() error { m.OnSubVMCreated(inst.VM().(vm.VM)); return nil })
			}
		}
		return nil
	}

	key := typeName + "$" + id.Instance
	if mc, ok := h.reg.Multicast(typeName); !ok || !mc || master != nil {
		// Not multicast by its registration (or a sub-VM, which its master
		// makes): a VM of this connection, unless the instance made says
		// otherwise (a master's GetSubVM may return a shared VM).
		inst, err := newInst()
		if err != nil {
			return nil, err
		}
		if !inst.Multicast() || !ok {
			return h.unicast(c, id, inst, setup)
		}
		inst.Dispose()
	}
	unlock := h.lockKey(key)
	defer unlock()
	for {
		h.mu.Lock()
		gs := append([]*group(nil), h.groups[key]...)
		h.mu.Unlock()
		if len(gs) == 0 {
			break
		}
		name := gs[0].inst.GroupName(ctx)
		var g *group
		for _, x := range gs {
			if x.name == name {
				g = x
			}
		}
		if g == nil {
			break
		}
		if ran, err := h.filter(x, g.inst, func() error { return nil }); err != nil || !ran {
			return nil, err
		}
		if h.join(g, c, id.Full) {
			return &entry{id: id, inst: g.inst, group: g}, nil
		}
		// g died meanwhile; look again.
	}
	inst, err := newInst()
	if err != nil {
		return nil, err
	}
	if err := setup(inst); err != nil {
		inst.Dispose()
		return nil, unhalted(err)
	}
	h.observeVM(inst.Type(), 1)
	g := &group{h: h, key: key, name: inst.GroupName(ctx), inst: inst, members: map[string]*member{}}
	h.restoreSnapshot(g.snapKey(), inst)
	inst.SetPusher(g)
	h.mu.Lock()
	h.groups[key] = append(h.groups[key], g)
	h.mu.Unlock()
	h.join(g, c, id.Full)
	return &entry{id: id, inst: inst, group: g}, nil
}

// unicast sets up a new VM that is not shared and makes its entry (state
// restored from its snapshot, if any); a filter halting the set-up gives
// (nil, nil).
func (h *Hub) unicast(c *Client, id vm.ID, inst vmrt.Instance, setup func(vmrt.Instance) error) (*entry, error) {
	if err := setup(inst); err != nil {
		inst.Dispose()
		return nil, unhalted(err)
	}
	h.observeVM(inst.Type(), 1)
	e := &entry{id: id, inst: inst}
	h.restoreSnapshot(c.snapKey(e), inst)
	return e, nil
}

// errHalted marks a VM set-up that a filter halted.
var errHalted = errors.New("halted by a filter")

// unhalted turns errHalted into nil: a halted call sends nothing.
func unhalted(err error) error {
	if errors.Is(err, errHalted) {
		return nil
	}
	return err
}

// update runs the update_vm flow and the action-reaction cycle (§5.5).
func (c *Client) update(vmID string, rawValue json.RawMessage) error {
	obj, err := innerObject(rawValue, "value")
	if err != nil {
		return err
	}
	if obj == nil {
		return badArg("update_vm for %q has no value", vmID)
	}
	if err := c.h.checkDepth(c, vmID, "value", obj); err != nil {
		return err
	}
	entries, err := orderedObject(obj)
	if err != nil {
		return badArg("value: %v", err)
	}
	for i, e := range entries {
		if e.Path == "$headers" { // an in-band header (token) refresh
			c.setHeaders(e.Value)
			entries = append(entries[:i:i], entries[i+1:]...)
			if len(entries) == 0 {
				return nil
			}
			obj = encodeObject(entries)
			break
		}
	}
	if !c.h.piped {
		e := c.getEntry(vmID)
		if e == nil {
			return notRequested(vmID)
		}
		return c.applyUpdate(nil, vmID, e, entries)
	}
	x := c.newContext(UpdateVM, vmID, obj)
	return c.h.middlewares(x, func() error {
		entries, err := orderedObject(bytes.TrimSpace(x.Data))
		if err != nil {
			return badArg("value: %v", err)
		}
		e := c.getEntry(vmID)
		if e == nil {
			return notRequested(vmID)
		}
		_, err = c.h.filter(x, e.inst, func() error { return c.applyUpdate(x, vmID, e, entries) })
		return err
	})
}

func notRequested(vmID string) error {
	return &vm.Exception{Type: "InvalidOperationException", Message: fmt.Sprintf("update_vm for %q received before request_vm", vmID)}
}

// applyUpdate applies entries to the VM and sends the reaction: after the
// command completes, and (with snapshots) after the state it reports is
// stored. The update and the taking of its changes are one step under the
// VM's lock, and the outbox is held meanwhile: pushes asked for during the
// command follow the reaction.
func (c *Client) applyUpdate(x *Context, vmID string, e *entry, entries []vmrt.PathValue) error {
	ctx, cancel := c.commandCtx(x, e.inst)
	defer cancel()
	sent := make(map[string]json.RawMessage, len(entries))
	for _, pv := range entries {
		sent[pv.Path] = pv.Value
	}
	echo := func(ch vmrt.Change) bool {
		v, ok := sent[ch.Key]
		return ok && jsonEqual(v, ch.Value)
	}
	if e.group != nil {
		return e.group.react(ctx, c, vmID, entries, echo)
	}
	var err error
	e.out.hold(func() {
		var changes []vmrt.Change
		if changes, err = c.h.applyTake(ctx, e.inst, entries, c.snapKey(e)); err != nil {
			return
		}
		if reaction := vmrt.EncodeChanges(changes, echo); reaction != nil {
			err = c.respond(vmID, e.inst, reaction)
		}
	}, func() { c.flushNow(e, false) })
	return err
}

// commandCtx is the context of VM code run for the call x: it carries the
// connection and the pipeline context, and is cancelled when the VM is
// disposed or the connection closes.
func (c *Client) commandCtx(x *Context, inst vmrt.Instance) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(c.vmCtx(x))
	stop := context.AfterFunc(inst.VM().(interface{ Context() context.Context }).Context(), cancel)
	return ctx, func() { stop(); cancel() }
}

// jsonEqual compares two JSON values by meaning.
func jsonEqual(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// dispose runs the dispose_vm flow (§5.9): the VM and its sub-VMs go.
func (c *Client) dispose(vmID string) error {
	if !c.h.piped {
		return c.disposeVM(vmID)
	}
	return c.h.middlewares(c.newContext(DisposeVM, vmID, nil), func() error { return c.disposeVM(vmID) })
}

// noteDisposed remembers that a dispose_vm for vmID was handled (a bounded
// memory: it starts over past 256 ids). c.mu is held.
func (c *Client) noteDisposed(vmID string) {
	if c.disposed == nil || len(c.disposed) >= 256 {
		c.disposed = map[string]bool{}
	}
	c.disposed[vmID] = true
}

// disposeVM disposes vmID and its sub-VMs. It runs in the VM's lane.
func (c *Client) disposeVM(vmID string) error {
	c.mu.Lock()
	if c.vms[vmID] == nil {
		repeated := c.disposed[vmID]
		c.noteDisposed(vmID)
		c.mu.Unlock()
		if repeated {
			c.h.log.Debug("dispose_vm repeated for a view model already gone: nothing sent", "conn", c.info.ID, "vm", vmID)
			return nil
		}
		return &vm.Exception{Type: "InvalidOperationException", Message: fmt.Sprintf("dispose_vm for %q: no such view model on this connection", vmID)}
	}
	c.noteDisposed(vmID)
	var ids []string
	for id := range c.vms {
		if id == vmID || strings.HasPrefix(id, vmID+".") {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return len(ids[i]) > len(ids[j]) })
	type gone struct{ e, master *entry }
	var list []gone
	for _, id := range ids {
		e := c.vms[id]
		delete(c.vms, id)
		var m *entry
		if e.id.Master != "" {
			m = c.vms[e.id.Master]
		}
		list = append(list, gone{e, m})
	}
	c.mu.Unlock()
	for _, g := range list {
		if g.master != nil {
			if d, ok := g.master.inst.VM().(vm.SubVMDisposing); ok {
				_ = g.master.inst.Do(func() error { d.OnSubVMDisposing(g.e.inst.VM().(vm.VM)); return nil })
			}
		}
		c.h.release(c, g.e)
	}
	return nil
}

// release disposes a connection's VM, or leaves its multicast group.
func (h *Hub) release(c *Client, e *entry) {
	if g := e.group; g != nil {
		last := h.leave(g, c.info.ID)
		g.inst.Leave(c.baseCtx()) // OnLeave: Members no longer lists c
		if last {
			h.disposeGroup(g)
		} else {
			g.flush(c, c.info.ID) // what OnLeave changed
		}
		return
	}
	if key := c.snapKey(e); key != "" {
		h.snaps.drop(key)
	}
	e.inst.Dispose()
	h.observeVM(e.inst.Type(), -1)
}

// group is one multicast instance and the connections sharing it.
type group struct {
	h    *Hub
	key  string
	name string
	inst vmrt.Instance

	// out serializes taking the VM's changes and sending them, so every
	// member gets its responses in the order of its state.
	out outbox

	mu      sync.Mutex
	members map[string]*member // by connection id
	dead    bool
}

// member is a connection sharing a multicast VM, and the vmId it uses.
type member struct {
	c    *Client
	vmID string
}

// join adds a member; false if the group was disposed meanwhile.
func (h *Hub) join(g *group, c *Client, vmID string) bool {
	connID := c.info.ID
	h.mu.Lock()
	defer h.mu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dead {
		return false
	}
	g.members[connID] = &member{c: c, vmID: vmID}
	return true
}

// leave removes a member and reports whether it was the last: the group
// is then dead and gone from the hub, for the caller to dispose.
func (h *Hub) leave(g *group, connID string) bool {
	h.mu.Lock()
	g.mu.Lock()
	delete(g.members, connID)
	last := len(g.members) == 0 && !g.dead
	if last {
		g.dead = true
		gs := h.groups[g.key]
		for i, x := range gs {
			if x == g {
				gs = append(gs[:i:i], gs[i+1:]...)
				break
			}
		}
		if len(gs) == 0 {
			delete(h.groups, g.key)
		} else {
			h.groups[g.key] = gs
		}
	}
	g.mu.Unlock()
	h.mu.Unlock()
	return last
}

// disposeGroup disposes the instance of a group its last member left.
func (h *Hub) disposeGroup(g *group) {
	if key := g.snapKey(); key != "" {
		h.snaps.drop(key)
	}
	g.inst.Dispose()
	h.observeVM(g.inst.Type(), -1)
}

// Push implements vmrt.Pusher for a multicast VM: PushUpdates broadcasts.
func (g *group) Push(vmrt.Instance) { g.flush(nil, "") }

// SendTo implements vmrt.Pusher: a multicast VM sends to an audience; each
// connection gets it under the vmId it uses for this VM type.
func (g *group) SendTo(inst vmrt.Instance, to vmrt.Audience, data []byte) {
	var groups []*group
	if len(to.Groups) > 0 {
		g.h.mu.Lock()
		groups = append(groups, g.h.groups[g.key]...)
		g.h.mu.Unlock()
	}
	ids := g.h.audience(to, groups)
	vmIDs := map[string]string{}
	for _, x := range groups {
		x.mu.Lock()
		for id, m := range x.members {
			vmIDs[id] = m.vmID
		}
		x.mu.Unlock()
	}
	g.mu.Lock()
	for id, m := range g.members {
		vmIDs[id] = m.vmID
	}
	g.mu.Unlock()
	for _, id := range ids {
		vmID := vmIDs[id]
		if vmID == "" {
			vmID = inst.ID()
		}
		g.h.sendTo(inst, []string{id}, vmID, data)
	}
}

// Members implements vmrt.Pusher: who shares the VM, sorted by connection id.
func (g *group) Members(vmrt.Instance) []vmrt.Member {
	g.mu.Lock()
	ms := make([]*member, 0, len(g.members))
	for _, m := range g.members {
		ms = append(ms, m)
	}
	g.mu.Unlock()
	out := make([]vmrt.Member, len(ms))
	for i, m := range ms {
		out[i] = memberOf(m.c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ConnID < out[j].ConnID })
	return out
}

// Send implements vmrt.Pusher: a multicast VM sends to chosen connections.
func (g *group) Send(_ vmrt.Instance, connIDs []string, data []byte) {
	g.mu.Lock()
	vmIDs := make([]string, len(connIDs))
	for i, id := range connIDs {
		if m := g.members[id]; m != nil {
			vmIDs[i] = m.vmID
		} else {
			vmIDs[i] = g.inst.ID()
		}
	}
	g.mu.Unlock()
	for i, id := range connIDs {
		g.h.sendTo(g.inst, []string{id}, vmIDs[i], data)
	}
}

// flush broadcasts the VM's pending changes to every member except the
// connection except. The response pipeline runs once, for the connection
// by that caused them (nil for a timer).
func (g *group) flush(by *Client, except string) {
	g.out.flush(func() { g.flushNow(by, except, false) })
}

// flushNow takes and broadcasts the VM's changes; g.out is held. With try
// it does nothing while VM code holds the VM, and reports false.
func (g *group) flushNow(by *Client, except string, try bool) bool {
	changes, ok, err := g.h.take(g.inst, g.snapKey(), try)
	switch {
	case !ok:
		return false
	case err != nil:
		g.h.log.Error("multicast view model changes could not be encoded", "vm", g.key, "err", err)
	default:
		if data := vmrt.EncodeChanges(changes, nil); data != nil {
			g.sendAll(by, except, data)
		}
	}
	return true
}

// tryFlush is flush if nobody holds the VM now; false if it did nothing.
func (g *group) tryFlush(by *Client) bool {
	return g.out.tryFlush(func() bool { return g.flushNow(by, "", true) }, func() { g.flushNow(nil, "", false) })
}

// react applies an update by c and sends its reaction to c (echo
// suppressed) and the same changes to the other members, in one step of
// the VM's order.
func (g *group) react(ctx context.Context, c *Client, vmID string, entries []vmrt.PathValue, echo func(vmrt.Change) bool) error {
	var err error
	g.out.hold(func() {
		var changes []vmrt.Change
		if changes, err = g.h.applyTake(ctx, g.inst, entries, g.snapKey()); err != nil {
			return
		}
		if all := vmrt.EncodeChanges(changes, nil); all != nil {
			g.sendAll(c, c.info.ID, all)
		}
		if reaction := vmrt.EncodeChanges(changes, echo); reaction != nil {
			err = c.respond(vmID, g.inst, reaction)
		}
	}, func() { g.flushNow(nil, "", false) })
	return err
}

// sendAll sends data to every member except the connection except. g.out
// is held.
func (g *group) sendAll(by *Client, except string, data []byte) {
	if g.h.piped {
		var err error
		if data, err = g.respond(by, data); err != nil || data == nil {
			return
		}
	}
	g.mu.Lock()
	targets := make([]*member, 0, len(g.members))
	for id, m := range g.members {
		if id != except {
			targets = append(targets, m)
		}
	}
	g.mu.Unlock()
	// The members' own connections are kept, so no lookup (and no hub-wide
	// lock) is needed per member. Members share one Response per vmId (all
	// normally use the same one), so a transport encodes its frame once.
	var first *Response
	var others map[string]*Response
	for _, t := range targets {
		if t.c.gone.Load() {
			continue
		}
		if first == nil {
			first = &Response{VMID: t.vmID, Data: data}
		}
		r := first
		if t.vmID != first.VMID {
			if r = others[t.vmID]; r == nil {
				if others == nil {
					others = map[string]*Response{}
				}
				r = &Response{VMID: t.vmID, Data: data}
				others[t.vmID] = r
			}
		}
		t.c.deliver(r)
	}
}

// wrap sets the hub's logger on a VM just made.
func (h *Hub) wrap(inst vmrt.Instance, err error) (vmrt.Instance, error) {
	if err == nil {
		inst.SetLogger(h.dlog)
	}
	return inst, err
}

// lockKey serializes the creation of multicast instances with one key.
func (h *Hub) lockKey(key string) (unlock func()) {
	h.mu.Lock()
	km := h.create[key]
	if km == nil {
		km = &keyMutex{}
		h.create[key] = km
	}
	km.refs++
	h.mu.Unlock()
	km.mu.Lock()
	return func() {
		km.mu.Unlock()
		h.mu.Lock()
		km.refs--
		if km.refs == 0 {
			delete(h.create, key)
		}
		h.mu.Unlock()
	}
}

type keyMutex struct {
	mu   sync.Mutex
	refs int
}

// respond runs the response pipeline of a broadcast once, in the context
// of the connection by (nil: none), and returns the data to send (nil: the
// pipeline halted or failed).
func (g *group) respond(by *Client, data []byte) ([]byte, error) {
	vmID := g.inst.ID()
	var x *Context
	if by != nil {
		g.mu.Lock()
		if m, ok := g.members[by.info.ID]; ok {
			vmID = m.vmID
		}
		g.mu.Unlock()
		x = by.newContext(ResponseVM, vmID, data)
	} else {
		x = &Context{CallType: ResponseVM, VMID: vmID, Data: data, PipelineData: map[string]any{}}
	}
	x.PipelineData["$groupName"] = g.name
	var out []byte
	err := g.h.middlewares(x, func() error {
		_, err := g.h.filter(x, g.inst, func() error { out = x.Data; return nil })
		return err
	})
	if err != nil {
		g.h.log.Warn("multicast push refused by the pipeline", "vm", vmID, "err", err)
		if by != nil {
			by.sendError(vmID, err)
		}
		return nil, err
	}
	return out, nil
}
