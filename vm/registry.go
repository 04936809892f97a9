package vm

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// Factory creates a VM. id tells which (the instance id of "Type$id" in
// particular); ctx carries the requesting connection ([ConnFromContext]).
// Dependencies are captured by the closure.
type Factory func(ctx context.Context, id ID) (VM, error)

// Registry maps VM names to factories. It is safe for concurrent use.
type Registry struct {
	mu sync.RWMutex
	f  map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{f: map[string]Factory{}} }

// Register adds a VM name. Names are case-sensitive; a name registered
// twice keeps the last factory.
func (r *Registry) Register(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.f[name] = f
}

// RegisterType registers a VM whose zero value needs no set-up beyond its
// own hooks: new(T) is created for each request.
func RegisterType[T any, P interface {
	*T
	VM
}](r *Registry, name string) {
	r.Register(name, func(context.Context, ID) (VM, error) { return P(new(T)), nil })
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.f))
	for n := range r.f {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Has reports whether name is registered.
func (r *Registry) Has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.f[name]
	return ok
}

// New creates the VM registered as typeName (id.Type unless a namespace
// made it "ns.Type") and wraps it for the runtime. ctx should carry the
// requesting connection.
func (r *Registry) New(ctx context.Context, typeName string, id ID) (*Instance, error) {
	r.mu.RLock()
	f := r.f[typeName]
	r.mu.RUnlock()
	if f == nil {
		return nil, &Exception{Type: "Exception", Message: fmt.Sprintf("'%s' is not a known view model: register it with Registry.Register.", typeName)}
	}
	v, err := f(ctx, id)
	if err != nil {
		return nil, err
	}
	return Wrap(ctx, id, v)
}

// Wrap makes an Instance of a VM created elsewhere (for example returned by
// a master's GetSubVM).
func Wrap(ctx context.Context, id ID, v VM) (*Instance, error) {
	if v == nil {
		return nil, fmt.Errorf("vm: no view model for %q", id.Full)
	}
	return newInstance(id, v, ConnFromContext(ctx))
}
