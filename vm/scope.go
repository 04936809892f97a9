package vm

import (
	"errors"
	"io"
	"sync"
)

// scope holds a connection's scoped services.
type scope struct {
	mu     sync.Mutex
	vals   map[any]any
	order  []any // keys, in creation order (closed in reverse)
	closed bool
}

// Scoped returns the service of the connection c under key, creating it
// with create on first use: a per-connection service (ASP.NET's scoped
// lifetime), such as a database session or a per-user cache, shared by the
// VMs of that connection. A service that implements io.Closer is closed
// when the connection closes (the hub calls [Conn.CloseScoped]). Services
// for the whole server need nothing of the kind: a VM factory closes over
// them.
//
//	vm.MustRegister(reg, "OrdersVM", func(ctx context.Context, id vm.ID) (*OrdersVM, error) {
//		tx, err := vm.Scoped(vm.ConnFromContext(ctx), sessionKey{}, func() (*Session, error) { return db.Session(ctx) })
//		if err != nil {
//			return nil, err
//		}
//		return &OrdersVM{db: db, session: tx}, nil // db: server-wide, captured by the closure
//	})
func Scoped[T any](c *Conn, key any, create func() (T, error)) (T, error) {
	var zero T
	if c == nil {
		return zero, errors.New("vm: Scoped needs a connection (vm.ConnFromContext(ctx) of a factory, hook or command)")
	}
	c.scopeOnce.Do(func() { c.scope = &scope{vals: map[any]any{}} })
	s := c.scope
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return zero, errors.New("vm: the connection is closed")
	}
	if v, ok := s.vals[key]; ok {
		t, ok := v.(T)
		if !ok {
			return zero, errors.New("vm: Scoped: the service under this key has another type")
		}
		return t, nil
	}
	v, err := create()
	if err != nil {
		return zero, err
	}
	s.vals[key] = v
	s.order = append(s.order, key)
	return v, nil
}

// CloseScoped closes the connection's scoped services that implement
// io.Closer, the last created first, and forgets them; later [Scoped]
// calls fail. The hub calls it when the connection closes.
func (c *Conn) CloseScoped() error {
	c.scopeOnce.Do(func() { c.scope = &scope{vals: map[any]any{}} })
	s := c.scope
	s.mu.Lock()
	s.closed = true
	vals, order := s.vals, s.order
	s.vals, s.order = map[any]any{}, nil
	s.mu.Unlock()
	var errs []error
	for i := len(order) - 1; i >= 0; i-- {
		if cl, ok := vals[order[i]].(io.Closer); ok {
			errs = append(errs, cl.Close())
		}
	}
	return errors.Join(errs...)
}
