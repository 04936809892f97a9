package vm

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Conn describes the client connection a VM serves: its id (the socket's,
// or API Gateway's connectionId), the remote address and the HTTP headers of
// the handshake or integration request.
type Conn struct {
	ID         string
	RemoteAddr string
	Header     http.Header
	// Query holds the query parameters of the handshake request (the
	// WebSocket upgrade, SignalR's transport request, or API Gateway's
	// $connect integration request), or nil.
	Query url.Values
	// Transport names how the client is connected ("ws", "apigw", …).
	Transport string
	// Persistent says the connection id outlives a server process (API
	// Gateway holds the socket): its VMs' state is worth snapshotting.
	Persistent bool

	scopeOnce sync.Once
	scope     *scope // the connection's scoped services (see Scoped)
}

type connKey struct{}

// WithConn returns a context carrying c.
func WithConn(ctx context.Context, c *Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// ConnFromContext returns the connection of the request a command, hook or
// group name is running for, or nil.
func ConnFromContext(ctx context.Context) *Conn {
	c, _ := ctx.Value(connKey{}).(*Conn)
	return c
}

// Conn returns the connection that created the VM (for a multicast VM, the
// first one to request it), or nil before it is created.
func (b *Base) Conn() *Conn {
	b.cmu.Lock()
	defer b.cmu.Unlock()
	return b.conn
}

// ID is a parsed VM id: `[Master.]*Type[$Instance]`.
type ID struct {
	// Full is the id as the client sent it, e.g. "MasterDetails.Details$2".
	Full string
	// Master is the id of the master VM ("MasterDetails"), or "".
	Master string
	// Type is the registered VM name ("Details").
	Type string
	// Instance is the part after "$" ("2"), or "".
	Instance string
}

// ParseID splits a VM id into its parts.
func ParseID(full string) ID {
	id := ID{Full: full}
	last := full
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		id.Master, last = full[:i], full[i+1:]
	}
	id.Type, id.Instance, _ = strings.Cut(last, "$")
	return id
}

// String returns the full id.
func (id ID) String() string { return id.Full }

// Exception is an error sent to the client as dotNetify's exception object
// {"ExceptionType": Type, "Message": Message}; the official client hands it
// to the connect option exceptionHandler as {name, message}. Type is a .NET
// exception name, such as "UnauthorizedAccessException".
type Exception struct {
	Type    string
	Message string
}

// Error implements error: "Type: Message".
func (e *Exception) Error() string { return e.Type + ": " + e.Message }

// Errorf returns an *Exception of type "Exception" with a formatted message;
// a command returning it sends that message to the client.
func Errorf(format string, args ...any) error {
	return &Exception{Type: "Exception", Message: fmt.Sprintf(format, args...)}
}
