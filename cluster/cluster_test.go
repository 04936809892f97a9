package cluster_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/internal/redistest"
)

var seq atomic.Int64

// recorder is a node's Handler: what it was given, in order.
type recorder struct {
	mu        sync.Mutex
	delivered map[string][]string // route key -> messages
	takeovers []string
	events    []string
}

func (r *recorder) Deliver(_ context.Context, msg []byte) {
	key, _, _ := cutKey(string(msg))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.delivered == nil {
		r.delivered = map[string][]string{}
	}
	r.delivered[key] = append(r.delivered[key], string(msg))
}

func (r *recorder) TakeOver(_ context.Context, key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.takeovers = append(r.takeovers, key)
}

func (r *recorder) Event(_ context.Context, ev string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) got(key string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.delivered[key])
}

// cutKey splits a test message "key|n".
func cutKey(m string) (key, n string, ok bool) {
	for i := len(m) - 1; i >= 0; i-- {
		if m[i] == '|' {
			return m[:i], m[i+1:], true
		}
	}
	return m, "", false
}

type node struct {
	*cluster.Node
	rec    *recorder
	cancel context.CancelFunc
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// start runs a node of backend b under prefix with a short lease.
func start(t *testing.T, b redistest.Backend, prefix string) *node {
	t.Helper()
	rdb := b.Client(t)
	n := cluster.New(rdb, cluster.Options{Prefix: prefix, LeaseTTL: 600 * time.Millisecond, Logger: quiet()})
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{}
	n.Start(ctx, rec)
	t.Cleanup(func() { cancel(); n.Wait() })
	return &node{Node: n, rec: rec, cancel: cancel}
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// keys are route keys that spread over the slots of a Redis Cluster.
var keys = []string{"ChatRoomVM", "LiveChartVM", "PresenceVM", "room{with}braces", "SimpleListVM"}

// TestOwnership: on each backend, two nodes route messages for several
// keys; each key has one owner, which gets every message once, in order;
// when the owner stops, the other takes its keys over and nothing routed
// meanwhile is lost.
func TestOwnership(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b redistest.Backend) {
		prefix := fmt.Sprintf("cltest%d-%d:", os.Getpid(), seq.Add(1))
		a, c := start(t, b, prefix), start(t, b, prefix)
		ctx := context.Background()
		route := func(from *node, key string, i int) {
			t.Helper()
			if err := from.Route(ctx, key, fmt.Appendf(nil, "%s|%d", key, i)); err != nil {
				t.Fatalf("Route %s: %v", key, err)
			}
		}
		want := func(key string, n int) []string {
			out := make([]string, n)
			for i := range out {
				out[i] = fmt.Sprintf("%s|%d", key, i)
			}
			return out
		}
		// Both nodes route, alternately: the first to see a key owns it.
		for i := range 20 {
			for _, k := range keys {
				route([]*node{a, c}[i%2], k, i)
			}
		}
		owner := map[string]*node{}
		for _, k := range keys {
			waitFor(t, "every message of "+k+" delivered", 5*time.Second, func() bool {
				return len(a.rec.got(k))+len(c.rec.got(k)) >= 20
			})
			switch {
			case a.Owns(k) && !c.Owns(k):
				owner[k] = a
			case c.Owns(k) && !a.Owns(k):
				owner[k] = c
			default:
				t.Fatalf("%s: owned by a: %v, by c: %v; want exactly one owner", k, a.Owns(k), c.Owns(k))
			}
			if got := owner[k].rec.got(k); !slices.Equal(got, want(k, 20)) {
				t.Fatalf("%s: the owner got %v, want each message once, in order", k, got)
			}
		}

		// The owner of the first key stops (releasing its leases); the
		// messages routed from now on reach the other node.
		gone := owner[keys[0]]
		other := a
		if gone == a {
			other = c
		}
		gone.cancel()
		gone.Wait()
		for i := 20; i < 40; i++ {
			for _, k := range keys {
				route(other, k, i)
			}
		}
		for _, k := range keys {
			waitFor(t, k+" taken over and its messages delivered", 5*time.Second, func() bool {
				return other.Owns(k) && len(gone.rec.got(k))+len(other.rec.got(k)) >= 40
			})
			all := append(gone.rec.got(k), other.rec.got(k)...)
			if owner[k] == other {
				all = other.rec.got(k)
			}
			if !slices.Equal(all, want(k, 40)) {
				t.Fatalf("%s: delivered %v, want each of the 40 messages once, in order", k, all)
			}
		}
	})
}

// TestEvents: events one node publishes reach the other, in order, and
// not itself.
func TestEvents(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b redistest.Backend) {
		prefix := fmt.Sprintf("clev%d-%d:", os.Getpid(), seq.Add(1))
		a, c := start(t, b, prefix), start(t, b, prefix)
		// Subscriptions start in the background: publish until one arrives.
		waitFor(t, "an event from a at c", 5*time.Second, func() bool {
			if err := a.Publish(context.Background(), "hello"); err != nil {
				t.Fatal(err)
			}
			c.rec.mu.Lock()
			defer c.rec.mu.Unlock()
			return slices.Contains(c.rec.events, "hello")
		})
		// Events arrive in the order they were published (a frame pushed
		// to a member on another server travels as one).
		for i := range 50 {
			if err := a.Publish(context.Background(), fmt.Sprint("e", i)); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "50 events at c", 5*time.Second, func() bool {
			c.rec.mu.Lock()
			defer c.rec.mu.Unlock()
			return slices.Contains(c.rec.events, "e49")
		})
		c.rec.mu.Lock()
		var got []string
		for _, e := range c.rec.events {
			if e != "hello" {
				got = append(got, e)
			}
		}
		c.rec.mu.Unlock()
		for i, e := range got {
			if e != fmt.Sprint("e", i) {
				t.Fatalf("events out of order or lost: %v", got)
			}
		}
		a.rec.mu.Lock()
		defer a.rec.mu.Unlock()
		if len(a.rec.events) != 0 {
			t.Fatalf("a received its own events %v", a.rec.events)
		}
		if !c.Alive(context.Background(), a.ID()) {
			t.Fatal("c does not see a alive")
		}
	})
}
