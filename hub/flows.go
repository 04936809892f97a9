package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/gonetify/gonetify/vm"
)

// request runs dotNetify's request_vm flow (protocol §5.2). c.mu is held.
func (c *Conn) request(vmID string, rawArgs json.RawMessage) error {
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
	var rest []vm.PathValue
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
		var init []vm.PathValue
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
func vmArgEntries(raw json.RawMessage) ([]vm.PathValue, error) {
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
// pipeline context, nil without a pipeline. c.mu is held.
func (c *Conn) requestVM(x *Context, vmID string, init []vm.PathValue) error {
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

	if e := c.vms[vmID]; e != nil {
		_, err := c.h.filter(x, e.inst, func() error { return c.sendFull(vmID, e.inst) })
		return err
	}
	if max := c.h.limits.vms; max > 0 && len(c.vms) >= max {
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
	// A new VM's pending changes are covered by its full state; a shared
	// multicast VM's still go to the other members.
	state, err := e.inst.InitialState()
	if e.group != nil {
		state, err = e.inst.FullState()
	}
	if err == nil {
		err = c.respond(vmID, e.inst, state)
	}
	if err != nil {
		c.h.release(c, e)
		return err
	}
	c.vms[vmID] = e
	delete(c.disposed, vmID)
	if e.group == nil {
		e.inst.SetPusher(c)
	}
	return nil
}

func (c *Conn) sendFull(vmID string, inst *vm.Instance) error {
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
func (c *Conn) create(x *Context, id vm.ID, typeName string, init []vm.PathValue) (*entry, error) {
	h := c.h
	ctx := c.vmCtx(x)
	var master *entry
	if id.Master != "" {
		master = c.vms[id.Master]
		if master == nil {
			mid := vm.ParseID(id.Master)
			var err error
			if master, err = c.create(x, mid, mid.Type, nil); err != nil || master == nil {
				return nil, err
			}
			c.vms[id.Master] = master
			if master.group == nil {
				master.inst.SetPusher(c)
			}
		}
	}
	var setupVM func(inst *vm.Instance) error
	newInst := func() (*vm.Instance, error) {
		if master != nil {
			var sub vm.VM
			if m, ok := master.inst.VM().(vm.Master); ok {
				err := master.inst.Do(func() error { sub = m.GetSubVM(id.Type, id.Instance); return nil })
				if err != nil {
					return nil, err
				}
			}
			if sub != nil && !reflect.ValueOf(sub).IsNil() {
				return vm.Wrap(ctx, id, sub)
			}
		}
		return h.reg.New(ctx, typeName, id)
	}
	setup := func(inst *vm.Instance) error {
		ran, err := h.filter(x, inst, func() error { return setupVM(inst) })
		if err == nil && !ran {
			err = errHalted
		}
		return err
	}
	setupVM = func(inst *vm.Instance) error {
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
				return master.inst.Do(func() error { m.OnSubVMCreated(inst.VM()); return nil })
			}
		}
		return nil
	}

	key := typeName + "$" + id.Instance
	if h.knownUnicast(typeName) {
		return h.newUnicast(c, id, newInst, setup)
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
	h.learnType(typeName, inst.Multicast())
	if !inst.Multicast() {
		return h.unicast(c, id, inst, setup)
	}
	if err := setup(inst); err != nil {
		inst.Dispose()
		return nil, unhalted(err)
	}
	h.observeVM(inst.ID().Type, 1)
	g := &group{h: h, key: key, name: inst.GroupName(ctx), inst: inst, members: map[string]member{}}
	h.restoreSnapshot(g.snapKey(), inst)
	inst.SetPusher(g)
	h.mu.Lock()
	h.groups[key] = append(h.groups[key], g)
	h.mu.Unlock()
	h.join(g, c, id.Full)
	return &entry{id: id, inst: inst, group: g}, nil
}

func (h *Hub) newUnicast(c *Conn, id vm.ID, newInst func() (*vm.Instance, error), setup func(*vm.Instance) error) (*entry, error) {
	inst, err := newInst()
	if err != nil {
		return nil, err
	}
	if inst.Multicast() { // the factory changed its mind; treat it as multicast from now on
		h.learnType(id.Type, true)
	}
	return h.unicast(c, id, inst, setup)
}

// unicast sets up a new VM that is not shared and makes its entry (state
// restored from its snapshot, if any); a filter halting the set-up gives
// (nil, nil).
func (h *Hub) unicast(c *Conn, id vm.ID, inst *vm.Instance, setup func(*vm.Instance) error) (*entry, error) {
	if err := setup(inst); err != nil {
		inst.Dispose()
		return nil, unhalted(err)
	}
	h.observeVM(inst.ID().Type, 1)
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
func (c *Conn) update(vmID string, rawValue json.RawMessage) error {
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
		e := c.vms[vmID]
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
		e := c.vms[vmID]
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

// applyUpdate applies entries to the VM and sends the reaction.
func (c *Conn) applyUpdate(x *Context, vmID string, e *entry, entries []vm.PathValue) error {
	if err := e.inst.Apply(c.vmCtx(x), entries); err != nil {
		return err
	}
	changes, err := e.inst.TakeChanges()
	if err != nil {
		return err
	}
	if len(changes) > 0 {
		c.stateChanged(e)
	}
	sent := make(map[string]json.RawMessage, len(entries))
	for _, pv := range entries {
		sent[pv.Path] = pv.Value
	}
	reaction := vm.EncodeChanges(changes, func(ch vm.Change) bool {
		v, ok := sent[ch.Key]
		return ok && jsonEqual(v, ch.Value)
	})
	if e.group != nil {
		if all := vm.EncodeChanges(changes, nil); all != nil {
			e.group.broadcast(c, c.info.ID, all)
		}
	}
	if reaction != nil {
		return c.respond(vmID, e.inst, reaction)
	}
	return nil
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
func (c *Conn) dispose(vmID string) error {
	if !c.h.piped {
		return c.disposeVM(vmID)
	}
	return c.h.middlewares(c.newContext(DisposeVM, vmID, nil), func() error { return c.disposeVM(vmID) })
}

// noteDisposed remembers that a dispose_vm for vmID was handled (a bounded
// memory: it starts over past 256 ids). c.mu is held.
func (c *Conn) noteDisposed(vmID string) {
	if c.disposed == nil || len(c.disposed) >= 256 {
		c.disposed = map[string]bool{}
	}
	c.disposed[vmID] = true
}

// disposeVM disposes vmID and its sub-VMs. c.mu is held.
func (c *Conn) disposeVM(vmID string) error {
	if c.vms[vmID] == nil {
		if c.disposed[vmID] {
			c.h.log.Debug("dispose_vm repeated for a view model already gone: nothing sent", "conn", c.info.ID, "vm", vmID)
			return nil
		}
		c.noteDisposed(vmID)
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
	for _, id := range ids {
		e := c.vms[id]
		delete(c.vms, id)
		if m := c.vms[e.id.Master]; m != nil && e.id.Master != "" {
			if d, ok := m.inst.VM().(vm.SubVMDisposing); ok {
				_ = m.inst.Do(func() error { d.OnSubVMDisposing(e.inst.VM()); return nil })
			}
		}
		c.h.release(c, e)
	}
	return nil
}

// release disposes a connection's VM, or leaves its multicast group.
func (h *Hub) release(c *Conn, e *entry) {
	if e.group != nil {
		e.group.inst.Leave(c.ctx())
		if !h.leave(e.group, c.info.ID) {
			e.group.broadcast(c, c.info.ID, nil) // what OnLeave changed
		}
		return
	}
	if key := c.snapKey(e); key != "" {
		h.snaps.drop(key)
	}
	e.inst.Dispose()
	h.observeVM(e.inst.ID().Type, -1)
}

// group is one multicast instance and the connections sharing it.
type group struct {
	h    *Hub
	key  string
	name string
	inst *vm.Instance

	mu      sync.Mutex
	members map[string]member // by connection id
	dead    bool
}

// member is a connection sharing a multicast VM, and the vmId it uses.
type member struct {
	c    *Conn
	vmID string
}

// join adds a member; false if the group was disposed meanwhile.
func (h *Hub) join(g *group, c *Conn, vmID string) bool {
	connID := c.info.ID
	h.mu.Lock()
	defer h.mu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dead {
		return false
	}
	g.members[connID] = member{c: c, vmID: vmID}
	if h.onGroup != nil {
		h.onGroup(g.key+"/"+g.name, connID, true)
	}
	return true
}

// leave removes a member and disposes the instance when it was the last
// (and then reports true).
func (h *Hub) leave(g *group, connID string) bool {
	h.mu.Lock()
	g.mu.Lock()
	if _, ok := g.members[connID]; ok && h.onGroup != nil {
		h.onGroup(g.key+"/"+g.name, connID, false)
	}
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
	if last {
		if key := g.snapKey(); key != "" {
			h.snaps.drop(key)
		}
		g.inst.Dispose()
		h.observeVM(g.inst.ID().Type, -1)
	}
	return last
}

// Push implements vm.Pusher for a multicast VM: PushUpdates broadcasts.
func (g *group) Push(*vm.Instance) { g.broadcast(nil, "", nil) }

// Send implements vm.Pusher: a multicast VM sends to chosen connections.
func (g *group) Send(_ *vm.Instance, connIDs []string, data []byte) {
	g.mu.Lock()
	vmIDs := make([]string, len(connIDs))
	for i, id := range connIDs {
		vmIDs[i] = g.members[id].vmID
		if vmIDs[i] == "" {
			vmIDs[i] = g.inst.ID().Full
		}
	}
	g.mu.Unlock()
	for i, id := range connIDs {
		g.h.sendTo(g.inst, []string{id}, vmIDs[i], data)
	}
}

// broadcast sends data (or, when nil, the VM's pending changes) to every
// member except the connection except. Each distinct frame is encoded once.
// The response pipeline runs once, for the connection by that triggered
// the broadcast (nil for a timer).
func (g *group) broadcast(by *Conn, except string, data []byte) {
	if data == nil {
		changes, err := g.inst.TakeChanges()
		if err != nil {
			g.h.log.Error("multicast view model changes could not be encoded", "vm", g.key, "err", err)
			return
		}
		if data = vm.EncodeChanges(changes, nil); data == nil {
			return
		}
		if key := g.snapKey(); key != "" {
			g.h.snaps.mark(key, g.inst)
		}
	}
	if g.h.piped {
		var err error
		if data, err = g.respond(by, data); err != nil || data == nil {
			return
		}
	}
	g.mu.Lock()
	targets := make([]member, 0, len(g.members))
	for id, m := range g.members {
		if id != except {
			targets = append(targets, m)
		}
	}
	g.mu.Unlock()
	// The members' own connections are kept, so no lookup (and no hub-wide
	// lock) is needed per member; the frame is encoded once per vmId (all
	// members normally use the same one).
	var firstID string
	var first []byte
	var others map[string][]byte
	for _, t := range targets {
		if t.c.gone.Load() {
			continue
		}
		if first == nil {
			firstID, first = t.vmID, Frame(t.vmID, data)
		}
		f := first
		if t.vmID != firstID {
			if f = others[t.vmID]; f == nil {
				if others == nil {
					others = map[string][]byte{}
				}
				f = Frame(t.vmID, data)
				others[t.vmID] = f
			}
		}
		t.c.sendFrame(f)
	}
}

// knownUnicast reports whether typeName is known to make non-multicast VMs.
func (h *Hub) knownUnicast(typeName string) bool {
	v, ok := h.kinds.Load(typeName)
	return ok && !v.(bool)
}

func (h *Hub) learnType(typeName string, multicast bool) { h.kinds.Store(typeName, multicast) }

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
func (g *group) respond(by *Conn, data []byte) ([]byte, error) {
	vmID := g.inst.ID().Full
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
