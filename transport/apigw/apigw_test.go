package apigw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/vm"
)

type Counter struct {
	vm.Base
	Count int
	_     vm.Commands `vm:"Increment"`
}

func (c *Counter) Increment() { c.Count++; c.Changed("Count") }

// fakeGateway records @connections posts and answers with a status chosen
// per connection id.
type fakeGateway struct {
	mu     sync.Mutex
	posts  map[string][]string // connection id -> bodies, in order
	paths  []string
	status map[string][]int // answers to give, in turn (then 200)
	gone   map[string]bool  // GetConnection answers 410
	signed bool
}

func (g *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Method == http.MethodGet { // GetConnection: alive unless marked gone
		if g.gone[id] {
			w.Header().Set("X-Amzn-ErrorType", "GoneException")
			w.WriteHeader(http.StatusGone)
			return
		}
		_, _ = w.Write([]byte(`{"connectedAt":"2026-01-01T00:00:00.000Z","identity":{"sourceIp":"127.0.0.1","userAgent":""},"lastActiveAt":"2026-01-01T00:00:00.000Z"}`))
		return
	}
	g.paths = append(g.paths, r.URL.EscapedPath())
	g.signed = strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/")
	if st := g.status[id]; len(st) > 0 {
		g.status[id] = st[1:]
		if st[0] != 200 {
			w.Header().Set("X-Amzn-ErrorType", "SomeException")
			w.WriteHeader(st[0])
			_, _ = w.Write([]byte(`{"message":"nope"}`))
			return
		}
	}
	g.posts[id] = append(g.posts[id], string(body))
}

func (g *fakeGateway) bodies(id string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.posts[id]...)
}

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

type env struct {
	h     *hub.Hub
	srv   *httptest.Server
	gw    *fakeGateway
	store *store.Memory
	logs  *logBuf
	s     *apigw.Server
}

func setup(t *testing.T, connURLSuffix, secret string) *env {
	t.Helper()
	gw := &fakeGateway{posts: map[string][]string{}, status: map[string][]int{}, gone: map[string]bool{}}
	return setupWith(t, gw, store.NewMemory(), connURLSuffix, secret)
}

// setupWith starts an app server on a given gateway and store (a second
// server, or the same one restarted, shares them).
func setupWith(t *testing.T, gw *fakeGateway, st *store.Memory, connURLSuffix, secret string, more ...func(*apigw.Options)) *env {
	t.Helper()
	gsrv := httptest.NewServer(gw)
	t.Cleanup(gsrv.Close)
	logs := &logBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Counter](reg, "Counter"))
	var s *apigw.Server
	h := hub.New(reg, hub.Options{Logger: log})
	var err error
	opts := apigw.Options{
		ConnectionURL: gsrv.URL + "/prod" + connURLSuffix,
		Region:        "eu-west-1",
		Credentials:   credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Secret:        secret,
		Store:         st,
		Logger:        log,
	}
	for _, f := range more {
		f(&opts)
	}
	s, err = apigw.New(context.Background(), h, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{h, srv, gw, st, logs, s}
}

