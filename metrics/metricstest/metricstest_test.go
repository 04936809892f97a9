package metricstest

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	s, err := Parse(strings.NewReader(`# HELP x_total An x.
# TYPE x_total counter
x_total{b="2",a="one, \"quoted\" {}"} 3
up 1
h_bucket{le="+Inf"} 4 1700000000000
g{a="1"} -2.5e-3
# TYPE lat histogram
lat_bucket{op="x",le="0.5"} 1
lat_bucket{op="x",le="+Inf"} 2
lat_sum{op="x"} 1.25
lat_count{op="x"} 2
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Samples{`x_total{a="one, \"quoted\" {}",b="2"}`: 3, "up": 1, `h_bucket{le="+Inf"}`: 4, `g{a="1"}`: -0.0025,
		`lat_bucket{le="0.5",op="x"}`: 1, `lat_bucket{le="+Inf",op="x"}`: 2, `lat_sum{op="x"}`: 1.25, `lat_count{op="x"}`: 2}
	if len(s) != len(want) {
		t.Fatalf("%v", s)
	}
	for k, v := range want {
		if s[k] != v || !s.Has(k) {
			t.Errorf("%s = %v, want %v (have %v)", k, s[k], v, s)
		}
	}
	if sum, ok := s.Sum("x_total", "b", "2"); !ok || sum != 3 {
		t.Errorf("Sum: %v %v", sum, ok)
	}
	if _, ok := s.Sum("x_total", "b", "3"); ok {
		t.Error("Sum matched a wrong label")
	}
	if _, err := Parse(strings.NewReader(`bad{a="1" 2`)); err == nil {
		t.Error("bad line accepted")
	}
}
