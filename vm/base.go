package vm

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gonetify/gonetify/internal/vmrt"
)

// VM is implemented by every view model: a struct that embeds [Base] (or
// [Multicast]). Its exported fields are its state, its exported methods are
// its commands; see the package documentation for the rules.
type VM interface {
	vmBase() *Base
}

// Audience selects who a multicast VM's [Multicast.SendTo] reaches
// (dotNetify's SendEventArgs). The connections of ConnIDs, UserIDs and
// Groups add up; Except removes some.
type Audience struct {
	// ConnIDs are connections by id.
	ConnIDs []string
	// UserIDs are users: every connection whose identity (the auth
	// middleware's principal) has one of these names.
	UserIDs []string
	// Groups are group names (see [GroupNamer]) of the same VM type:
	// every member of those instances.
	Groups []string
	// Except are connections left out.
	Except []string
}

// Member is a connection sharing a multicast VM: its presence.
type Member struct {
	// ConnID is the connection id.
	ConnID string
	// User is the name of its identity ("" for an anonymous one).
	User string
	// Principal is its identity as the auth middleware set it (for the
	// auth package an *auth.Principal, with the token's claims), or nil.
	Principal any
}

// Base gives a view model its change tracking and push methods. Embed it by
// value in the VM struct:
//
//	type HelloWorldVM struct {
//		vm.Base
//		Greetings string
//	}
//
// The runtime holds the VM's lock while it calls commands, setters, hooks and
// while it serializes state, so code running there just assigns fields and
// calls [Base.Changed]. Code running in other goroutines (timers, background
// work) changes state inside [Base.Update], or uses [Base.Every].
type Base struct {
	mu     sync.Mutex // the VM's state lock
	locked bool       // mu is held by Update or by the runtime

	cmu     sync.Mutex // guards the fields below
	changed []string
	crud    []crudOp
	pushReq bool
	pusher  vmrt.Pusher
	inst    *instance
	conn    *Conn
	log     *slog.Logger

	ctxOnce sync.Once
	ctx     context.Context
	cancel  context.CancelFunc
}

type crudOp struct {
	key   string // e.g. "Employees_add"
	items []any
}

func (b *Base) vmBase() *Base { return b }

func (b *Base) initCtx() {
	b.ctxOnce.Do(func() { b.ctx, b.cancel = context.WithCancel(context.Background()) })
}

// Context returns a context that is cancelled when the VM is disposed. Use it
// to stop background work the VM started.
func (b *Base) Context() context.Context {
	b.initCtx()
	return b.ctx
}

