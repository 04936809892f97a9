package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

// CallType names the call a pipeline [Context] is for, with dotNetify's
// names.
type CallType string

// The call types a pipeline sees.
const (
	// RequestVM is a client's request_vm: the VM is created (or found)
	// and its full state is sent.
	RequestVM CallType = "Request_VM"
	// UpdateVM is a client's update_vm: values and commands dispatched
	// to a VM.
	UpdateVM CallType = "Update_VM"
	// DisposeVM is a client's dispose_vm.
	DisposeVM CallType = "Dispose_VM"
	// ResponseVM is every frame of VM data going to a client: the
	// initial state, reactions and pushes.
	ResponseVM CallType = "Response_VM"
)

// Principal is the identity a call runs as. Middlewares set it (the auth
// package's JWT middleware sets an *auth.Principal); nil is anonymous.
type Principal interface {
	// Name returns the user's name, or "".
	Name() string
	// Authenticated reports whether the identity was proven.
	Authenticated() bool
}

// Context is what middlewares and filters see of one call (dotNetify's
// DotNetifyHubContext). A fresh Context is made for every call.
type Context struct {
	// CallType says which call this is.
	CallType CallType
	// VMID is the vmId the call is for. Read it; don't change it.
	VMID string
	// Data is, for Request_VM, the $vmArg object (or the vmArgs object
	// without $headers when there is no $vmArg), possibly nil; for
	// Update_VM the dispatched object (without $headers); for
	// Response_VM the JSON object to be sent. Middlewares may replace it
	// with another JSON object; the VM (or the client) gets what it holds
	// when the pipeline ends.
	Data json.RawMessage
	// Headers is the connection's $headers value (any JSON, usually an
	// object such as {"Authorization":"Bearer …"}), as last sent with a
	// request_vm or an update_vm, or nil.
	Headers json.RawMessage
	// Client is the calling connection. It is nil for a push of a
	// multicast VM not triggered by any connection (a timer).
	Client *Client
	// Principal is who the call runs as; middlewares may set it.
	Principal Principal
	// PipelineData is a scratch map shared along the pipeline of this
	// call. On a multicast response "$groupName" holds the group name.
	PipelineData map[string]any
}

// Header returns the string value of field name (case-insensitive) of the
// Headers object, or "".
func (x *Context) Header(name string) string {
	h := bytes.TrimSpace(x.Headers)
	if len(h) == 0 || h[0] != '{' {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(h, &m) != nil {
		return ""
	}
	raw, ok := m[name]
	if !ok {
		for k, v := range m {
			if strings.EqualFold(k, name) {
				raw, ok = v, true
				break
			}
		}
	}
	var s string
	if !ok || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// Middleware sees every call: requests, updates, disposes and every
// response or push. It calls next to continue; returning without calling
// next halts the call silently (nothing is sent); returning an error sends
// it to the client's exceptionHandler as {name, message} (use a
// *vm.Exception to choose the name). Middlewares run in the order of
// [Options.Middlewares], concurrently for different connections.
type Middleware func(x *Context, next func() error) error

// Filter is a VM filter (dotNetify's IVMFilter): it runs inside the
// middlewares, around the VM's part of a request (creation, $vmArg values
// and OnCreated), of an update, and of every response and push, with the
// VM at hand. A filter selects the VMs it cares about itself, usually by a
// declaration on the VM type (see auth.Authorize), and calls next at once
// for the others. Halting and errors work as for a [Middleware].
//
// v is the VM (the user's value). To change its state from a filter, hold
// its lock with [vm.Do]; a response filter may run while that lock is held
// already (a multicast VM's Send from a command), so do it only for VM
// types you own.
type Filter func(x *Context, v vm.VM, next func() error) error

type ctxKey struct{}

// FromContext returns the pipeline context of the call a VM hook or
// command runs for (the ctx of OnCreated and of commands), or nil when no
// middleware or filter is configured.
func FromContext(ctx context.Context) *Context {
	x, _ := ctx.Value(ctxKey{}).(*Context)
	return x
}

// vmCtx is the context given to VM code for the call x.
func (c *Client) vmCtx(x *Context) context.Context {
	ctx := c.baseCtx()
	if x != nil {
		ctx = context.WithValue(ctx, ctxKey{}, x)
	}
	return ctx
}

// newContext starts the pipeline context of a call on c.
func (c *Client) newContext(ct CallType, vmID string, data json.RawMessage) *Context {
	return &Context{CallType: ct, VMID: vmID, Data: data, Headers: c.getHeaders(), Client: c, PipelineData: map[string]any{}}
}

// middlewares runs the middlewares around final, and remembers the
// identity they set for the connection (Conn.Principal).
func (h *Hub) middlewares(x *Context, final func() error) error {
	return h.guardPanic(x, func() error {
		return h.runMW(x, 0, func() error {
			// Known before the VM runs (OnJoin, a command listing members).
			if x.Client != nil && x.Principal != nil && x.CallType != ResponseVM {
				x.Client.hmu.Lock()
				x.Client.principal = x.Principal
				x.Client.hmu.Unlock()
			}
			return final()
		})
	})
}

func (h *Hub) runMW(x *Context, i int, final func() error) error {
	if i == len(h.mws) {
		return final()
	}
	return h.mws[i](x, func() error { return h.runMW(x, i+1, final) })
}

// filter runs the VM filters around fn for inst, and reports whether fn
// ran (false: a filter halted the call).
func (h *Hub) filter(x *Context, inst vmrt.Instance, fn func() error) (ran bool, err error) {
	if len(h.filters) == 0 || x == nil {
		return true, fn()
	}
	err = h.guardPanic(x, func() error {
		return h.runFilter(x, inst.VM().(vm.VM), 0, func() error { ran = true; return fn() })
	})
	return ran, err
}

func (h *Hub) runFilter(x *Context, v vm.VM, i int, final func() error) error {
	if i == len(h.filters) {
		return final()
	}
	return h.filters[i](x, v, func() error { return h.runFilter(x, v, i+1, final) })
}

// guardPanic turns a panic of a middleware or filter into an exception
// (logged with its stack and an error id, see Conn.sendError).
func (h *Hub) guardPanic(x *Context, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = h.panicException(&vm.PanicError{VM: x.VMID, Value: r, Stack: debug.Stack()}, "call", x.CallType)
		}
	}()
	return fn()
}

