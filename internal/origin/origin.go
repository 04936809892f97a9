// Package origin decides which browser origins may open a connection.
package origin

import (
	"net/http"
	"net/url"
	"strings"
)

// Allowed reports whether r's Origin may connect: requests without one
// (non-browser clients) may, as may origins listed in allowed ("*" for
// any), and the server's own origin (same host).
func Allowed(r *http.Request, allowed []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	for _, o := range allowed {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}
