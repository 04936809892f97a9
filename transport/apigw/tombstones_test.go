package apigw

import (
	"testing"
	"time"
)

func TestTombstonesExpireAndStayBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	ts := newTombstones(time.Minute)
	ts.now = func() time.Time { return now }
	ts.bury("a")
	if !ts.buried("a") || ts.buried("b") {
		t.Fatal("a must be buried, b not")
	}
	now = now.Add(2 * time.Minute)
	if ts.buried("a") {
		t.Fatal("a must be forgotten after the TTL")
	}
	ts.bury("b") // sweeps the expired a
	if ts.len() != 1 {
		t.Fatalf("%d ids kept, want 1", ts.len())
	}
	for i := 0; i < maxTombstones+10; i++ {
		ts.bury(string(rune('A'+i%26)) + string(rune(i)))
	}
	if n := ts.len(); n > maxTombstones {
		t.Fatalf("%d ids kept, bound is %d", n, maxTombstones)
	}
}
