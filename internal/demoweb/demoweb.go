// Package demoweb holds the demo app that `gonetify serve` shows at "/": a
// React app on the official dotnetify client (npm dotnetify@5.4.0), one tab
// per example, and at "/vue.html" a Vue page (dotnetify/vue with vue@3)
// showing HelloWorld, SimpleList and ChatRoom. Its source is in web/ at the repository root; `make web`
// builds it into dist/, which is committed and embedded here, so building
// gonetify needs no Node. dist/THIRD_PARTY_NOTICES.txt lists the bundled
// npm packages and their licenses.
package demoweb

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// hubs is window.GONETIFY_HUBS, the page's configuration: the direct hub
// (null: the page's own host at /ws), the API Gateway stage URL (null: none,
// and the page hides its hub switch) and which of the two it uses unless
// ?hub= picks one.
type hubs struct {
	Direct  *string `json:"direct"`
	Gateway *string `json:"gateway"`
	Default string  `json:"default"`
}

// Handler serves the demo app and its assets. hubURL is the WebSocket URL
// the page connects to by default: "" means the serving host's /ws; any
// other value (`gonetify demo` passes the emulated API Gateway's stage URL)
// is offered as the gateway, next to the direct hub. The page's
// ?hub=direct, ?hub=gateway or ?hub=<ws URL> overrides the default.
//
// /config.js sets window.GONETIFY_HUBS = {direct, gateway, default} and, as
// before, window.GONETIFY_HUB_URL = hubURL.
//
// A path that names no file and whose last segment has no extension (a
// route of the app, such as /examples/bookstore/book/the-martian, which
// dotNetify's router reads from the page's path) gets index.html, so a deep
// link opened directly loads the app; a missing file still gets 404.
func Handler(hubURL string) http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // cannot happen: dist is embedded
	}
	files := http.FileServerFS(sub)
	cfg := hubs{Default: "direct"}
	if hubURL != "" {
		cfg.Gateway, cfg.Default = &hubURL, "gateway"
	}
	hubsJSON, _ := json.Marshal(cfg)
	urlJSON, _ := json.Marshal(hubURL)
	config := fmt.Sprintf("window.GONETIFY_HUBS = %s;\nwindow.GONETIFY_HUB_URL = %s;\n", hubsJSON, urlJSON)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/config.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			fmt.Fprint(w, config)
			return
		case strings.HasPrefix(r.URL.Path, "/assets/"):
			// Vite names assets by content hash: they never change.
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		default:
			w.Header().Set("Cache-Control", "no-cache")
			if isRoute(sub, r.URL.Path) {
				r = r.Clone(r.Context())
				r.URL.Path = "/"
			}
		}
		files.ServeHTTP(w, r)
	})
}

// isRoute reports whether p is a route of the single-page app rather than
// a file: no file of fsys has that path and its last segment has no
// extension.
func isRoute(fsys fs.FS, p string) bool {
	name := strings.Trim(p, "/")
	if name == "" || strings.Contains(path.Base(name), ".") {
		return false
	}
	_, err := fs.Stat(fsys, name)
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid)
}
