package vm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"
	"strings"

	"github.com/gonetify/gonetify/internal/vmrt"
)

// instance is a live VM as the runtime holds it: the user's value, its type
// information and its id. The hub drives it; VM authors don't need it.
type instance struct {
	id   ID
	v    VM
	b    *Base
	rv   reflect.Value // pointer to the VM struct
	ti   *typeInfo
	conn *Conn // connection that created it
	log  *slog.Logger
	// sent holds, for each computed property (by its index in
	// ti.getters), the JSON its client(s) last got: a computed property
	// whose value moved goes out with the next changes without a Changed
	// call. Guarded by the VM's lock.
	sent [][]byte
}

func newInstance(id ID, v VM, conn *Conn) (*instance, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct || rv.IsNil() {
		return nil, fmt.Errorf("vm: factory for %q returned %T; want a pointer to a struct embedding vm.Base", id.Type, v)
	}
	ti, err := typeInfoOf(rv.Type())
	if err != nil {
		return nil, err
	}
	inst := &instance{id: id, v: v, b: v.vmBase(), rv: rv, ti: ti, conn: conn, log: slog.Default()}
	inst.b.initCtx()
	inst.b.cmu.Lock()
	inst.b.inst = inst
	inst.b.conn = conn
	inst.b.cmu.Unlock()
	return inst, nil
}

// ID returns the id the VM was created with.
func (i *instance) ID() string { return i.id.Full }

// Type returns the VM's registered type name.
func (i *instance) Type() string { return i.id.Type }

// VM returns the user's view model.
func (i *instance) VM() any { return i.v }

// Multicast reports whether the VM is shared between connections.
func (i *instance) Multicast() bool { return i.ti.multicast }

// SetLogger sets where the VM's runtime logs go: panics in its timers
// ([Base.Every]) and, at debug level, dispatched paths that match nothing.
func (i *instance) SetLogger(l *slog.Logger) {
	if l == nil {
		return
	}
	i.log = l
	i.b.cmu.Lock()
	i.b.log = l
	i.b.cmu.Unlock()
}

// SetPusher sets who delivers the VM's pushes. A push requested before a
// pusher was set is delivered now.
func (i *instance) SetPusher(p vmrt.Pusher) {
	i.b.cmu.Lock()
	i.b.pusher = p
	req := p != nil && i.b.pushReq && !i.b.locked
	if req {
		i.b.pushReq = false
	}
	i.b.cmu.Unlock()
	if req {
		p.Push(i)
	}
}

// HasChanges reports whether changes are waiting to be sent.
func (i *instance) HasChanges() bool { return i.b.hasChanges() }

