package loadgen

import (
	"encoding/json"
	"math"
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

func summarize(cfg *Config, r, base *result) *summary {
	s := &summary{}
	kind := cfg.kind()
	s.add("scenario", cfg.Scenario)
	if cfg.Scenario == "gateway" {
		s.add("mode", cfg.Mode)
	}
	s.add("clients", r.clients)
	s.add("connected", r.connected)
	if r.connectErrs > 0 {
		s.add("connect_errors", r.connectErrs)
	}
	switch kind {
	case "push":
		s.add("interval_ms", cfg.Interval.Milliseconds())
	case "fanout":
		s.add("rate", cfg.Rate)
	}
	if r.window > 0 {
		s.add("duration_s", r.window.Seconds())
	}
	s.add(rateKey(cfg), r.rate())
	s.add("p50_ms", r.p(0.50))
	s.add("p99_ms", r.p(0.99))
	s.add("max_ms", pick(r.window > 0, r.lat.maxMs(), r.ttfs.maxMs()))
	switch kind {
	case "connect":
		s.add("ramp_s", r.ramp.Seconds())
		rss, heap := r.memPerConn()
		s.add("mem_per_conn_kib", rss)
		s.add("heap_per_conn_kib", heap)
		if r.rssAft > 0 {
			s.add("server_rss_mib", float64(r.rssAft)/(1<<20))
		}
	case "push", "fanout":
		var expected float64
		if kind == "push" {
			expected = float64(r.connected) * r.window.Seconds() / cfg.Interval.Seconds()
		} else {
			expected = float64(r.connected) * r.window.Seconds() * cfg.Rate
		}
		s.add("expected_per_s", expected/r.window.Seconds())
		s.add("delivered_pct", 100*float64(r.count)/expected)
		s.add("lost", r.lost)
		s.add("dropped_clients", r.dropped)
	case "roundtrip":
		s.add("dropped_clients", r.dropped)
	}
	if r.cpu > 0 {
		s.add("server_cpu_cores", r.cpu)
	}
	if r.extraCPU > 0 {
		s.add("gateway_cpu_cores", r.extraCPU)
	}
	if base == nil {
		return s
	}
	if cfg.BaselineLib != "" {
		s.add("baseline_lib", cfg.BaselineLib)
	}
	s.add("baseline_per_s", base.rate())
	s.add("baseline_p50_ms", base.p(0.50))
	s.add("baseline_p99_ms", base.p(0.99))
	if base.cpu > 0 {
		s.add("baseline_cpu_cores", base.cpu)
	}
	switch kind {
	case "connect":
		rss, heap := base.memPerConn()
		s.add("baseline_mem_per_conn_kib", rss)
		s.add("baseline_heap_per_conn_kib", heap)
	case "push", "fanout":
		if base.window > 0 {
			exp := float64(base.connected) * base.window.Seconds()
			if kind == "push" {
				exp /= cfg.Interval.Seconds()
			} else {
				exp *= cfg.Rate
			}
			s.add("baseline_delivered_pct", 100*float64(base.count)/exp)
		}
	}
	if cfg.Scenario == "gateway" {
		s.add("added_p99_ms", r.p(0.99)-base.p(0.99))
	}
	if br := base.rate(); br > 0 {
		s.add("ratio", r.rate()/br)
	}
	return s
}

func pick(c bool, a, b float64) float64 {
	if c {
		return a
	}
	return b
}
