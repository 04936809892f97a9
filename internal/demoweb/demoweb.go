// Package demoweb holds the demo page that `gonetify serve` shows at "/": a
// plain page using the official dotnetify client (vendored from npm
// dotnetify@5.4.0, Apache-2.0, see static/vendor) over createWebSocketHub.
package demoweb

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the demo page and its assets.
func Handler() http.Handler {
	sub, _ := fs.Sub(static, "static")
	return http.FileServerFS(sub)
}
