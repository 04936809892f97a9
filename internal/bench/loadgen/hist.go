package loadgen

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// hist is a concurrent latency histogram in microseconds with about 1%
// precision (256 exact buckets, then 128 per power of two).
type hist struct {
	b   [256 + 48*128]atomic.Uint64
	n   atomic.Uint64
	max atomic.Int64
}

func bucketOf(v uint64) int {
	if v < 256 {
		return int(v)
	}
	shift := bits.Len64(v) - 8
	i := 256 + (shift-1)*128 + int(v>>shift) - 128 //nolint:gosec // v>>shift has 8 bits
	if i >= 256+48*128 {
		i = 256 + 48*128 - 1
	}
	return i
}

// bucketMid returns the middle of bucket i, in microseconds.
func bucketMid(i int) float64 {
	if i < 256 {
		return float64(i) + 0.5
	}
	shift := (i-256)/128 + 1
	m := uint64((i-256)%128 + 128)
	lo := m << shift
	return float64(lo) + float64(uint64(1)<<shift)/2
}

func (h *hist) add(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	h.b[bucketOf(uint64(us))].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			break
		}
	}
}

func (h *hist) count() uint64 { return h.n.Load() }

// quantileMs returns the q quantile (0..1) in milliseconds, 0 when empty.
func (h *hist) quantileMs(q float64) float64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	want := uint64(q*float64(n) + 0.5)
	if want < 1 {
		want = 1
	}
	var seen uint64
	for i := range h.b {
		seen += h.b[i].Load()
		if seen >= want {
			return bucketMid(i) / 1000
		}
	}
	return float64(h.max.Load()) / 1000
}

func (h *hist) maxMs() float64 { return float64(h.max.Load()) / 1000 }
