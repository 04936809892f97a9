// Package demoweb holds the demo page that `gonetify serve` shows at "/": a
// plain page using the official dotnetify client (vendored from npm
// dotnetify@5.4.0, Apache-2.0, see static/vendor) over createWebSocketHub.
package demoweb

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the demo page and its assets. hubURL is the WebSocket URL
// the page connects to ("" means the serving host's /ws; a ?hub= query
// parameter overrides both).
func Handler(hubURL string) http.Handler {
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	cfg, _ := json.Marshal(hubURL)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/config.js" {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			fmt.Fprintf(w, "window.GONETIFY_HUB_URL = %s;\n", cfg)
			return
		}
		files.ServeHTTP(w, r)
	})
}
