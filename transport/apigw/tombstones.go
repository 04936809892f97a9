package apigw

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Out-of-order delivery. API Gateway makes no ordering promise: the
// integration calls for one connection may overlap and arrive in any
// order, and $disconnect is best effort. The contract the Server keeps:
//
//   - An update or request arriving after that connection's $disconnect
//     is refused (410, body {"message": …}) and does not re-create the
//     connection: disconnected ids are remembered for
//     Options.DisconnectedTTL (default 5 minutes; API Gateway never reuses
//     a connection id, and no call is delayed beyond its 29-second
//     integration timeout), in memory (at most 100,000 ids, the oldest
//     forgotten first) and, with Options.Tombstones (Redis under
//     `gonetify serve --redis`), across servers and restarts.
//   - A message racing its $disconnect (both in flight at once) may be
//     applied, but the connection is disposed again right after: it never
//     outlives its $disconnect.
//   - Within a connection, messages are applied in the order they arrive
//     at the server. The dotNetify client does not wait for a reply
//     between its messages, so on AWS two updates sent back to back can be
//     applied in either order; a client that needs order must wait for the
//     server's response_vm before sending the next update (the same holds
//     for dotNetify's own AWS integration). An update for a VM the
//     connection has not requested (its request_vm still in flight) first
//     re-creates the VM, as after a server restart.
//   - A $disconnect that never comes is covered by the pushes: the first
//     push answered 410 Gone disposes the connection.

// DefaultDisconnectedTTL is how long a disconnected id is remembered.
const DefaultDisconnectedTTL = 5 * time.Minute

// maxTombstones bounds the in-memory set of disconnected ids.
const maxTombstones = 100_000

// errDisconnected refuses a message for a connection that has already
// received its $disconnect.
var errDisconnected = errors.New("the connection has already disconnected ($disconnect arrived first): message ignored")

// Tombstones remembers disconnected connection ids for a while, shared by
// every server (for example in Redis: [RedisTombstones]).
type Tombstones interface {
	// Bury records that id disconnected; it is forgotten after ttl.
	Bury(ctx context.Context, id string, ttl time.Duration) error
	// Buried reports whether id disconnected within its ttl.
	Buried(ctx context.Context, id string) (bool, error)
}

// tombstones is the in-memory TTL set of disconnected ids.
type tombstones struct {
	mu    sync.Mutex
	ttl   time.Duration
	until map[string]time.Time
	order []string // burial order, for eviction
	now   func() time.Time
}

func newTombstones(ttl time.Duration) *tombstones {
	return &tombstones{ttl: ttl, until: map[string]time.Time{}, now: time.Now}
}

func (t *tombstones) bury(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	// Drop expired ids from the front, and the oldest beyond the bound.
	for len(t.order) > 0 {
		old := t.order[0]
		if exp, ok := t.until[old]; ok && now.Before(exp) && len(t.order) < maxTombstones {
			break
		}
		delete(t.until, old)
		t.order[0] = ""
		t.order = t.order[1:]
	}
	if _, ok := t.until[id]; !ok {
		t.order = append(t.order, id)
	}
	t.until[id] = now.Add(t.ttl)
}

func (t *tombstones) buried(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.until[id]
	return ok && t.now().Before(exp)
}

func (t *tombstones) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.until)
}

// RedisTombstones keeps disconnected ids in Redis as keys PREFIX+id with a
// TTL, so that a late message reaching another server (or this one after a
// restart) is refused too.
type RedisTombstones struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisTombstones returns Tombstones stored in rdb under keys that
// start with prefix ("gonetify:gone:" when empty).
func NewRedisTombstones(rdb redis.UniversalClient, prefix string) *RedisTombstones {
	if prefix == "" {
		prefix = "gonetify:gone:"
	}
	return &RedisTombstones{rdb: rdb, prefix: prefix}
}

// Bury implements [Tombstones].
func (r *RedisTombstones) Bury(ctx context.Context, id string, ttl time.Duration) error {
	return r.rdb.Set(ctx, r.prefix+id, 1, ttl).Err()
}

// Buried implements [Tombstones].
func (r *RedisTombstones) Buried(ctx context.Context, id string) (bool, error) {
	n, err := r.rdb.Exists(ctx, r.prefix+id).Result()
	return n > 0, err
}

// disconnected reports whether id has had its $disconnect: in memory,
// then in the shared Tombstones. A shared store that cannot answer does
// not block the message (logged).
func (s *Server) disconnected(ctx context.Context, id string) bool {
	if s.gone.buried(id) {
		return true
	}
	if s.opts.Tombstones == nil {
		return false
	}
	ok, err := s.opts.Tombstones.Buried(ctx, id)
	if err != nil {
		s.log.Warn("tombstones: could not check whether the connection disconnected; serving the message", "conn", id, "err", err)
		return false
	}
	if ok {
		s.buryLocal(id)
	}
	return ok
}

// buryLocal records id in the in-memory set, under s.mu (see connect).
func (s *Server) buryLocal(id string) {
	s.mu.Lock()
	s.gone.bury(id)
	s.mu.Unlock()
}

// bury records id's $disconnect before its VMs are disposed.
func (s *Server) bury(ctx context.Context, id string) {
	s.buryLocal(id)
	if s.opts.Tombstones != nil {
		if err := s.opts.Tombstones.Bury(ctx, id, s.opts.DisconnectedTTL); err != nil {
			s.log.Warn("tombstones: disconnect not recorded in the shared store", "conn", id, "err", err)
		}
	}
}
