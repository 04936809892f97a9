package loadgen

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// summary is an ordered list of key=value pairs.
type summary struct {
	keys []string
	vals []any
}

func (s *summary) add(k string, v any) {
	if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return
	}
	s.keys = append(s.keys, k)
	s.vals = append(s.vals, v)
}

func format(v any) string {
	switch x := v.(type) {
	case float64:
		if math.Abs(x) >= 100 {
			return strconv.FormatFloat(x, 'f', 0, 64)
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// line renders "SCENARIO k=v …".
func (s *summary) line(scenario string) string {
	var b strings.Builder
	b.WriteString(scenario)
	for i, k := range s.keys {
		if k == "scenario" {
			continue // it leads the line
		}
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(format(s.vals[i]))
	}
	return b.String()
}

// json renders the same pairs as one JSON object, in order.
func (s *summary) json() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range s.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		switch v := s.vals[i].(type) {
		case float64:
			b.WriteString(format(v))
		default:
			vb, _ := json.Marshal(v)
			b.Write(vb)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// rateKey names a scenario's headline rate.
func rateKey(cfg *Config) string {
	switch cfg.kind() {
	case "connect":
		return "connects_per_s"
	case "push":
		return "msgs_per_s"
	case "roundtrip":
		return "roundtrips_per_s"
	}
	if cfg.Scenario == "gateway" {
		return "pushes_per_s"
	}
	return "deliveries_per_s"
}

// figures are the numbers one measurement reports.
type figures struct {
	rate, p50, p99, max  float64
	cpu, extraCPU        float64 // cores
	redisCPU             float64 // cores
	cpuPerOp, redisPerOp float64 // CPU time per operation, µs (each round's own ratio)
	rss, heap            float64 // per connection, KiB (connect)
	rssAfter             float64 // MiB (connect)
}

func (r *result) figures(cfg *Config) figures {
	f := figures{rate: r.rate(), p50: r.p(0.50), p99: r.p(0.99), max: pick(r.window > 0, r.lat.maxMs(), r.ttfs.maxMs()),
		cpu: r.cpu, extraCPU: r.extraCPU, redisCPU: r.redisCPU, rss: math.NaN(), heap: math.NaN(), rssAfter: math.NaN()}
	f.cpuPerOp, f.redisPerOp = perOpUs(f.cpu, f.rate), perOpUs(f.redisCPU, f.rate)
	if cfg.kind() == "connect" {
		f.rss, f.heap = r.memPerConn()
		if r.rssAft > 0 {
			f.rssAfter = float64(r.rssAft) / (1 << 20)
		}
	}
	return f
}

// medianFigures is the median of each figure over rs (the measurements of
// one target, one per round).
func medianFigures(cfg *Config, rs []*result) figures {
	all := make([]figures, len(rs))
	for i, r := range rs {
		all[i] = r.figures(cfg)
	}
	med := func(get func(figures) float64) float64 {
		var v []float64
		for _, f := range all {
			if x := get(f); !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		return median(v)
	}
	return figures{
		rate: med(func(f figures) float64 { return f.rate }), p50: med(func(f figures) float64 { return f.p50 }),
		p99: med(func(f figures) float64 { return f.p99 }), max: med(func(f figures) float64 { return f.max }),
		cpu: med(func(f figures) float64 { return f.cpu }), extraCPU: med(func(f figures) float64 { return f.extraCPU }),
		redisCPU: med(func(f figures) float64 { return f.redisCPU }),
		cpuPerOp: med(func(f figures) float64 { return f.cpuPerOp }), redisPerOp: med(func(f figures) float64 { return f.redisPerOp }),
		rss: med(func(f figures) float64 { return f.rss }), heap: med(func(f figures) float64 { return f.heap }),
		rssAfter: med(func(f figures) float64 { return f.rssAfter }),
	}
}

// median of v (NaN when empty); v is reordered.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// perOpUs is CPU time per operation in microseconds: cores / (ops/s).
func perOpUs(cores, rate float64) float64 {
	if cores <= 0 || rate <= 0 {
		return math.NaN()
	}
	return cores / rate * 1e6
}

// summarize reports the measurements of the server under test (rs) and,
// when measured, of the same server without Redis (mem) and of the
// baseline (base): one of each per round, medians when there are several.
func summarize(cfg *Config, rs, mem, base []*result) *summary {
	s := &summary{}
	kind := cfg.kind()
	f := medianFigures(cfg, rs)
	s.add("scenario", cfg.Scenario)
	if cfg.Scenario == "gateway" {
		s.add("mode", cfg.Mode)
	}
	if cfg.Redis != "" {
		s.add("state", "redis")
	}
	if cfg.Rounds > 1 {
		s.add("rounds", cfg.Rounds)
	}
	// Clients connected: the fewest of any round; errors and losses: the sum.
	connected, window := rs[0].connected, 0.0
	var connectErrs, lost, dropped int64
	for _, r := range rs {
		connected = min(connected, r.connected)
		connectErrs += r.connectErrs
		lost += r.lost
		dropped += r.dropped
		window += r.window.Seconds()
	}
	r := rs[len(rs)-1]
	s.add("clients", r.clients)
	s.add("connected", connected)
	if connectErrs > 0 {
		s.add("connect_errors", connectErrs)
	}
	switch kind {
	case "push":
		s.add("interval_ms", cfg.Interval.Milliseconds())
	case "fanout":
		s.add("rate", cfg.Rate)
	}
	if window > 0 {
		s.add("duration_s", window/float64(len(rs)))
	}
	s.add(rateKey(cfg), f.rate)
	s.add("p50_ms", f.p50)
	s.add("p99_ms", f.p99)
	s.add("max_ms", f.max)
	switch kind {
	case "connect":
		s.add("ramp_s", r.ramp.Seconds())
		s.add("mem_per_conn_kib", f.rss)
		s.add("heap_per_conn_kib", f.heap)
		s.add("server_rss_mib", f.rssAfter)
	case "push", "fanout":
		var expected, count float64
		for _, r := range rs {
			if kind == "push" {
				expected += float64(r.connected) * r.window.Seconds() / cfg.Interval.Seconds()
			} else {
				expected += float64(r.connected) * r.window.Seconds() * cfg.Rate
			}
			count += float64(r.count)
		}
		s.add("expected_per_s", expected/window)
		s.add("delivered_pct", 100*count/expected)
		s.add("lost", lost)
		s.add("dropped_clients", dropped)
	case "roundtrip":
		s.add("dropped_clients", dropped)
	}
	if f.cpu > 0 {
		s.add("server_cpu_cores", f.cpu)
		if kind == "roundtrip" {
			s.add("server_cpu_us_per_roundtrip", f.cpuPerOp)
		}
		if cfg.Scenario == "gateway" && kind == "fanout" {
			s.add("server_cpu_us_per_push", f.cpuPerOp)
		}
	}
	if f.extraCPU > 0 {
		s.add("gateway_cpu_cores", f.extraCPU)
	}
	if cfg.Redis != "" {
		s.add("redis_cpu_cores", f.redisCPU)
		if kind == "roundtrip" {
			s.add("redis_cpu_us_per_roundtrip", f.redisPerOp)
		}
	}
	if len(mem) > 0 {
		m := medianFigures(cfg, mem)
		var dropped int64
		for _, r := range mem {
			dropped += r.dropped
		}
		s.add("memory_"+rateKey(cfg), m.rate)
		s.add("memory_p50_ms", m.p50)
		s.add("memory_p99_ms", m.p99)
		if kind == "roundtrip" {
			s.add("memory_dropped_clients", dropped)
		}
		if m.cpu > 0 {
			s.add("memory_server_cpu_cores", m.cpu)
			if kind == "roundtrip" {
				s.add("memory_server_cpu_us_per_roundtrip", m.cpuPerOp)
			}
		}
		if m.rate > 0 {
			s.add("redis_vs_memory", f.rate/m.rate)
		}
	}
	if len(base) == 0 {
		return s
	}
	b := medianFigures(cfg, base)
	if cfg.BaselineLib != "" {
		s.add("baseline_lib", cfg.BaselineLib)
	}
	s.add("baseline_per_s", b.rate)
	s.add("baseline_p50_ms", b.p50)
	s.add("baseline_p99_ms", b.p99)
	if b.cpu > 0 {
		s.add("baseline_cpu_cores", b.cpu)
	}
	switch kind {
	case "connect":
		s.add("baseline_mem_per_conn_kib", b.rss)
		s.add("baseline_heap_per_conn_kib", b.heap)
	case "push", "fanout":
		var exp, count float64
		for _, br := range base {
			if br.window <= 0 {
				continue
			}
			e := float64(br.connected) * br.window.Seconds()
			if kind == "push" {
				e /= cfg.Interval.Seconds()
			} else {
				e *= cfg.Rate
			}
			exp += e
			count += float64(br.count)
		}
		if exp > 0 {
			s.add("baseline_delivered_pct", 100*count/exp)
		}
	}
	if cfg.Scenario == "gateway" {
		s.add("added_p99_ms", f.p99-b.p99)
	}
	if b.rate > 0 {
		s.add("ratio", f.rate/b.rate)
	}
	return s
}

func pick(c bool, a, b float64) float64 {
	if c {
		return a
	}
	return b
}
