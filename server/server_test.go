package server

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/auth"
	"github.com/gonetify/gonetify/internal/redistest"
	"github.com/gonetify/gonetify/vm"
)

type greeter struct {
	vm.Base
	Greeting string
}

func testRegistry() *vm.Registry {
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "Greeter", func(context.Context, vm.ID) (*greeter, error) {
		return &greeter{Greeting: "hi"}, nil
	})
	return reg
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestZeroOptionsRoutes: the zero Options serve the direct WebSocket hub,
// SignalR, Web API, health, readiness and metrics from Handler.
func TestZeroOptionsRoutes(t *testing.T) {
	s, err := New(testRegistry(), Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Shutdown(context.Background()) }()
	if s.opts.Addr != DefaultAddr || s.opts.ReadLimit != DefaultReadLimit || s.opts.MaxConnsPerSource != DefaultMaxConnsPerSource {
		t.Errorf("defaults: %+v", s.opts)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for path, want := range map[string]string{
		"/healthz":                  "ok",
		"/readyz":                   "ready",
		"/metrics":                  "gonetify_build_info",
		"/api/dotnetify/vm/Greeter": `"Greeting":"hi"`,
	} {
		if code, body := get(t, ts.URL+path); code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %q, want 200 with %q", path, code, body, want)
		}
	}
	resp, err := http.Post(ts.URL+"/dotnetify/negotiate?negotiateVersion=1", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "connectionToken") {
		t.Errorf("SignalR negotiate: %d %s", resp.StatusCode, b)
	}
	greetOverWS(t, ts.URL)
}

// TestServeTimeoutsAndShutdown: the listener has every timeout; /readyz
// turns 503 while draining and /healthz stays 200; the context's end
// shuts the server down.
func TestServeTimeoutsAndShutdown(t *testing.T) {
	s, err := New(testRegistry(), Options{Logger: quiet(), ShutdownDelay: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz %d", code)
	}
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("listener timeouts: header %v, read %v, write %v, idle %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if s.Addr() != ln.Addr().String() {
		t.Errorf("Addr %q", s.Addr())
	}
	stop()
	deadline := time.Now().Add(2 * time.Second)
	for {
		code, _ := get(t, base+"/readyz")
		if code == 503 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz never turned 503")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz while draining: %d", code)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(base + "/healthz"); err == nil {
		_ = resp.Body.Close()
		t.Fatal("still serving after shutdown")
	}
}

// TestOptionErrors: contradictory or invalid options are refused by New,
// naming the flag to fix.
func TestOptionErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		o    Options
		want string
	}{
		"cert without key":   {Options{TLSCert: "c.pem"}, "--tls-key"},
		"cluster, no redis":  {Options{Cluster: true}, "--cluster needs --redis"},
		"bad log format":     {Options{LogFormat: "xml"}, "--log-format"},
		"negative lifetime":  {Options{TokenLifetime: -time.Second}, "--token-lifetime"},
		"negative jwt skew":  {Options{}, "--jwt-leeway"},
		"unreadable TLS key": {Options{TLSCert: "/nonexistent.pem", TLSKey: "/nonexistent.key"}, "--tls-cert"},
		"two redis":          {Options{RedisURL: "redis://h:1", RedisCluster: "h:1,h:2"}, "exactly one of --redis"},
		"sentinel no master": {Options{RedisSentinel: "h:26379"}, "--redis-sentinel"},
		"cluster no port":    {Options{RedisCluster: "h"}, "--redis-cluster"},
		"password alone":     {Options{RedisPassword: "pw"}, "--redis-password without"},
	} {
		if name == "negative jwt skew" {
			tc.o.JWT.Leeway = -time.Second
		}
		tc.o.Logger = quiet()
		if _, err := New(testRegistry(), tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one containing %q", name, err, tc.want)
		}
	}
}

