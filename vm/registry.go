package vm

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/gonetify/gonetify/internal/vmrt"
)

// Factory creates a VM. id tells which (the instance id of "Type$id" in
// particular); ctx carries the requesting connection ([ConnFromContext]).
// Dependencies are captured by the closure.
type Factory func(ctx context.Context, id ID) (VM, error)

// Registry maps VM names to factories. It is safe for concurrent use.
type Registry struct {
	mu sync.RWMutex
	f  map[string]registered
}

type registered struct {
	f         Factory
	typ       reflect.Type // the pointer type the factory makes
	multicast bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{f: map[string]registered{}} }

// Register adds the VM type P under name; f makes one for each request (or,
// for a multicast VM, for each group). The type is checked now ([Check]):
// a declared command or computed property that is missing or has an
// unsupported signature, a state field JSON cannot encode, or an item key
// naming no field is an error that says how to fix it. Names are
// case-sensitive; a name registered twice keeps the last factory.
func Register[T any, P interface {
	*T
	VM
}](r *Registry, name string, f func(ctx context.Context, id ID) (P, error)) error {
	if name == "" {
		return fmt.Errorf("vm: Register needs a name")
	}
	if f == nil {
		return fmt.Errorf("vm: Register(%q) needs a factory", name)
	}
	pt := reflect.TypeFor[P]()
	ti, err := typeInfoOf(pt)
	if err != nil {
		return fmt.Errorf("vm: registering %q: %w", name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.f[name] = registered{
		f: func(ctx context.Context, id ID) (VM, error) {
			v, err := f(ctx, id)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return nil, fmt.Errorf("vm: the factory of %q returned nil", name)
			}
			return v, nil
		},
		typ:       pt,
		multicast: ti.multicast,
	}
	return nil
}

// MustRegister is [Register] that panics on error, for programs that
// register their VMs at start-up.
func MustRegister[T any, P interface {
	*T
	VM
}](r *Registry, name string, f func(ctx context.Context, id ID) (P, error)) {
	if err := Register(r, name, f); err != nil {
		panic(err)
	}
}

// RegisterType registers a VM whose zero value needs no set-up beyond its
// own hooks: new(T) is created for each request.
func RegisterType[T any, P interface {
	*T
	VM
}](r *Registry, name string) error {
	return Register(r, name, func(context.Context, ID) (P, error) { return P(new(T)), nil })
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

// Multicast reports whether name is registered (ok) and whether its VMs
// are multicast (one instance shared by the connections requesting it),
// as known from its type at registration.
func (r *Registry) Multicast(name string) (multicast, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.f[name]
	return e.multicast, ok
}

// New creates the VM registered as typeName (id.Type unless a namespace
// made it "ns.Type") and wraps it for the runtime (package hub calls it).
// ctx should carry the requesting connection.
func (r *Registry) New(ctx context.Context, typeName string, id ID) (vmrt.Instance, error) {
	r.mu.RLock()
	e, ok := r.f[typeName]
	r.mu.RUnlock()
	if !ok {
		return nil, &Exception{Type: "Exception", Message: fmt.Sprintf("'%s' is not a known view model: register it with vm.Register.", typeName)}
	}
	v, err := e.f(ctx, id)
	if err != nil {
		return nil, err
	}
	inst, err := wrap(ctx, id, v)
	if err != nil {
		return nil, err
	}
	return inst, nil
}

func init() {
	vmrt.Wrap = func(ctx context.Context, id string, v any) (vmrt.Instance, error) {
		vv, ok := v.(VM)
		if !ok {
			return nil, fmt.Errorf("vm: %T for %q is not a view model: embed vm.Base (or vm.Multicast) in a struct", v, id)
		}
		inst, err := wrap(ctx, ParseID(id), vv)
		if err != nil {
			return nil, err
		}
		return inst, nil
	}
}

// wrap makes an instance of a VM created elsewhere (for example returned by
// a master's GetSubVM). Its type is checked as [Register] checks it.
func wrap(ctx context.Context, id ID, v VM) (*instance, error) {
	if v == nil {
		return nil, fmt.Errorf("vm: no view model for %q", id.Full)
	}
	return newInstance(id, v, ConnFromContext(ctx))
}
