package origin

import (
	"net/http/httptest"
	"testing"
)

func TestAllowed(t *testing.T) {
	for _, tc := range []struct {
		origin  string
		allowed []string
		want    bool
	}{
		{"", nil, true},
		{"http://app.example", nil, true}, // same host
		{"http://evil.example", nil, false},
		{"http://evil.example", []string{"*"}, true},
		{"http://Other.example", []string{"http://other.example"}, true},
	} {
		r := httptest.NewRequest("GET", "http://app.example/ws", nil)
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := Allowed(r, tc.allowed); got != tc.want {
			t.Errorf("%q with %v: %v, want %v", tc.origin, tc.allowed, got, tc.want)
		}
	}
}
