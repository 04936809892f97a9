package loadgen

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("median(nil) = %v, want NaN", got)
	}
}

func TestParseRedisCPU(t *testing.T) {
	info := "# CPU\r\nused_cpu_sys:1.500000\r\nused_cpu_user:2.250000\r\nused_cpu_sys_children:9.0\r\nused_cpu_user_main_thread:8.0\r\n"
	if got, want := parseRedisCPU(info), 3750*time.Millisecond; got != want {
		t.Errorf("parseRedisCPU = %v, want %v", got, want)
	}
}

// The summary with --redis --compare-memory --rounds: medians of each
// target, the CPU per round trip (the median of each round's), and the
// ratio.
func TestSummarizeRedisCompare(t *testing.T) {
	cfg := &Config{Scenario: "roundtrip", Redis: "redis://x/1", CompareMemory: true, Rounds: 3}
	mk := func(count uint64, cpu, redisCPU float64) *result {
		r := &result{clients: 10, connected: 10, window: time.Second, count: count, cpu: cpu, redisCPU: redisCPU}
		for range 5 {
			r.lat.add(time.Millisecond)
		}
		return r
	}
	ours := []*result{mk(900, 0.9, 0.1), mk(1000, 1.0, 0.2), mk(5000, 2.0, 0.3)}
	mem := []*result{mk(2000, 1.0, 0), mk(1000, 0.4, 0), mk(1500, 0.6, 0)}
	line := summarize(cfg, ours, mem, nil).line("roundtrip")
	for _, want := range []string{"state=redis", "rounds=3", "roundtrips_per_s=1000 ", "server_cpu_cores=1.00", "server_cpu_us_per_roundtrip=1000 ",
		"redis_cpu_us_per_roundtrip=111 ", "memory_roundtrips_per_s=1500 ", "memory_server_cpu_us_per_roundtrip=400 ", "redis_vs_memory=0.67"} {
		if !strings.Contains(line+" ", want) {
			t.Errorf("summary %q lacks %q", line, want)
		}
	}
}