// PanicError is a panic in view-model code (a command, setter, hook or
// computed property), recovered by the runtime. The hub logs it with its
// stack and sends the client a generic message carrying an id that the log
// line also has; the panic's text stays on the server.
type PanicError struct {
	// VM is the id of the view model.
	VM string
	// Value is what was passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("panic in view model %s: %v", e.VM, e.Value) }

// run calls fn with the VM locked, turning a panic into a *PanicError. A
// push requested meanwhile by another goroutine ([Base.PushUpdates] while
// the lock was held) is delivered once the lock is released.
func (i *instance) run(fn func() error) (err error) {
	i.b.lock()
	return i.locked(fn)
}

// tryRun is run when the VM's lock is free now; ran is false when it is
// not (fn did not run).
func (i *instance) tryRun(fn func() error) (ran bool, err error) {
	if !i.b.tryLock() {
		return false, nil
	}
	return true, i.locked(fn)
}

// locked calls fn, the lock being held, and releases it.
func (i *instance) locked(fn func() error) (err error) {
	defer func() {
		if i.b.unlockNoPush() {
			i.b.deferredPush()
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{VM: i.id.Full, Value: r, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// Created runs the VM's OnCreated hook, if it has one.
func (i *instance) Created(ctx context.Context) error {
	c, ok := i.v.(Creator)
	if !ok {
		return nil
	}
	return i.run(func() error { return c.OnCreated(ctx) })
}

// Dispose cancels the VM's context and runs its Dispose hook.
func (i *instance) Dispose() {
	i.b.initCtx()
	i.b.cancel()
	if d, ok := i.v.(Disposer); ok {
		_ = i.run(func() error { d.Dispose(); return nil })
	}
	i.SetPusher(nil)
}

// FullState returns the VM's whole state as a JSON object.
func (i *instance) FullState() ([]byte, error) { return i.fullState(false) }

// InitialState returns the VM's whole state and, in the same locked step,
// drops its pending changes (the state covers them): what a new VM sends.
func (i *instance) InitialState() ([]byte, error) { return i.fullState(true) }

// Join runs the VM's OnJoin hook, if it has one, for the connection in ctx.
func (i *instance) Join(ctx context.Context) error {
	if j, ok := i.v.(Joiner); ok {
		return i.run(func() error { j.OnJoin(ctx); return nil })
	}
	return nil
}

// Leave runs the VM's OnLeave hook, if it has one, for the connection in ctx.
func (i *instance) Leave(ctx context.Context) {
	if l, ok := i.v.(Leaver); ok {
		_ = i.run(func() error { l.OnLeave(ctx); return nil })
	}
}

func (i *instance) fullState(clear bool) ([]byte, error) {
	var out []byte
	err := i.run(func() error {
		if clear {
			i.b.takeChanges()
		}
		var err error
		out, err = i.stateLocked()
		return err
	})
	return out, err
}

// encode returns the JSON of a member's current value; the VM's lock is
// held.
func (i *instance) encode(m *member) ([]byte, error) {
	v, err := i.value(m)
	if err != nil {
		return nil, err
	}
	raw, err := marshalValue(v)
	if err != nil {
		return nil, fmt.Errorf("vm: encoding %s.%s: %w", i.id.Type, m.name, err)
	}
	return raw, nil
}

// noteSent records the JSON of a computed property m a client got; the
// VM's lock is held.
func (i *instance) noteSent(m *member, raw []byte) {
	if i.sent == nil {
		i.sent = make([][]byte, len(i.ti.getters))
	}
	i.sent[m.getter] = raw
}

// lastSent is the JSON of computed property m a client got last, or nil.
func (i *instance) lastSent(m *member) []byte {
	if i.sent == nil {
		return nil
	}
	return i.sent[m.getter]
}

// stateLocked serializes the whole state; the VM's lock is held.
func (i *instance) stateLocked() ([]byte, error) {
	kvs := make([]kv, 0, len(i.ti.members)+1)
	for _, m := range i.ti.members {
		var v any
		var err error
		if m.kind == kindGetter {
			var raw []byte
			if raw, err = i.encode(m); err == nil {
				i.noteSent(m, raw)
				v = json.RawMessage(raw)
			}
		} else {
			v, err = i.value(m)
		}
		if err != nil {
			return nil, err
		}
		kvs = append(kvs, kv{m.name, v})
		if m.itemKey != "" {
			kvs = append(kvs, kv{m.name + "_itemKey", m.itemKey})
		}
	}
	out, err := marshalObject(kvs)
	if err != nil {
		return nil, fmt.Errorf("vm: encoding the state of %s: %w", i.id.Full, err)
	}
	return out, nil
}

// value returns the value of a member for serialization. A nil slice or
// map goes out as [] or {}, so the client can add items to it.
func (i *instance) value(m *member) (any, error) {
	var v reflect.Value
	switch m.kind {
	case kindField:
		v = i.rv.Elem().FieldByIndex(m.index)
	case kindGetter:
		v = i.rv.Method(m.method).Call(nil)[0]
	default:
		return nil, nil // commands are sent as null
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.IsNil() && !v.Type().Implements(marshalerType) {
			return json.RawMessage("[]"), nil
		}
	case reflect.Map:
		if v.IsNil() && !v.Type().Implements(marshalerType) {
			return json.RawMessage("{}"), nil
		}
	}
	return v.Interface(), nil
}

// TakeChanges returns the pending changes and clears them.
func (i *instance) TakeChanges() ([]vmrt.Change, error) {
	out, _, err := i.takeChanges(false)
	return out, err
}

// TakeChangesAndState is TakeChanges that also returns the VM's
// whole state, read in the same locked step (nil when there are no
// changes): the snapshot that matches what the changes tell the client.
func (i *instance) TakeChangesAndState() ([]vmrt.Change, []byte, error) {
	return i.takeChanges(true)
}

// TryTakeChangesAndState is TakeChangesAndState (or, without
// withState, TakeChanges) if the VM's lock is free now; ok is
// false, and nothing is taken, while VM code runs.
func (i *instance) TryTakeChangesAndState(withState bool) (changes []vmrt.Change, state []byte, ok bool, err error) {
	ok = true
	changes, state, err = i.takeChangesWith(withState, func(fn func() error) error {
		var ran bool
		ran, err := i.tryRun(fn)
		ok = ran
		return err
	})
	return changes, state, ok, err
}

func (i *instance) takeChanges(withState bool) ([]vmrt.Change, []byte, error) {
	return i.takeChangesWith(withState, i.run)
}

func (i *instance) takeChangesWith(withState bool, run func(func() error) error) (out []vmrt.Change, state []byte, err error) {
	err = run(func() error {
		var err error
		out, state, err = i.takeLocked(withState)
		return err
	})
	return out, state, err
}

// takeLocked takes the pending changes (and with withState the state);
// the VM's lock is held.
func (i *instance) takeLocked(withState bool) (out []vmrt.Change, state []byte, err error) {
	names, crud := i.b.takeChanges()
	for _, n := range names {
		m := i.ti.byName[n]
		if m == nil {
			continue
		}
		raw, err := i.encode(m)
		if err != nil {
			return nil, nil, err
		}
		if m.kind == kindGetter {
			i.noteSent(m, raw)
		}
		out = append(out, vmrt.Change{Key: n, Value: raw})
	}
	// Computed properties are derived: each one whose value moved goes out
	// too, whether or not the VM said it changed.
	for _, m := range i.ti.getters {
		if contains(names, m.name) {
			continue
		}
		raw, err := i.encode(m)
		if err != nil {
			return nil, nil, err
		}
		if prev := i.lastSent(m); prev != nil && bytes.Equal(prev, raw) {
			continue
		}
		i.noteSent(m, raw)
		out = append(out, vmrt.Change{Key: m.name, Value: raw})
	}
	for _, op := range crud {
		var v any = op.items
		if len(op.items) == 1 {
			v = op.items[0]
		}
		raw, err := marshalValue(v)
		if err != nil {
			return nil, nil, fmt.Errorf("vm: encoding %s.%s: %w", i.id.Type, op.key, err)
		}
		out = append(out, vmrt.Change{Key: op.key, Value: raw})
	}
	if withState && len(out) > 0 {
		if state, err = i.stateLocked(); err != nil {
			return nil, nil, err
		}
	}
	return out, state, nil
}

// Apply applies an update's entries in order (dotNetify's property-path
// rules: set a property, call a command or setter, address list items by key
// with "$key"). Unknown paths are ignored. ctx is passed to commands.
func (i *instance) Apply(ctx context.Context, updates []vmrt.PathValue) error {
	return i.apply(ctx, updates, false)
}

// ApplyServer is Apply for the server's own code (a push from
// an HTTP handler or a job, never a client's message): a name may also
// call an exported method that is not declared as a command, if it has a
// command's signature — server-only commands, such as posting a chat
// room's system message, that no client can call.
func (i *instance) ApplyServer(ctx context.Context, updates []vmrt.PathValue) error {
	return i.apply(ctx, updates, true)
}

// ApplyAndTake is Apply followed, under the same hold of the
// VM's lock, by TakeChanges (with withState, the state too, as
// TakeChangesAndState): the changes are exactly those of the
// update and of whatever else changed before it, and no push can take
// them in between. On an error nothing is taken.
func (i *instance) ApplyAndTake(ctx context.Context, updates []vmrt.PathValue, withState bool) (changes []vmrt.Change, state []byte, err error) {
	err = i.run(func() error {
		if err := i.applyLocked(ctx, updates, false); err != nil {
			return err
		}
		var err error
		changes, state, err = i.takeLocked(withState)
		return err
	})
	return changes, state, err
}

func (i *instance) apply(ctx context.Context, updates []vmrt.PathValue, server bool) error {
	return i.run(func() error { return i.applyLocked(ctx, updates, server) })
}

// applyLocked applies updates; the VM's lock is held.
func (i *instance) applyLocked(ctx context.Context, updates []vmrt.PathValue, server bool) error {
	for _, u := range updates {
		if server && !strings.Contains(u.Path, ".") && i.ti.byName[u.Path] == nil && i.ti.methods[u.Path] && !hooks[u.Path] {
			meth := i.rv.MethodByName(u.Path)
			arg, withCtx, retErr, ok := funcShape(meth.Type(), 0)
			if !ok {
				return fmt.Errorf("vm: %s.%s has type %s, not a command's: func([context.Context], [Arg]) [error]", i.id.Type, u.Path, meth.Type())
			}
			if err := i.call(ctx, meth, arg, withCtx, retErr, u.Path, u.Value); err != nil {
				return err
			}
			continue
		}
		if err := i.applyOne(ctx, u.Path, u.Value); err != nil {
			return err
		}
	}
	return nil
}

func (i *instance) applyOne(ctx context.Context, path string, raw json.RawMessage) error {
	segs := strings.Split(path, ".")
	m := i.ti.byName[segs[0]]
	if m == nil && i.ti.methods[segs[0]] {
		return &Exception{Type: "InvalidOperationException", Message: fmt.Sprintf("'%s' is not a property or command of %s: nothing was called", segs[0], i.id.Type)}
	}
	if m == nil {
		// dotNetify ignores unresolved paths
		i.log.Debug("dispatched path matches no property or command of the view model: ignored (declare commands and computed properties with vm.Commands / vm.Computed)", "vm", i.id.Full, "path", path)
		return nil
	}
	if len(segs) == 1 {
		switch m.kind {
		case kindCommand:
			return i.call(ctx, i.rv.Method(m.method), m.typ, m.withCtx, m.retErr, path, raw)
		case kindFunc:
			f := i.rv.Elem().FieldByIndex(m.index)
			if f.IsNil() {
				return nil
			}
			arg, withCtx, retErr, ok := funcShape(f.Type(), 0)
			if !ok {
				return nil // not a command shape: leave it alone
			}
			return i.call(ctx, f, arg, withCtx, retErr, path, raw)
		}
		if m.setter >= 0 {
			meth := i.rv.Method(m.setter)
			arg, withCtx, retErr, _ := commandShape(i.rv.Type().Method(m.setter).Type)
			if err := i.call(ctx, meth, arg, withCtx, retErr, path, raw); err != nil {
				return err
			}
			i.b.Changed(m.name)
			return nil
		}
		if m.kind != kindField {
			return nil // read-only
		}
		f := i.rv.Elem().FieldByIndex(m.index)
		v, err := convert(raw, f.Type(), path)
		if err != nil {
			return err
		}
		f.Set(v)
		i.b.Changed(m.name)
		return nil
	}
	// A nested path: walk into the value.
	var root reflect.Value
	switch m.kind {
	case kindField:
		root = i.rv.Elem().FieldByIndex(m.index)
	case kindGetter:
		root = i.rv.Method(m.method).Call(nil)[0]
	default:
		return nil
	}
	item, ok, err := setPath(root, m.itemKey, segs[1:], raw, path)
	if err != nil || !ok {
		return err
	}
	if i.routed(m, segs[1:]) {
		return nil // the client's router set its routing state (routing.go)
	}
	if item.IsValid() {
		i.b.UpdateList(m.name, item.Interface())
	} else {
		i.b.Changed(m.name)
	}
	return nil
}

func (i *instance) call(ctx context.Context, fn reflect.Value, arg reflect.Type, withCtx, retErr bool, path string, raw json.RawMessage) error {
	var args []reflect.Value
	if withCtx {
		args = append(args, reflect.ValueOf(ctx))
	}
	if arg != nil {
		v, err := convert(raw, arg, path)
		if err != nil {
			return err
		}
		args = append(args, v)
	}
	out := fn.Call(args)
	if retErr && !out[0].IsNil() {
		err := out[0].Interface().(error)
		return err
	}
	return nil
}

// Do runs fn with the VM's lock held (panics become errors). The hub uses it
// to call master hooks; fn must not call Update.
func (i *instance) Do(fn func() error) error { return i.run(fn) }

// GroupName returns the multicast group name the VM gives for the
// connection in ctx ("" when it does not split by group).
func (i *instance) GroupName(ctx context.Context) string {
	g, ok := i.v.(GroupNamer)
	if !ok {
		return ""
	}
	var name string
	_ = i.run(func() error { name = g.GroupName(ctx); return nil })
	return name
}

// StateRestorer is implemented by a VM that restores its own state from a
// snapshot (see RestoreState); state maps property names to
// their saved JSON values.
type StateRestorer interface {
	RestoreState(state map[string]json.RawMessage) error
}

// RestoreState sets the VM's fields from a state object saved earlier with
// FullState, without marking anything changed. Computed
// properties, commands, unknown keys and fields tagged `vm:"transient"` are
// left alone. A VM implementing [StateRestorer] restores itself instead.
func (i *instance) RestoreState(state []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(state, &m); err != nil {
		return fmt.Errorf("vm: snapshot of %s is not a JSON object: %w", i.id.Full, err)
	}
	return i.run(func() error {
		if r, ok := i.v.(StateRestorer); ok {
			return r.RestoreState(m)
		}
		for _, mem := range i.ti.members {
			raw, ok := m[mem.name]
			if !ok || mem.kind != kindField || mem.transient {
				continue
			}
			f := i.rv.Elem().FieldByIndex(mem.index)
			v, err := convert(raw, f.Type(), mem.name)
			if err != nil {
				return err
			}
			f.Set(v)
		}
		return nil
	})
}
