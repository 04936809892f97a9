package webapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/transport/webapi"
	"github.com/gonetify/gonetify/vm"
)

type Person struct {
	vm.Base
	FirstName string
	LastName  string
	_         vm.Computed `vm:"FullName"`
}

func (p *Person) FullName() string { return p.FirstName + " " + p.LastName }

func (p *Person) SetFirstName(s string) { p.FirstName = s; p.Changed("FullName") }

type env struct {
	url     string
	h       *hub.Hub
	mu      sync.Mutex
	headers []string // Authorization seen by the middleware, per call
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{}
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Person](reg, "Person"))
	e.h = hub.New(reg, hub.Options{Middlewares: []hub.Middleware{func(x *hub.Context, next func() error) error {
		e.mu.Lock()
		e.headers = append(e.headers, string(x.CallType)+":"+x.Header("authorization"))
		e.mu.Unlock()
		return next()
	}}})
	mux := http.NewServeMux()
	mux.Handle("GET /", http.NotFoundHandler())
	mux.HandleFunc("POST /api/dotnetify/vm/disconnect", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "gateway") })
	webapi.Register(mux, e.h, webapi.Options{MaxBody: 1024})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

func (e *env) do(t *testing.T, method, path, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func obj(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %q", s)
	}
	return m
}

func TestGet(t *testing.T) {
	e := setup(t)
	code, body := e.do(t, "GET", "/api/dotnetify/vm/Person", "", nil)
	if m := obj(t, body); code != 200 || m["FullName"] != " " {
		t.Fatalf("%d %s", code, body)
	}
	// vmarg raw, as the client sends it: quotes escaped, & and + not.
	code, body = e.do(t, "GET", `/api/dotnetify/vm/Person?vmarg={%22FirstName%22:%22a%20b&c+d=e%22,%22LastName%22:%22Z%22}`, "", nil)
	if m := obj(t, body); code != 200 || m["FullName"] != "a b&c+d=e Z" {
		t.Fatalf("%d %s", code, body)
	}
	// Properly encoded too.
	code, body = e.do(t, "GET", `/api/dotnetify/vm/Person?vmArg=%7B%22LastName%22%3A%22Q%22%7D`, "", nil)
	if m := obj(t, body); code != 200 || m["LastName"] != "Q" {
		t.Fatalf("%d %s", code, body)
	}
	if s := e.h.Stats(); s.Connections != 0 || s.VMs != 0 {
		t.Fatalf("stateless: left %+v", s)
	}
}

func TestPost(t *testing.T) {
	e := setup(t)
	code, body := e.do(t, "POST", `/api/dotnetify/vm/Person?vmarg={%22LastName%22:%22Doe%22}`, `{"FirstName":"John"}`, map[string]string{"Content-Type": "application/json"})
	m := obj(t, body)
	if code != 200 || m["FullName"] != "John Doe" {
		t.Fatalf("%d %s", code, body)
	}
	if _, echoed := m["FirstName"]; echoed {
		t.Fatalf("the dispatched value is echoed: %s", body)
	}
	// Nothing changed → 204.
	if code, body := e.do(t, "POST", "/api/dotnetify/vm/Person", `{"NoSuchProp":1}`, nil); code != 204 || body != "" {
		t.Fatalf("no change: %d %q", code, body)
	}
	if code, _ := e.do(t, "POST", "/api/dotnetify/vm/Person", ``, nil); code != 204 {
		t.Fatalf("empty body: %d", code)
	}
	// The gateway route keeps its requests.
	if code, body := e.do(t, "POST", "/api/dotnetify/vm/disconnect", `{}`, nil); code != 200 || body != "gateway" {
		t.Fatalf("disconnect route: %d %q", code, body)
	}
	if s := e.h.Stats(); s.Connections != 0 || s.VMs != 0 {
		t.Fatalf("stateless: left %+v", s)
	}
}

func TestDelete(t *testing.T) {
	e := setup(t)
	if code, body := e.do(t, "DELETE", "/api/dotnetify/vm/Person", "", nil); code != 200 || body != "" {
		t.Fatalf("%d %q", code, body)
	}
}

func TestHeadersReachPipeline(t *testing.T) {
	e := setup(t)
	e.do(t, "POST", "/api/dotnetify/vm/Person", `{"FirstName":"A"}`, map[string]string{"Authorization": "Bearer tok"})
	e.mu.Lock()
	defer e.mu.Unlock()
	got := strings.Join(e.headers, " ")
	for _, want := range []string{"Request_VM:Bearer tok", "Update_VM:Bearer tok", "Response_VM:Bearer tok"} {
		if !strings.Contains(got, want) {
			t.Fatalf("pipeline saw %q, want %q", got, want)
		}
	}
}

func TestErrorsAndHostileInput(t *testing.T) {
	e := setup(t)
	for _, tc := range []struct {
		method, path, body string
		code               int
		exception          string
	}{
		{"GET", "/api/dotnetify/vm/Nope", "", 200, "Exception"},
		{"POST", "/api/dotnetify/vm/Nope", `{"A":1}`, 200, "Exception"},
		{"GET", "/api/dotnetify/vm/Person?vmarg={bad", "", 200, "ArgumentException"},
		{"GET", "/api/dotnetify/vm/Person?vmarg=%zz", "", 200, "ArgumentException"},
		{"POST", "/api/dotnetify/vm/Person", `[1,2]`, 200, "ArgumentException"},
		{"POST", "/api/dotnetify/vm/Person", `not json`, 200, "ArgumentException"},
		{"POST", "/api/dotnetify/vm/Person", `{"FirstName":"` + strings.Repeat("x", 2000) + `"}`, 413, ""},
		{"PUT", "/api/dotnetify/vm/Person", ``, 405, ""},
	} {
		code, body := e.do(t, tc.method, tc.path, tc.body, nil)
		if code != tc.code {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, code, body, tc.code)
			continue
		}
		if tc.exception != "" {
			if m := obj(t, body); m["ExceptionType"] != tc.exception || m["Message"] == "" {
				t.Errorf("%s %s: %s, want %s", tc.method, tc.path, body, tc.exception)
			}
		}
	}
	if code, body := e.do(t, "GET", "/api/dotnetify/vm/Person", "", nil); code != 200 || obj(t, body)["FullName"] != " " {
		t.Fatalf("still serving: %d %s", code, body)
	}
	if s := e.h.Stats(); s.Connections != 0 || s.VMs != 0 {
		t.Fatalf("left %+v", s)
	}
}
