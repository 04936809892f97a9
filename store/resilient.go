package store

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// MaxPending bounds the writes a [Resilient] store keeps while its backend
// is down; past it the oldest are dropped (and counted in the log).
const MaxPending = 100_000

// Resilient wraps a shared store (Redis) so that an outage does not stop
// the server: writes that fail are kept in memory, in order, and replayed
// when the backend answers again; reads fail as the backend does. The
// outage and the recovery are logged once each.
type Resilient struct {
	inner Store
	log   *slog.Logger

	mu      sync.Mutex
	pending []func(context.Context, Store) error
	dropped int
	down    bool
	wake    chan struct{}
}

// NewResilient wraps inner; its retry loop runs until ctx ends.
func NewResilient(ctx context.Context, inner Store, log *slog.Logger) *Resilient {
	if log == nil {
		log = slog.Default()
	}
	r := &Resilient{inner: inner, log: log, wake: make(chan struct{}, 1)}
	go r.retryLoop(ctx)
	return r
}

// Unwrap returns the wrapped store.
func (r *Resilient) Unwrap() Store { return r.inner }

// write runs op now, or queues it when the backend is down (or writes are
// already queued, to keep their order).
func (r *Resilient) write(ctx context.Context, op func(context.Context, Store) error) error {
	r.mu.Lock()
	queued := len(r.pending) > 0
	r.mu.Unlock()
	if !queued {
		if err := op(ctx, r.inner); err == nil {
			return nil
		} else {
			r.failed(err)
		}
	}
	r.mu.Lock()
	if len(r.pending) >= MaxPending {
		r.pending = r.pending[1:]
		r.dropped++
	}
	r.pending = append(r.pending, op)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return nil
}

func (r *Resilient) failed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.down {
		r.down = true
		r.log.Error("shared store unreachable: serving from memory, keeping its writes to replay when it is back", "err", err)
	}
}

func (r *Resilient) retryLoop(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
		r.replay(ctx)
	}
}

// replay writes the queued operations in order until one fails.
func (r *Resilient) replay(ctx context.Context) {
	n := 0
	for {
		r.mu.Lock()
		if len(r.pending) == 0 {
			wasDown, dropped := r.down, r.dropped
			r.down, r.dropped = false, 0
			r.mu.Unlock()
			if wasDown {
				r.log.Info("shared store reachable again: queued writes replayed", "replayed", n, "dropped", dropped)
			}
			return
		}
		op := r.pending[0]
		r.mu.Unlock()
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := op(octx, r.inner)
		cancel()
		if err != nil {
			r.failed(err)
			return
		}
		r.mu.Lock()
		r.pending = r.pending[1:]
		r.mu.Unlock()
		n++
	}
}

// Pending returns how many writes wait for the backend.
func (r *Resilient) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// AddConnection implements [Store].
func (r *Resilient) AddConnection(ctx context.Context, id string) error {
	return r.write(ctx, func(ctx context.Context, s Store) error { return s.AddConnection(ctx, id) })
}

// RemoveConnection implements [Store].
func (r *Resilient) RemoveConnection(ctx context.Context, id string) error {
	return r.write(ctx, func(ctx context.Context, s Store) error { return s.RemoveConnection(ctx, id) })
}

// Connections implements [Store].
func (r *Resilient) Connections(ctx context.Context) ([]string, error) {
	return r.inner.Connections(ctx)
}

// AddVM implements [Store].
func (r *Resilient) AddVM(ctx context.Context, connID string, vm VMInfo) error {
	return r.write(ctx, func(ctx context.Context, s Store) error { return s.AddVM(ctx, connID, vm) })
}

// RemoveVM implements [Store].
func (r *Resilient) RemoveVM(ctx context.Context, connID, vmID string) error {
	return r.write(ctx, func(ctx context.Context, s Store) error { return s.RemoveVM(ctx, connID, vmID) })
}

// VMs implements [Store].
func (r *Resilient) VMs(ctx context.Context, connID string) ([]VMInfo, error) {
	return r.inner.VMs(ctx, connID)
}

// Touch implements [Store].
func (r *Resilient) Touch(ctx context.Context, connID string) error {
	return r.write(ctx, func(ctx context.Context, s Store) error { return s.Touch(ctx, connID) })
}
