package auth

import (
	"log/slog"
	"reflect"
	"sync"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// Authorize declares, as a field of a VM struct, that the VM is for
// authorized users only (dotNetify's [Authorize] attribute). Give it a
// blank name, so it is neither state nor a command, and say who with its
// tag:
//
//	_ auth.Authorize                                       // any authenticated user
//	_ auth.Authorize `role:"admin"`                        // users in role admin (JWT claim "role")
//	_ auth.Authorize `claimType:"dept" claimValue:"sales"` // users with that claim
//
// Several Authorize fields must all pass. They take effect through
// [AuthorizeFilter], which the hub must be given.
type Authorize struct{}

// requirement is one Authorize field.
type requirement struct {
	role       string
	claimType  string
	claimValue string
}

var (
	authorizeT = reflect.TypeFor[Authorize]()
	policies   sync.Map // reflect.Type -> []requirement
)

// requirements returns the Authorize declarations of a VM's type, or nil.
func requirements(v vm.VM) []requirement {
	t := reflect.TypeOf(v)
	if r, ok := policies.Load(t); ok {
		return r.([]requirement)
	}
	var reqs []requirement
	st := t
	for st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		for i := range st.NumField() { // not VisibleFields: it merges the blank names
			f := st.Field(i)
			if f.Type != authorizeT {
				continue
			}
			reqs = append(reqs, requirement{role: f.Tag.Get("role"), claimType: f.Tag.Get("claimType"), claimValue: f.Tag.Get("claimValue")})
		}
	}
	actual, _ := policies.LoadOrStore(t, reqs)
	return actual.([]requirement)
}

// Required reports whether the VM's type declares [Authorize].
func Required(v vm.VM) bool { return len(requirements(v)) > 0 }

// Allowed reports whether p passes every Authorize declaration of v's type.
func Allowed(p *Principal, v vm.VM) bool {
	for _, r := range requirements(v) {
		if !r.allows(p) {
			return false
		}
	}
	return true
}

func (r requirement) allows(p *Principal) bool {
	if p == nil {
		return false
	}
	if r.role != "" && !p.InRole(r.role) {
		return false
	}
	if r.claimType != "" && !p.HasClaim(r.claimType, r.claimValue) {
		return false
	}
	return true
}

// AuthorizeFilter returns dotNetify's Authorize filter: for a VM type
// declaring [Authorize], it refuses every request, update, response and
// push whose principal does not pass, with [ErrUnauthorized]. A refused
// request creates nothing and sends none of the VM's state; a push refused
// (the token expired) reaches the client once, until a valid token (sent
// with $dispatch({$headers: …})) lets the pushes through again.
func AuthorizeFilter() hub.Filter {
	return func(x *hub.Context, v vm.VM, next func() error) error {
		reqs := requirements(v)
		if len(reqs) == 0 {
			return next()
		}
		p := Of(x)
		for _, r := range reqs {
			if !r.allows(p) {
				if x.CallType != hub.ResponseVM {
					attrs := []any{"call", string(x.CallType), "vm", x.VMID, "needs", describe(r)}
					if x.Client != nil {
						attrs = append(attrs, "conn", x.Client.ID())
					}
					if p != nil {
						attrs = append(attrs, "user", p.Name())
					}
					slog.Info("unauthorized", attrs...)
				}
				return ErrUnauthorized
			}
		}
		return next()
	}
}
