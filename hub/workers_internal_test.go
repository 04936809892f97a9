package hub

import (
	"runtime"
	"testing"
	"time"
)

// TestWorkersReused: tasks run one after the other reuse one worker, and
// the workers end once idle.
func TestWorkersReused(t *testing.T) {
	base := runtime.NumGoroutine()
	w := newWorkers()
	for range 100 {
		done := make(chan struct{})
		w.Go(func() { close(done) })
		<-done
		time.Sleep(time.Millisecond) // the worker is back waiting
	}
	if n := w.started.Load(); n > 3 {
		t.Fatalf("%d workers started for 100 sequential tasks, want them reused", n)
	}
	// Concurrent tasks each get a worker: none waits for another.
	release := make(chan struct{})
	running := make(chan struct{})
	for range 10 {
		w.Go(func() { running <- struct{}{}; <-release })
	}
	for range 10 {
		select {
		case <-running:
		case <-time.After(5 * time.Second):
			t.Fatal("a task waited for a busy worker")
		}
	}
	close(release)
	deadline := time.Now().Add(workerIdle + 2*time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Fatalf("%d goroutines after the workers were idle, %d before", n, base)
	}
}
