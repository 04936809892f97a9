// Package metricstest reads the Prometheus text exposition format, for
// tests that scrape /metrics.
package metricstest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
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
			if !strings.Contains("{"+ls, "{"+labels[i]+"="+strconv.Quote(labels[i+1])) &&
				!strings.Contains(ls, ","+labels[i]+"="+strconv.Quote(labels[i+1])) {
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

// Parse reads a scrape in the text format.
func Parse(r io.Reader) (Samples, error) {
	out := Samples{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		series, value, err := splitSample(line)
		if err != nil {
			return nil, fmt.Errorf("metricstest: %q: %w", line, err)
		}
		out[series] = value
	}
	return out, sc.Err()
}

// splitSample splits `name{labels} value [timestamp]`, normalizing the
// label order.
func splitSample(line string) (string, float64, error) {
	name, rest := line, ""
	var labels []string
	if i := strings.IndexByte(line, '{'); i >= 0 {
		name = line[:i]
		j := i + 1
		for j < len(line) && line[j] != '}' {
			eq := strings.IndexByte(line[j:], '=')
			if eq < 0 || j+eq+1 >= len(line) || line[j+eq+1] != '"' {
				return "", 0, fmt.Errorf("bad labels")
			}
			k := line[j : j+eq]
			v := j + eq + 2 // after the opening quote
			for v < len(line) && line[v] != '"' {
				if line[v] == '\\' {
					v++
				}
				v++
			}
			if v >= len(line) {
				return "", 0, fmt.Errorf("unterminated label value")
			}
			labels = append(labels, k+"="+line[j+eq+1:v+1])
			j = v + 1
			if j < len(line) && line[j] == ',' {
				j++
			}
		}
		if j >= len(line) {
			return "", 0, fmt.Errorf("unterminated labels")
		}
		rest = line[j+1:]
	} else if i := strings.IndexByte(line, ' '); i >= 0 {
		name, rest = line[:i], line[i:]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", 0, fmt.Errorf("no value")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return "", 0, err
	}
	if len(labels) == 0 {
		return name, v, nil
	}
	sort.Strings(labels)
	return name + "{" + strings.Join(labels, ",") + "}", v, nil
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