// Changed records that the named top-level property changed. Its current
// value is sent with the next reaction or [Base.PushUpdates]. Safe to call
// from any goroutine.
func (b *Base) Changed(names ...string) {
	b.cmu.Lock()
	for _, n := range names {
		if !contains(b.changed, n) {
			b.changed = append(b.changed, n)
		}
	}
	b.cmu.Unlock()
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// AddList tells the client to append item to the list property prop
// (sent as "<prop>_add"). It does not change the Go slice: append to it too.
func (b *Base) AddList(prop string, item any) { b.addCrud(prop+"_add", item) }

// UpdateList tells the client to merge item into the item of the list
// property prop that has the same key (sent as "<prop>_update"). The list
// needs an item key (struct tag `vm:"itemKey=Id"`).
func (b *Base) UpdateList(prop string, item any) { b.addCrud(prop+"_update", item) }

// RemoveList tells the client to remove the item whose key is key from the
// list property prop (sent as "<prop>_remove").
func (b *Base) RemoveList(prop string, key any) { b.addCrud(prop+"_remove", key) }

func (b *Base) addCrud(key string, item any) {
	b.cmu.Lock()
	defer b.cmu.Unlock()
	for i := range b.crud {
		if b.crud[i].key == key {
			// dotNetify keeps only the last item of a cycle; we keep them all.
			b.crud[i].items = append(b.crud[i].items, item)
			return
		}
	}
	b.crud = append(b.crud, crudOp{key: key, items: []any{item}})
}

// PushUpdates sends the pending changes now, without waiting for a client
// request: to the VM's connection (together with the pending changes of the
// other VMs on it), or to every member of a multicast VM. Safe to call from
// any goroutine. Inside a command or [Base.Update] it is deferred until the
// VM's lock is released.
func (b *Base) PushUpdates() {
	b.cmu.Lock()
	if b.locked || b.pusher == nil {
		b.pushReq = true
		b.cmu.Unlock()
		return
	}
	p, inst := b.pusher, b.inst
	b.cmu.Unlock()
	p.Push(inst)
}

// Do runs fn with v's state lock held, as the runtime runs commands and
// hooks, and turns a panic into a *PanicError. It is for code outside the
// VM that must change its state in step with the runtime, such as a
// hub.Filter; changes fn marks go out with the next response or push.
// Don't call it from the VM's own commands or hooks (they hold the lock
// already), nor for a VM not yet handed to the runtime.
func Do(v VM, fn func() error) error {
	b := v.vmBase()
	b.cmu.Lock()
	inst := b.inst
	b.cmu.Unlock()
	if inst == nil {
		return fmt.Errorf("vm: Do on a %T the runtime does not hold", v)
	}
	return inst.Do(fn)
}

// Update runs fn with the VM's state lock held, then pushes whatever fn
// marked as changed. Use it to change state from goroutines of your own.
// Don't call it from a command or hook: those already hold the lock.
func (b *Base) Update(fn func()) {
	b.lock()
	func() {
		defer b.unlockNoPush()
		fn()
	}()
	b.PushUpdates()
}

// Every calls fn every interval inside [Base.Update] (so its changes are
// pushed) until the VM is disposed. An interval of zero or less does
// nothing.
func (b *Base) Every(interval time.Duration, fn func()) {
	if interval <= 0 {
		return
	}
	ctx := b.Context()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				b.tick(fn)
			}
		}
	}()
}

// tick runs one timer call; a panic in it is logged and the timer goes on.
func (b *Base) tick(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			b.cmu.Lock()
			log, inst := b.log, b.inst
			b.cmu.Unlock()
			if log == nil {
				log = slog.Default()
			}
			id := ""
			if inst != nil {
				id = inst.id.Full
			}
			log.Error("panic in a view model timer (vm.Base.Every): the timer goes on", "vm", id, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	b.Update(fn)
}

// deferredPush delivers a push requested while the runtime held the VM's
// lock. It runs in a goroutine of its own: the caller may hold locks the
// pusher needs.
func (b *Base) deferredPush() {
	b.cmu.Lock()
	p, inst := b.pusher, b.inst
	if p == nil {
		b.pushReq = true // SetPusher delivers it
	}
	b.cmu.Unlock()
	if p != nil {
		go p.Push(inst)
	}
}

// tryLock is lock without waiting: false when the state lock is held.
func (b *Base) tryLock() bool {
	if !b.mu.TryLock() {
		return false
	}
	b.cmu.Lock()
	b.locked = true
	b.cmu.Unlock()
	return true
}

func (b *Base) lock() {
	b.mu.Lock()
	b.cmu.Lock()
	b.locked = true
	b.cmu.Unlock()
}

// unlockNoPush releases the state lock and reports whether a push was
// requested while it was held (the request is consumed).
func (b *Base) unlockNoPush() bool {
	b.cmu.Lock()
	b.locked = false
	req := b.pushReq
	b.pushReq = false
	b.cmu.Unlock()
	b.mu.Unlock()
	return req
}

// takeChanges returns and clears the changed names and CRUD operations.
func (b *Base) takeChanges() ([]string, []crudOp) {
	b.cmu.Lock()
	defer b.cmu.Unlock()
	c, o := b.changed, b.crud
	b.changed, b.crud = nil, nil
	return c, o
}

func (b *Base) hasChanges() bool {
	b.cmu.Lock()
	defer b.cmu.Unlock()
	return len(b.changed) > 0 || len(b.crud) > 0
}

// Multicast is embedded instead of [Base] by a view model that one instance
// serves to many connections (dotNetify's MulticastVM): a chat room, a shared
// dashboard. Connections requesting the same VM id (and the same group name,
// see [GroupNamer]) share the instance; it is disposed when the last leaves.
type Multicast struct {
	Base
}

func (m *Multicast) isMulticast() {}

// SendTo sends {prop: value} from this VM to an audience: connections,
// users and groups, less some connections (dotNetify's Send with
// SendEventArgs).
func (m *Multicast) SendTo(to Audience, prop string, value any) error {
	return m.send(prop, value, func(p vmrt.Pusher, inst *instance, data []byte) { p.SendTo(inst, vmrt.Audience(to), data) })
}

// send encodes {prop: value} and hands it to deliver, if the VM has a
// pusher yet.
func (m *Multicast) send(prop string, value any, deliver func(p vmrt.Pusher, inst *instance, data []byte)) error {
	data, err := marshalObject([]kv{{prop, value}})
	if err != nil {
		return err
	}
	m.cmu.Lock()
	p, inst := m.pusher, m.inst
	m.cmu.Unlock()
	if p != nil {
		deliver(p, inst, data)
	}
	return nil
}

// Members lists the connections sharing this VM (on every server of a
// cluster: the one holding it serves them all), with their identities:
// who is in the room. Call it from the VM's own code (a command, a hook,
// Update).
func (m *Multicast) Members() []Member {
	m.cmu.Lock()
	p, inst := m.pusher, m.inst
	m.cmu.Unlock()
	if p == nil {
		return nil
	}
	ms := p.Members(inst)
	out := make([]Member, len(ms))
	for i, mb := range ms {
		out[i] = Member(mb)
	}
	return out
}

// Send sends {prop: value} from this VM to the given connections only.
func (m *Multicast) Send(connIDs []string, prop string, value any) error {
	return m.send(prop, value, func(p vmrt.Pusher, inst *instance, data []byte) { p.Send(inst, connIDs, data) })
}

type kv struct {
	k string
	v any
}

func marshalObject(kvs []kv) ([]byte, error) {
	buf := make([]byte, 0, 64)
	buf = append(buf, '{')
	for i, p := range kvs {
		if i > 0 {
			buf = append(buf, ',')
		}
		k, _ := json.Marshal(p.k)
		buf = append(buf, k...)
		buf = append(buf, ':')
		v, err := marshalValue(p.v)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", p.k, err)
		}
		buf = append(buf, v...)
	}
	return append(buf, '}'), nil
}

