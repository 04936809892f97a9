package vmtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gonetify/gonetify/vm"
	"github.com/gonetify/gonetify/vmtest"
)

// Catalog is a server-wide service: one for every VM, captured by the
// factory's closure.
type Catalog struct{ items []string }

// Session is a per-connection service, closed when the connection goes.
type Session struct{ user string }

// Close ends the session.
func (s *Session) Close() error { fmt.Println("session closed for", s.user); return nil }

type sessionKey struct{}

// ShopVM uses both.
type ShopVM struct {
	vm.Base
	Items []string
	User  string
}

// Example_dependencies shows dependency injection the Go way: factories
// close over server-wide services, and vm.Scoped gives each connection its
// own services, created on first use and closed on disconnect.
func Example_dependencies() {
	t := &testing.T{}
	catalog := &Catalog{items: []string{"book", "pen"}}
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "ShopVM", func(ctx context.Context, id vm.ID) (*ShopVM, error) {
		conn := vm.ConnFromContext(ctx)
		s, err := vm.Scoped(conn, sessionKey{}, func() (*Session, error) { return &Session{user: conn.ID}, nil })
		if err != nil {
			return nil, err
		}
		return &ShopVM{Items: catalog.items, User: s.user}, nil
	})
	c := vmtest.New(t, reg).Client(vmtest.ClientOptions{ID: "ann"})
	shop := c.Request("ShopVM", nil)
	fmt.Println(shop.State()["User"], shop.State()["Items"])
	c.Close()
	// Output:
	// ann [book pen]
	// session closed for ann
}