// respond sends data for vmID (a VM's state or changes) to c through the
// response pipeline.
func (c *Client) respond(vmID string, inst vmrt.Instance, data []byte) error {
	if !c.h.piped {
		c.send(vmID, data)
		return nil
	}
	x := c.newContext(ResponseVM, vmID, data)
	return c.h.middlewares(x, func() error {
		_, err := c.h.filter(x, inst, func() error {
			c.send(vmID, x.Data)
			return nil
		})
		return err
	})
}

// pushed handles the outcome of a push to c: a refused push
// sends its exception once, until a push for that VM goes through again,
// so an expired token does not flood the client.
func (c *Client) pushed(vmID string, err error) {
	c.mu.Lock()
	if err == nil {
		if c.denied != nil {
			delete(c.denied, vmID)
		}
		c.mu.Unlock()
		return
	}
	if c.denied[vmID] {
		c.mu.Unlock()
		c.h.log.Debug("push refused again", "conn", c.info.ID, "vm", vmID, "err", err)
		return
	}
	if c.denied == nil {
		c.denied = map[string]bool{}
	}
	c.denied[vmID] = true
	c.mu.Unlock()
	c.sendError(vmID, err)
}

// encodeObject encodes entries as a JSON object, in order.
func encodeObject(entries []vmrt.PathValue) json.RawMessage {
	changes := make([]vmrt.Change, len(entries))
	for i, e := range entries {
		changes[i] = vmrt.Change{Key: e.Path, Value: e.Value}
	}
	if b := vmrt.EncodeChanges(changes, nil); b != nil {
		return b
	}
	return json.RawMessage("{}")
}

// LogMiddleware returns dotNetify's developer-logging middleware: it logs
// every call (call type, vmId, connection, principal, data, duration and
// outcome) at level Info to log.
func LogMiddleware(log *slog.Logger) Middleware {
	if log == nil {
		log = slog.Default()
	}
	return func(x *Context, next func() error) error {
		start := time.Now()
		err := next()
		attrs := []any{"call", string(x.CallType), "vm", x.VMID}
		if x.Client != nil {
			attrs = append(attrs, "conn", x.Client.ID())
		}
		if x.Principal != nil && x.Principal.Authenticated() {
			attrs = append(attrs, "user", x.Principal.Name())
		}
		if len(x.Data) > 0 {
			attrs = append(attrs, "data", clip(x.Data, 512))
		}
		attrs = append(attrs, "duration", time.Since(start))
		if err != nil {
			attrs = append(attrs, "err", err)
		}
		log.Info("dotnetify call", attrs...)
		return err
	}
}

func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