func (e *env) call(t *testing.T, path, body string, hdr ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func message(conn, callType, vmID, key, inner string) string {
	p := map[string]string{"callType": callType, "vmId": vmID}
	if key != "" {
		p[key] = inner
	}
	b, _ := json.Marshal(map[string]any{"connectionId": conn, "payload": p})
	return string(b)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFlowAndTrailingSlash(t *testing.T) {
	for _, suffix := range []string{"/@connections", "/@connections/", "", "/"} {
		t.Run("url"+suffix, func(t *testing.T) {
			e := setup(t, suffix, "")
			if code, body := e.call(t, "/api/dotnetify/vm", `{"connectionId":"AbC="}`); code != 200 || body != "" {
				t.Fatalf("$connect: %d %q", code, body)
			}
			code, body := e.call(t, "/api/dotnetify/vm", message("AbC=", "request_vm", "Counter", "vmArgs", "{}"))
			if code != 200 || body != "" {
				t.Fatalf("request: %d %q (the body would be relayed to the client)", code, body)
			}
			e.call(t, "/api/dotnetify/vm", message("AbC=", "update_vm", "Counter", "value", `{"Increment":null}`))
			waitFor(t, "two pushes", func() bool { return len(e.gw.bodies("AbC=")) == 2 })
			got := e.gw.bodies("AbC=")
			if got[0] != `{"callType":"response_vm","vmId":"Counter","data":"{\"Count\":0,\"Increment\":null}"}` ||
				got[1] != `{"callType":"response_vm","vmId":"Counter","data":"{\"Count\":1}"}` {
				t.Fatalf("pushes %v", got)
			}
			e.gw.mu.Lock()
			path, signed := e.gw.paths[0], e.gw.signed
			e.gw.mu.Unlock()
			if path != "/prod/@connections/AbC%3D" || !signed {
				t.Fatalf("push path %q signed=%v", path, signed)
			}
			if vms, _ := e.store.VMs(context.Background(), "AbC="); len(vms) != 1 || vms[0].VMArgs != "{}" {
				t.Fatalf("store %v", vms)
			}
			e.call(t, "/api/dotnetify/vm/disconnect", `{"connectionId":"AbC="}`)
			if st := e.h.Stats(); st.VMs != 0 || st.Connections != 0 {
				t.Fatalf("after $disconnect: %+v", st)
			}
			if conns, _ := e.store.Connections(context.Background()); len(conns) != 0 {
				t.Fatalf("store still has %v", conns)
			}
		})
	}
}

func TestGoneForgetsConnection(t *testing.T) {
	e := setup(t, "/@connections/", "")
	e.gw.status["gone="] = []int{410}
	e.call(t, "/api/dotnetify/vm", message("gone=", "request_vm", "Counter", "vmArgs", "{}"))
	waitFor(t, "VMs disposed after 410", func() bool { return e.h.Stats().VMs == 0 && e.h.Stats().Connections == 0 })
	if conns, _ := e.store.Connections(context.Background()); len(conns) != 0 {
		t.Fatalf("store still has %v", conns)
	}
}

func TestRefusedPushIsLogged(t *testing.T) {
	e := setup(t, "", "")
	e.gw.status["x="] = []int{403}
	e.call(t, "/api/dotnetify/vm", message("x=", "request_vm", "Counter", "vmArgs", "{}"))
	waitFor(t, "log line", func() bool {
		return strings.Contains(e.logs.String(), "Integration callback responds with 403 Forbidden")
	})
}

func TestThrottledPushIsRetriedInOrder(t *testing.T) {
	e := setup(t, "", "")
	e.gw.status["r="] = []int{429, 503}
	e.call(t, "/api/dotnetify/vm", message("r=", "request_vm", "Counter", "vmArgs", "{}"))
	for i := 0; i < 3; i++ {
		e.call(t, "/api/dotnetify/vm", message("r=", "update_vm", "Counter", "value", `{"Increment":null}`))
	}
	waitFor(t, "all pushes", func() bool { return len(e.gw.bodies("r=")) == 4 })
	for i, b := range e.gw.bodies("r=")[1:] {
		if want := `{\"Count\":` + string(rune('1'+i)) + `}`; !strings.Contains(b, want) {
			t.Fatalf("push %d out of order: %s", i+1, b)
		}
	}
}

func TestBadIntegrationCalls(t *testing.T) {
	e := setup(t, "", "s3cret")
	ok := []string{apigw.SecretHeader, "s3cret"}
	for _, tc := range []struct {
		name, body string
		hdr        []string
		code       int
	}{
		{"no secret", `{"connectionId":"a="}`, nil, 401},
		{"wrong secret", `{"connectionId":"a="}`, []string{apigw.SecretHeader, "guess"}, 401},
		{"garbage", `{{{`, ok, 400},
		{"no connection id", `{"payload":{"callType":"request_vm","vmId":"Counter"}}`, ok, 400},
		{"payload not an object", `{"connectionId":"a=","payload":"hi"}`, ok, 400},
		{"no vmId", `{"connectionId":"a=","payload":{"callType":"request_vm"}}`, ok, 400},
		{"3 MB body", `{"connectionId":"a=","payload":"` + strings.Repeat("x", 3<<20) + `"}`, ok, 413},
	} {
		code, body := e.call(t, "/api/dotnetify/vm", tc.body, tc.hdr...)
		if code != tc.code || !json.Valid([]byte(body)) {
			t.Errorf("%s: %d %s, want %d with a JSON body", tc.name, code, body, tc.code)
		}
	}
	if st := e.h.Stats(); st.Connections != 0 || st.VMs != 0 {
		t.Fatalf("refused calls created state: %+v", st)
	}
	// The server still serves a good call.
	if code, _ := e.call(t, "/api/dotnetify/vm", message("a=", "request_vm", "Counter", "vmArgs", "{}"), ok...); code != 200 {
		t.Fatalf("good call after bad ones: %d", code)
	}
	waitFor(t, "push", func() bool { return len(e.gw.bodies("a=")) == 1 })
}

// TestRestoreAfterRestart: a new server on the same store re-creates the
// VMs of live connections without sending them anything, forgets dead ones,
// and the next update gets a correct reaction.
func TestRestoreAfterRestart(t *testing.T) {
	e := setup(t, "", "")
	for _, id := range []string{"live=", "dead="} {
		e.call(t, "/api/dotnetify/vm", message(id, "request_vm", "Counter", "vmArgs", `{"$vmArg":{"Count":5}}`))
	}
	waitFor(t, "initial pushes", func() bool { return len(e.gw.bodies("live=")) == 1 && len(e.gw.bodies("dead=")) == 1 })
	e.gw.gone["dead="] = true

	restarted := setupWith(t, e.gw, e.store, "", "")
	st, err := restarted.s.Restore(context.Background())
	if err != nil || st.Alive != 1 || st.Gone != 1 || st.VMs != 1 {
		t.Fatalf("restore: %+v, %v", st, err)
	}
	if n := len(e.gw.bodies("live=")); n != 1 {
		t.Fatalf("restore sent the client %d frames; want none", n-1)
	}
	if conns, _ := e.store.Connections(context.Background()); len(conns) != 1 || conns[0] != "live=" {
		t.Fatalf("store keeps %v", conns)
	}
	restarted.call(t, "/api/dotnetify/vm", message("live=", "update_vm", "Counter", "value", `{"Increment":null}`))
	waitFor(t, "reaction", func() bool { return len(e.gw.bodies("live=")) == 2 })
	if got := e.gw.bodies("live=")[1]; !strings.Contains(got, `{\"Count\":6}`) {
		t.Fatalf("reaction after restore %s: the VM lost its vmArg", got)
	}
}

// TestUpdateOnAnotherServer: an update reaching a server that never saw
// the VM re-creates it from the shared store (EnsureVMExistsOnUpdate, with
// its arguments) before applying it.
func TestUpdateOnAnotherServer(t *testing.T) {
	a := setup(t, "", "")
	a.call(t, "/api/dotnetify/vm", message("x=", "request_vm", "Counter", "vmArgs", `{"$vmArg":{"Count":41}}`))
	waitFor(t, "initial push", func() bool { return len(a.gw.bodies("x=")) == 1 })
	b := setupWith(t, a.gw, a.store, "", "")
	b.call(t, "/api/dotnetify/vm", message("x=", "update_vm", "Counter", "value", `{"Increment":null}`))
	waitFor(t, "reaction from b", func() bool { return len(a.gw.bodies("x=")) == 2 })
	if got := a.gw.bodies("x=")[1]; got != `{"callType":"response_vm","vmId":"Counter","data":"{\"Count\":42}"}` {
		t.Fatalf("reaction %s", got)
	}
}