type multicaster interface{ isMulticast() }

// GroupNamer is implemented by a multicast VM whose instances are split by
// group: requests whose GroupName is equal share an instance. ctx carries
// the requesting connection ([ConnFromContext]).
type GroupNamer interface {
	GroupName(ctx context.Context) string
}

// Creator is implemented by a VM that needs work done once it is created and
// its $vmArg values are applied, before its state is first sent. It may do
// I/O; ctx carries the requesting connection. A multicast VM runs it once.
type Creator interface {
	OnCreated(ctx context.Context) error
}

// Disposer is implemented by a VM that must release resources when disposed.
type Disposer interface {
	Dispose()
}

// Leaver is implemented by a multicast VM that must know when a connection
// leaves it (disposes it or disconnects); ctx carries that connection,
// which [Multicast.Members] no longer lists. It runs before the VM is
// disposed, if that connection was the last, and what it marks changed
// goes to the members that remain.
//
// Porting from dotNetify: a MulticastVM's Dispose runs there once per
// member that leaves; here [Disposer.Dispose] runs once, when the last
// member has left, so per-member clean-up (removing the user from a chat
// room) belongs in OnLeave.
type Leaver interface {
	OnLeave(ctx context.Context)
}

// Joiner is implemented by a multicast VM that must know when a connection
// joins it (including the first, after OnCreated); ctx carries that
// connection. What it marks changed goes to the other members; the joining
// connection's initial state already has it.
type Joiner interface {
	OnJoin(ctx context.Context)
}

// Master is implemented by a VM whose id prefixes others ("Master.Child").
type Master interface {
	// GetSubVM returns the child VM for typeName, or nil to let the
	// registry create it.
	GetSubVM(typeName, instanceID string) VM
}

// SubVMCreated is implemented by a master that wires its children.
type SubVMCreated interface {
	OnSubVMCreated(sub VM)
}

// SubVMDisposing is implemented by a master told when a child is disposed
// by the client.
type SubVMDisposing interface {
	OnSubVMDisposing(sub VM)
}
