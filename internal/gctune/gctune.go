// Package gctune keeps the garbage collector's target a minimum distance
// above the live heap.
//
// With Go's default (GOGC=100) a server whose live heap is a few MiB — a
// few hundred connections — collects every time that much has been
// allocated: hundreds of cycles a second under load, each shrinking the
// goroutines' stacks and emptying sync.Pools, so a round trip costs a
// third more CPU than it needs (measured with the outside probe, see
// docs/benchmarks.md). After each collection the tuner sets GOGC so that
// the next one starts when the heap has grown by max(live heap, headroom):
// small heaps get headroom, large ones GOGC=100 as before, so memory per
// connection at scale is unchanged.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// DefaultHeadroom is the headroom of [Start] when it is given 0.
const DefaultHeadroom = 64 << 20

var (
	mu      sync.Mutex
	running *tuner
)

type tuner struct {
	headroom uint64
	prev     int // GOGC before Start
	stopped  bool
	sample   []metrics.Sample
}

// sentinel is collected by each GC cycle; its finalizer runs the tuner.
type sentinel struct {
	t *tuner
	_ [16]byte // not a tiny allocation, so each cycle frees it
}

// Start tunes the collector until stop is called, which restores GOGC. It
// does nothing (and stop does nothing) when headroom is negative, when the
// GOGC environment variable is set (the operator chose), or when a tuner
// already runs.
func Start(headroom int64) (stop func()) {
	if headroom < 0 || os.Getenv("GOGC") != "" {
		return func() {}
	}
	if headroom == 0 {
		headroom = DefaultHeadroom
	}
	mu.Lock()
	defer mu.Unlock()
	if running != nil {
		return func() {}
	}
	t := &tuner{headroom: uint64(headroom), sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.prev = debug.SetGCPercent(100)
	running = t
	t.tune()
	t.arm()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if running == t {
			t.stopped = true
			running = nil
			debug.SetGCPercent(t.prev)
		}
	}
}

func (t *tuner) arm() {
	s := &sentinel{t: t}
	runtime.SetFinalizer(s, func(s *sentinel) {
		mu.Lock()
		defer mu.Unlock()
		if s.t.stopped {
			return
		}
		s.t.tune()
		s.t.arm()
	})
}

// tune sets GOGC from the live heap of the last cycle.
func (t *tuner) tune() {
	metrics.Read(t.sample)
	live := uint64(4 << 20) // before the first cycle: Go's minimum heap
	if v := t.sample[0].Value; v.Kind() == metrics.KindUint64 && v.Uint64() > 0 {
		live = v.Uint64()
	}
	debug.SetGCPercent(Percent(live, t.headroom))
}

// Percent is the GOGC that lets a heap of live bytes grow by
// max(live, headroom) before the next collection: 100 or more, at most
// 10,000.
func Percent(live, headroom uint64) int {
	if live == 0 || headroom <= live {
		return 100
	}
	return int(min(headroom*100/live, 10000))
}