// TestBindFlags: every flag sets its option, from the command line or
// from GONETIFY_<FLAG>; the command line wins.
func TestBindFlags(t *testing.T) {
	t.Setenv("GONETIFY_READ_LIMIT", "4242")
	t.Setenv("GONETIFY_ADDR", "127.0.0.1:1")
	t.Setenv("GONETIFY_ALLOW_ORIGIN", "https://a.example, https://b.example")
	t.Setenv("GONETIFY_JWT_KEY", "0123456789abcdef0123456789abcdef")
	t.Setenv("GONETIFY_REDIS_SENTINEL", "mymaster@127.0.0.1:26379")
	t.Setenv("GONETIFY_REDIS_PASSWORD", "pw")
	var o Options
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	o.BindFlags(fs)
	if err := ParseFlags(fs, []string{"--addr", "127.0.0.1:9", "--max-conns-per-source", "0", "--cluster", "--jwt-roles-claim", ""}); err != nil {
		t.Fatal(err)
	}
	if o.Addr != "127.0.0.1:9" || o.ReadLimit != 4242 || !o.Cluster || o.MaxConnsPerSource >= 0 ||
		len(o.AllowedOrigins) != 2 || o.AllowedOrigins[1] != "https://b.example" ||
		string(o.JWT.Key) != "0123456789abcdef0123456789abcdef" || o.JWT.RoleClaims == nil || len(o.JWT.RoleClaims) != 0 ||
		o.RedisSentinel != "mymaster@127.0.0.1:26379" || o.RedisPassword != "pw" {
		t.Errorf("options %+v", o)
	}
	if o.SendQueue != DefaultSendQueue || o.TokenLifetime != DefaultTokenLifetime || o.LogFormat != "text" {
		t.Errorf("defaults not kept: %+v", o)
	}
	var help bytes.Buffer
	fs.SetOutput(&help)
	fs.PrintDefaults()
	for _, name := range []string{"-addr", "-redis", "-redis-cluster", "-redis-sentinel", "-redis-password", "-cluster", "-connection-url", "-jwt-jwks-url", "-tls-cert", "-shutdown-delay"} {
		if !strings.Contains(help.String(), name) {
			t.Errorf("no flag %s", name)
		}
	}
	t.Setenv("GONETIFY_SEND_QUEUE", "many")
	fs2 := flag.NewFlagSet("test", flag.ContinueOnError)
	new(Options).BindFlags(fs2)
	if err := ParseFlags(fs2, nil); err == nil || !strings.Contains(err.Error(), "GONETIFY_SEND_QUEUE") {
		t.Fatalf("a bad environment value: %v", err)
	}
	if err := ParseFlags(flag.NewFlagSet("x", flag.ContinueOnError), []string{"extra"}); err == nil {
		t.Fatal("a positional argument is accepted")
	}
}

// TestTokenEndpoint: with a JWT key and TokenCheck, POST /token issues
// tokens for accepted passwords only; without TokenCheck there is none.
func TestTokenEndpoint(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s, err := New(testRegistry(), Options{Logger: quiet(), JWT: auth.Options{Key: key, Issuer: "me"},
		TokenCheck: func(user, password string) ([]string, bool) { return nil, password == "right" }})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Shutdown(context.Background()) }()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for password, want := range map[string]int{"right": 200, "wrong": 400} {
		resp, err := http.PostForm(ts.URL+"/token", url.Values{"grant_type": {"password"}, "username": {"ann"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 200 && !strings.Contains(string(b), "access_token")) {
			t.Errorf("password %s: %d %s", password, resp.StatusCode, b)
		}
	}

	s2, err := New(testRegistry(), Options{Logger: quiet(), JWT: auth.Options{Key: key}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s2.Shutdown(context.Background()) }()
	ts2 := httptest.NewServer(s2.Handler())
	defer ts2.Close()
	resp, err := http.PostForm(ts2.URL+"/token", url.Values{"password": {"right"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Error("POST /token served without TokenCheck")
	}
}

// TestRedisDeployments: a --cluster server on one Redis server, a Redis
// Cluster and a Sentinel group (GONETIFY_TEST_REDIS, _CLUSTER, _SENTINEL;
// skipped when unset) is ready and serves a request over /ws.
func TestRedisDeployments(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b redistest.Backend) {
		o := Options{Logger: quiet(), Cluster: true, RedisURL: b.Target.URL, RedisCluster: b.Target.Cluster, RedisSentinel: b.Target.Sentinel}
		s, err := New(testRegistry(), o)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Shutdown(context.Background()) }()
		ts := httptest.NewServer(s.Handler())
		defer ts.Close()
		if code, body := get(t, ts.URL+"/readyz"); code != 200 {
			t.Fatalf("/readyz on %s: %d %s", b.Name, code, body)
		}
		greetOverWS(t, ts.URL)
	})
}

// greetOverWS requests Greeter over the server's /ws and checks its state.
func greetOverWS(t *testing.T, serverURL string) {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(serverURL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"callType":"request_vm","vmId":"Greeter","vmArgs":"{}"}`))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, m, err := c.ReadMessage(); err != nil || !strings.Contains(string(m), `\"Greeting\":\"hi\"`) {
		t.Errorf("request_vm on /ws: %s %v", m, err)
	}
}
