package hub

import (
	"sync/atomic"
	"time"
)

// workerIdle is how long a lane worker waits for more work before it ends.
const workerIdle = 500 * time.Millisecond

// workers runs the lanes' drains on goroutines that outlive one drain: a
// worker that has run a message keeps its grown stack for the next one,
// where a fresh goroutine per message would grow (copy) its stack again
// on every message (a quarter of the CPU of a round trip, measured). A
// worker waits workerIdle for more work, then ends, so an idle hub holds
// none. There is no bound: a drain never waits for a worker.
type workers struct {
	work    chan func() // unbuffered: a send succeeds only to a waiting worker
	started atomic.Int64
}

func newWorkers() *workers { return &workers{work: make(chan func())} }

// Go runs f on an idle worker, or on a new one.
func (w *workers) Go(f func()) {
	select {
	case w.work <- f:
	default:
		w.started.Add(1)
		go w.run(f)
	}
}

func (w *workers) run(f func()) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		f()
		f = nil // don't keep what it holds while idle
		t.Reset(workerIdle)
		select {
		case f = <-w.work:
		case <-t.C:
			return
		}
	}
}
