package demoweb

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// reply is what a test reads of a response.
type reply struct {
	StatusCode int
	Header     http.Header
}

func get(t *testing.T, h http.Handler, path string) (reply, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	res := rec.Result()
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{res.StatusCode, res.Header}, string(body)
}

func TestIndexAndAssets(t *testing.T) {
	h := Handler("")
	res, body := get(t, h, "/")
	if res.StatusCode != 200 || !strings.Contains(body, `<div id="root">`) || !strings.Contains(body, `src="/config.js"`) {
		t.Fatalf("GET / = %d:\n%s", res.StatusCode, body)
	}
	i := strings.Index(body, `"/assets/`)
	if i < 0 {
		t.Fatalf("index.html names no asset by its absolute path:\n%s", body)
	}
	asset := body[i+1 : i+1+strings.IndexAny(body[i+1:], `"'`)]
	res, _ = get(t, h, asset)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("GET %s = %d, Cache-Control %q", asset, res.StatusCode, res.Header.Get("Cache-Control"))
	}
	if res, _ := get(t, h, "/THIRD_PARTY_NOTICES.txt"); res.StatusCode != 200 {
		t.Fatalf("GET /THIRD_PARTY_NOTICES.txt = %d", res.StatusCode)
	}
}

func TestConfigJS(t *testing.T) {
	for _, tc := range []struct{ hubURL, want string }{
		{"", `window.GONETIFY_HUBS = {"direct":null,"gateway":null,"default":"direct"};` + "\n" + `window.GONETIFY_HUB_URL = "";`},
		{"ws://127.0.0.1:8081/prod", `window.GONETIFY_HUBS = {"direct":null,"gateway":"ws://127.0.0.1:8081/prod","default":"gateway"};` + "\n" + `window.GONETIFY_HUB_URL = "ws://127.0.0.1:8081/prod";`},
	} {
		res, body := get(t, Handler(tc.hubURL), "/config.js")
		if strings.TrimSpace(body) != tc.want {
			t.Errorf("Handler(%q) /config.js:\n%s\nwant:\n%s", tc.hubURL, body, tc.want)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("Content-Type %q", ct)
		}
	}
}

// A route of the app (a deep link dotNetify's router will read) gets
// index.html, whose assets load from any path; a missing file is still
// 404, and files are still themselves.
func TestRoutesGetTheApp(t *testing.T) {
	h := Handler("")
	_, index := get(t, h, "/")
	for _, p := range []string{"/examples/bookstore", "/examples/bookstore/", "/examples/bookstore/book/the-martian", "/examples/bookstore/default"} {
		res, body := get(t, h, p)
		if res.StatusCode != 200 || body != index || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s = %d, Cache-Control %q, index.html: %v", p, res.StatusCode, res.Header.Get("Cache-Control"), body == index)
		}
	}
	for _, p := range []string{"/nope.js", "/assets/nope.js", "/examples/bookstore/cover.png"} {
		if res, _ := get(t, h, p); res.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
	}
	if _, body := get(t, h, "/vue.html"); body == index || !strings.Contains(body, "vue") {
		t.Errorf("GET /vue.html is not the Vue page")
	}
}
