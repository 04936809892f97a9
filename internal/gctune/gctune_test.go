package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		live, headroom uint64
		want           int
	}{
		{3 << 20, 64 << 20, 2133}, // a small heap may grow by the headroom
		{64 << 20, 64 << 20, 100}, // from there on, Go's default
		{500 << 20, 64 << 20, 100},
		{1 << 10, 64 << 20, 10000}, // capped
		{0, 64 << 20, 100},
	} {
		if got := Percent(tc.live, tc.headroom); got != tc.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", tc.live, tc.headroom, got, tc.want)
		}
	}
}

// TestStartTunesAfterEachCycle: with a small live heap, GOGC rises after a
// collection; stop restores it.
func TestStartTunesAfterEachCycle(t *testing.T) {
	t.Setenv("GOGC", "") // as if unset
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	stop := Start(64 << 20)
	for range 3 {
		runtime.GC()
	}
	// Finalizers run on their own goroutine, after the cycle.
	var got int
	for range 100 {
		runtime.Gosched()
		if got = debug.SetGCPercent(-2); got > 100 { // -2: read (any negative disables; restored below)
			debug.SetGCPercent(got)
			break
		}
		debug.SetGCPercent(got)
		runtime.GC()
	}
	if got <= 100 {
		t.Fatalf("GOGC = %d after collections of a small heap, want it raised", got)
	}
	stop()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC = %d after stop, want 100 restored", got)
	}
}

func TestGOGCEnvironmentWins(t *testing.T) {
	t.Setenv("GOGC", "50")
	before := debug.SetGCPercent(70)
	defer debug.SetGCPercent(before)
	stop := Start(64 << 20)
	defer stop()
	runtime.GC()
	if got := debug.SetGCPercent(70); got != 70 {
		t.Fatalf("GOGC = %d, want the operator's setting left alone", got)
	}
}
