package hub

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A flush asked for from inside a flush (a filter's PushUpdates) does not
// deadlock: it runs once the outer one is done.
func TestOutboxReentrantFlush(t *testing.T) {
	var o outbox
	var runs atomic.Int32
	done := make(chan struct{})
	go func() {
		var fn func()
		fn = func() {
			if runs.Add(1) == 1 {
				o.flush(fn) // re-entrant
			}
		}
		o.flush(fn)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("re-entrant flush deadlocked")
	}
	if runs.Load() != 2 {
		t.Fatalf("flush ran %d times, want 2 (the outer one, then the one asked for inside it)", runs.Load())
	}
}

// Flushes asked for while another goroutine holds the outbox are run by
// it before it lets go; none is lost.
func TestOutboxFlushDuringHold(t *testing.T) {
	var o outbox
	var pending atomic.Int32
	hold := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		o.hold(func() { close(hold); <-release }, func() { pending.Add(1) })
	}()
	<-hold
	o.flush(func() { t.Error("ran by the asker while the outbox was held") })
	o.tryFlush(func() bool { t.Error("tryFlush ran while held"); return true }, nil)
	close(release)
	wg.Wait()
	if pending.Load() != 1 {
		t.Fatalf("the flush asked for during the hold ran %d times, want 1", pending.Load())
	}
}
