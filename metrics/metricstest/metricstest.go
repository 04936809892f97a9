// Package metricstest reads the Prometheus text exposition format (with
// github.com/prometheus/common/expfmt), for tests that scrape /metrics.
package metricstest

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Samples are the samples of one scrape by series: the metric name, then
// its labels sorted by name, as in `name{a="1",b="2"}` (just `name` without
// labels).
type Samples map[string]float64

// Has reports whether the scrape has the series.
func (s Samples) Has(series string) bool { _, ok := s[series]; return ok }

// Sum adds the samples of metric name whose labels include every one of
// labels (pairs of name and value): a sum over the others.
func (s Samples) Sum(name string, labels ...string) (sum float64, found bool) {
	for series, v := range s {
		n, ls, _ := strings.Cut(series, "{")
		if n != name {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains("{"+ls, "{"+labels[i]+"="+quote(labels[i+1])) &&
				!strings.Contains(ls, ","+labels[i]+"="+quote(labels[i+1])) {
				ok = false
				break
			}
		}
		if ok {
			sum, found = sum+v, true
		}
	}
	return sum, found
}

// Parse reads a scrape in the text format (with the Prometheus parser,
// github.com/prometheus/common/expfmt). Histograms and summaries become the
// series the text shows: name_bucket{le=…}, name{quantile=…}, name_sum and
// name_count.
func Parse(r io.Reader) (Samples, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("metricstest: %w", err)
	}
	out := Samples{}
	for name, mf := range families {
		for _, m := range mf.GetMetric() {
			labels := make([]string, 0, len(m.GetLabel())+1)
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+quote(l.GetValue()))
			}
			add := func(name string, v float64, extra ...string) {
				ls := append(slices.Clip(labels), extra...)
				if len(ls) == 0 {
					out[name] = v
					return
				}
				sort.Strings(ls)
				out[name+"{"+strings.Join(ls, ",")+"}"] = v
			}
			switch {
			case m.Counter != nil:
				add(name, m.Counter.GetValue())
			case m.Gauge != nil:
				add(name, m.Gauge.GetValue())
			case m.Untyped != nil:
				add(name, m.Untyped.GetValue())
			case m.Histogram != nil:
				h := m.Histogram
				for _, b := range h.GetBucket() {
					add(name+"_bucket", float64(b.GetCumulativeCount()), "le="+quote(formatFloat(b.GetUpperBound())))
				}
				add(name+"_sum", h.GetSampleSum())
				add(name+"_count", float64(h.GetSampleCount()))
			case m.Summary != nil:
				sm := m.Summary
				for _, q := range sm.GetQuantile() {
					add(name, q.GetValue(), "quantile="+quote(formatFloat(q.GetQuantile())))
				}
				add(name+"_sum", sm.GetSampleSum())
				add(name+"_count", float64(sm.GetSampleCount()))
			}
		}
	}
	return out, nil
}

// quote writes a label value as the text format does.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}

// formatFloat writes a bucket bound or quantile as the text format does.
func formatFloat(f float64) string {
	if math.IsInf(f, +1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Scrape GETs url (a /metrics endpoint) and parses it.
func Scrape(url string) (Samples, error) {
	resp, err := http.Get(url) //nolint:gosec // the test's own /metrics endpoint
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return Parse(resp.Body)
}
