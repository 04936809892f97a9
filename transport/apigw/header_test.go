package apigw

import (
	"net/http"
	"testing"
)

// A connection keeps the client's headers of its integration request, not
// the integration secret nor how the gateway's POST was framed.
func TestConnHeader(t *testing.T) {
	h := http.Header{
		SecretHeader:      {"s3cret"},
		"Content-Type":    {"application/json"},
		"Content-Length":  {"42"},
		"Accept-Encoding": {"gzip"},
		"Authorization":   {"Bearer abc"},
		ClientIPHeader:    {"203.0.113.7"},
		"X-Forwarded-For": {"203.0.113.7", "10.0.0.1"},
	}
	got := connHeader(h)
	if len(got) != 3 || got.Get("Authorization") != "Bearer abc" || got.Get(ClientIPHeader) != "203.0.113.7" ||
		len(got.Values("X-Forwarded-For")) != 2 || got.Get(SecretHeader) != "" || got.Get("Content-Type") != "" {
		t.Fatalf("connHeader = %v", got)
	}
	// Appending to one header's values does not overwrite another's.
	got.Add("Authorization", "x")
	if got.Get(ClientIPHeader) != "203.0.113.7" || len(got.Values("X-Forwarded-For")) != 2 {
		t.Fatalf("after Add: %v", got)
	}
}
