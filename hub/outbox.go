package hub

import (
	"sync"
	"sync/atomic"
)

// outbox serializes taking a VM's changes and sending them, so its frames
// leave in the order of its state. A flush asked for while another is
// under way (by another goroutine, or by the same one: a filter calling
// PushUpdates from inside a push) is never waited for: the flush under
// way runs it once it is done.
type outbox struct {
	mu   sync.Mutex
	want atomic.Bool
}

// flush runs fn now, or has the current holder run it after its own work.
func (o *outbox) flush(fn func()) {
	o.want.Store(true)
	for o.want.Load() {
		if !o.mu.TryLock() {
			return // the holder sees want and runs fn
		}
		for o.want.Swap(false) {
			fn()
		}
		o.mu.Unlock()
	}
}

// tryFlush runs fn now if nobody holds the outbox; fn reports whether it
// did its work (false: it could not, try later). tryFlush reports whether
// fn ran and did it. Flushes asked for meanwhile are run after (with
// pending), in a goroutine: the caller must not wait.
func (o *outbox) tryFlush(fn func() bool, pending func()) bool {
	if !o.mu.TryLock() {
		return false
	}
	done := fn()
	o.mu.Unlock()
	if o.want.Load() {
		go o.flush(pending)
	}
	return done
}

// hold runs fn holding the outbox, waiting for it if need be; flushes
// asked for meanwhile are run after (with pending).
func (o *outbox) hold(fn func(), pending func()) {
	o.mu.Lock()
	fn()
	o.release(pending)
}

// release unlocks, then runs a flush asked for while the lock was held.
func (o *outbox) release(pending func()) {
	o.mu.Unlock()
	if pending != nil && o.want.Load() {
		o.flush(pending)
	}
}
