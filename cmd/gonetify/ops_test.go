package main

import (
	"github.com/gonetify/gonetify/server"

	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/gonetify/gonetify/metrics/metricstest"
)

// wsClient is a bare direct-hub client.
type wsClient struct {
	t *testing.T
	c *websocket.Conn
}

func dialHub(t *testing.T, addr string) *wsClient {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &wsClient{t, c}
}

func (w *wsClient) send(callType, vmID, key, inner string) {
	w.t.Helper()
	m := map[string]string{"callType": callType, "vmId": vmID}
	if key != "" {
		m[key] = inner
	}
	b, _ := json.Marshal(m)
	if err := w.c.WriteMessage(websocket.TextMessage, b); err != nil {
		w.t.Fatal(err)
	}
}

// await reads frames until one for vmID contains text.
func (w *wsClient) await(vmID, text string) {
	w.t.Helper()
	_ = w.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, b, err := w.c.ReadMessage()
		if err != nil {
			w.t.Fatalf("waiting for %s %s: %v", vmID, text, err)
		}
		var m struct{ VMID, Data string }
		if json.Unmarshal(b, &m) == nil && m.VMID == vmID && strings.Contains(m.Data, text) {
			return
		}
	}
}

// waitSamples scrapes url until check passes (it returns "" then, or what
// is still wrong), for up to 5 seconds.
func waitSamples(t *testing.T, url string, check func(metricstest.Samples) string) metricstest.Samples {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := metricstest.Scrape(url)
		if err != nil {
			t.Fatal(err)
		}
		problem := check(s)
		if problem == "" {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", url, problem)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expect returns what differs from the wanted values ("" if nothing). A
// wanted value below zero means "at least -value".
func expect(s metricstest.Samples, want map[string]float64) string {
	var bad []string
	for series, v := range want {
		got, ok := s[series]
		switch {
		case !ok:
			bad = append(bad, series+" missing")
		case v < 0 && got < -v:
			bad = append(bad, fmt.Sprintf("%s = %v, want at least %v", series, got, -v))
		case v >= 0 && got != v:
			bad = append(bad, fmt.Sprintf("%s = %v, want %v", series, got, v))
		}
	}
	return strings.Join(bad, "; ")
}

// TestMetricsAfterTraffic: after a few direct WebSocket clients and one
// client through the API Gateway emulator requested, updated and disposed
// VMs, /metrics has each named series with the values the traffic implies.
func TestMetricsAfterTraffic(t *testing.T) {
	e := startAWSPath(t, "gwsecret", func(u string) string { return u })
	addr := e.app.addr
	var cs []*wsClient
	for i := 0; i < 3; i++ {
		c := dialHub(t, addr)
		c.send("request_vm", "ControlTypesVM", "vmArgs", "{}")
		c.await("ControlTypesVM", `"ClickCount":0`)
		c.send("update_vm", "ControlTypesVM", "value", `{"ButtonClicked":true}`)
		c.await("ControlTypesVM", `"ClickCount":1`)
		cs = append(cs, c)
	}
	cs[0].send("request_vm", "HelloWorldVM", "vmArgs", "{}")
	cs[0].await("HelloWorldVM", `"FullName"`)
	cs[0].send("dispose_vm", "HelloWorldVM", "", "")
	cs[0].send("request_vm", "ChatRoomVM", "vmArgs", "{}")
	cs[0].await("ChatRoomVM", `"Messages"`)
	cs[1].send("request_vm", "ChatRoomVM", "vmArgs", "{}")
	cs[1].await("ChatRoomVM", `"Messages"`)

	gwc := e.dial(t) // through the gateway: integration calls and pushes
	if err := gwc.WriteMessage(websocket.TextMessage, []byte(helloRequest)); err != nil {
		t.Fatal(err)
	}
	_ = gwc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := gwc.ReadMessage(); err != nil {
		t.Fatalf("no push through the gateway: %v\n%s", err, e.logs)
	}

	url := "http://" + addr + "/metrics"
	s := waitSamples(t, url, func(s metricstest.Samples) string {
		return expect(s, map[string]float64{
			`gonetify_build_info{goversion="` + goVersion() + `",version="dev"}`:       1,
			`gonetify_connections{transport="ws"}`:                                     3,
			`gonetify_connections{transport="apigw"}`:                                  1,
			`gonetify_vms{type="ControlTypesVM"}`:                                      3,
			`gonetify_vms{type="HelloWorldVM"}`:                                        1, // the gateway client's; the ws one was disposed
			`gonetify_vms{type="ChatRoomVM"}`:                                          1, // multicast: one instance for two clients
			`gonetify_multicast_groups`:                                                1,
			`gonetify_messages_in_total{call_type="request_vm",transport="ws"}`:        6,
			`gonetify_messages_in_total{call_type="update_vm",transport="ws"}`:         3,
			`gonetify_messages_in_total{call_type="dispose_vm",transport="ws"}`:        1,
			`gonetify_messages_in_total{call_type="request_vm",transport="apigw"}`:     1,
			`gonetify_messages_out_total{transport="ws"}`:                              -8, // 3 states, 3 reactions, HelloWorld, 2 ChatRoom
			`gonetify_messages_out_total{transport="apigw"}`:                           -1,
			`gonetify_messages_out_bytes_total{transport="ws"}`:                        -500,
			`gonetify_apigw_pushes_total{code="200"}`:                                  -1,
			`gonetify_apigw_push_duration_seconds_count`:                               -1,
			`gonetify_integration_requests_total{code="200",endpoint="vm"}`:            -2, // $connect and the request
			`gonetify_store_operations_total{op="add_connection",store="connections"}`: 1,
			`gonetify_store_operations_total{op="add_vm",store="connections"}`:         -1,
			`gonetify_store_errors_total{op="add_vm",store="connections"}`:             0,
			`go_goroutines`:                 -1,
			`process_resident_memory_bytes`: -1 << 20,
		})
	})
	if sum := s["gonetify_apigw_push_duration_seconds_sum"]; sum <= 0 || sum > 10 {
		t.Errorf("push duration sum %v s", sum)
	}
	if errs, _ := s.Sum("gonetify_store_errors_total"); errs != 0 {
		t.Errorf("%v store errors", errs)
	}

	// A client leaves: its connection and VMs go.
	_ = cs[2].c.Close()
	waitSamples(t, url, func(s metricstest.Samples) string {
		return expect(s, map[string]float64{
			`gonetify_connections{transport="ws"}`: 2,
			`gonetify_vms{type="ControlTypesVM"}`:  2,
		})
	})
}

func goVersion() string {
	out, _ := exec.Command("go", "env", "GOVERSION").Output()
	return strings.TrimSpace(string(out))
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(&syncBuf{}, nil))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestHealthAndReadiness: /healthz answers 200 while the process serves,
// /readyz turns 503 when the server drains.
func TestHealthAndReadiness(t *testing.T) {
	a, err := startApp(context.Background(), appConfig{Options: server.Options{Addr: "127.0.0.1:0", ReadLimit: 128 << 10, SendQueue: 64, ShutdownDelay: 300 * time.Millisecond}}, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.addr
	if c := get(t, base+"/healthz"); c != 200 {
		t.Fatalf("/healthz %d", c)
	}
	if c := get(t, base+"/readyz"); c != 200 {
		t.Fatalf("/readyz %d", c)
	}
	c := dialHub(t, a.addr)
	done := make(chan error, 1)
	go func() { done <- a.shutdown() }()
	// Draining (for the 300ms shutdown delay): not ready, still alive.
	deadline := time.Now().Add(2 * time.Second)
	for get(t, base+"/readyz") != 503 {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never turned 503")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if c := get(t, base+"/healthz"); c != 200 {
		t.Fatalf("/healthz while draining: %d", c)
	}
	// The client is told the server is going away, and may come back.
	_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = c.c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("close: %v, want 1001", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestShutdownDelay: with --shutdown-delay, /readyz answers 503 while the
// clients stay connected for that long, then they are told to go away.
func TestShutdownDelay(t *testing.T) {
	a, err := startApp(context.Background(), appConfig{Options: server.Options{Addr: "127.0.0.1:0", ReadLimit: 128 << 10, SendQueue: 64, ShutdownDelay: 400 * time.Millisecond}}, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	c := dialHub(t, a.addr)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- a.shutdown() }()
	deadline := time.Now().Add(2 * time.Second)
	for get(t, "http://"+a.addr+"/readyz") != 503 {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never turned 503")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = c.c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("close: %v, want 1001", err)
	}
	if waited := time.Since(start); waited < 400*time.Millisecond {
		t.Fatalf("clients closed after %v, before the 400ms delay", waited)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestReadinessFollowsRedis: with --redis, /readyz is 503 while Redis does
// not answer; /healthz stays 200. It needs redis-server on PATH.
func TestReadinessFollowsRedis(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed")
	}
	port := strings.Split(freeAddr(t), ":")[1]
	srv := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port})
	defer rdb.Close()
	for i := 0; rdb.Ping(context.Background()).Err() != nil; i++ {
		if i > 100 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	a, err := startApp(context.Background(), appConfig{Options: server.Options{Addr: "127.0.0.1:0", ReadLimit: 128 << 10, SendQueue: 64, RedisURL: "redis://127.0.0.1:" + port + "/0"}}, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.shutdown() }()
	base := "http://" + a.addr
	if c := get(t, base+"/readyz"); c != 200 {
		t.Fatalf("/readyz with Redis up: %d", c)
	}
	// A multicast VM's snapshot goes through the instrumented snapshot store.
	c := dialHub(t, a.addr)
	c.send("request_vm", "ChatRoomVM", "vmArgs", "{}")
	c.await("ChatRoomVM", `"Messages"`)
	waitSamples(t, base+"/metrics", func(s metricstest.Samples) string {
		return expect(s, map[string]float64{`gonetify_store_operations_total{op="load_snapshot",store="snapshots"}`: 1})
	})

	_ = srv.Process.Kill()
	_ = srv.Wait()
	start := time.Now()
	if c := get(t, base+"/readyz"); c != 503 {
		t.Fatalf("/readyz with Redis down: %d", c)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("/readyz took %v with Redis down (bound: 1s)", took)
	}
	if c := get(t, base+"/healthz"); c != 200 {
		t.Fatalf("/healthz with Redis down: %d", c)
	}
}

// TestServeFlagsFromEnvironment: every flag of `serve` can be set as
// GONETIFY_<FLAG>, and the command line wins over the environment.
func TestServeFlagsFromEnvironment(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg appConfig
	cfg.flags(fs)
	want := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		var v string
		switch f.Value.(flag.Getter).Get().(type) {
		case bool:
			v = "true"
		case int, int64, uint, uint64:
			v = "4242"
		case time.Duration:
			v = "42s"
		case float64:
			v = "4.5"
		default:
			v = "from-env-" + f.Name
		}
		if v == f.DefValue {
			t.Fatalf("pick another test value for %s", f.Name)
		}
		want[f.Name] = v
		t.Setenv("GONETIFY_"+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")), v)
	})
	if len(want) < 10 {
		t.Fatalf("only %d flags", len(want))
	}
	if err := parseFlags(fs, []string{"--addr", "127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	want["addr"] = "127.0.0.1:9999" // the command line wins
	fs.VisitAll(func(f *flag.Flag) {
		if got := f.Value.String(); got != want[f.Name] {
			t.Errorf("--%s = %q, want %q (from GONETIFY_%s)", f.Name, got, want[f.Name], strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")))
		}
	})
	if cfg.ReadLimit != 4242 || cfg.LogFormat != "from-env-log-format" || !cfg.Debug {
		t.Errorf("config %+v", cfg)
	}

	t.Setenv("GONETIFY_READ_LIMIT", "lots")
	fs2 := flag.NewFlagSet("serve", flag.ContinueOnError)
	new(appConfig).flags(fs2)
	if err := parseFlags(fs2, nil); err == nil || !strings.Contains(err.Error(), "GONETIFY_READ_LIMIT") {
		t.Fatalf("a bad value: %v", err)
	}
}

// TestDockerBuild builds the binary with the Dockerfile's own `go build`
// line (same environment and flags; no Docker engine needed), and runs it
// as the image would: `version`, then `serve` configured from the
// environment, answering /healthz, /readyz and /metrics, and stopping
// cleanly on SIGTERM.
func TestDockerBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	df, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^RUN (.*go build .*)$`).FindSubmatch(df)
	if line == nil {
		t.Fatal("no `RUN … go build …` line in the Dockerfile")
	}
	if !regexp.MustCompile(`(?m)^ENTRYPOINT \["/gonetify", "serve", "--addr", "0\.0\.0\.0:8080"\]$`).Match(df) ||
		!regexp.MustCompile(`(?m)^USER nonroot`).Match(df) || !regexp.MustCompile(`(?m)^EXPOSE 8080$`).Match(df) {
		t.Fatal("the Dockerfile's final stage changed: update this test")
	}
	const version = "v9.9.9-docker-test"
	words := shellWords(strings.ReplaceAll(string(line[1]), "${VERSION}", version))
	var env []string
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		env, words = append(env, words[0]), words[1:]
	}
	out := filepath.Join(t.TempDir(), "gonetify")
	for i, w := range words {
		if w == "-o" && i+1 < len(words) {
			words[i+1] = out
		}
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" || !strings.Contains(strings.Join(env, " "), "CGO_ENABLED=0") ||
		!contains(words, "-trimpath") {
		t.Fatalf("unexpected build line %q", line[1])
	}
	build := exec.Command(words[0], words[1:]...)
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), env...)
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line[1], err, b)
	}

	v, err := exec.Command(out, "version").Output()
	if err != nil || strings.TrimSpace(string(v)) != "gonetify "+version {
		t.Fatalf("version: %q %v", v, err)
	}
	if b, err := exec.Command("go", "version", "-m", out).Output(); err == nil {
		if !strings.Contains(string(b), "CGO_ENABLED=0") || !strings.Contains(string(b), "-trimpath=true") {
			t.Errorf("build settings:\n%s", b)
		}
	}

	addr := freeAddr(t)
	serve := exec.Command(out, "serve") // as the image: settings from the environment
	serve.Env = append(os.Environ(), "GONETIFY_ADDR="+addr, "GONETIFY_LOG_FORMAT=json")
	logs := &syncBuf{}
	serve.Stdout, serve.Stderr = logs, logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if i > 200 {
			t.Fatalf("no /healthz on %s:\n%s", addr, logs)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if c := get(t, base+"/readyz"); c != 200 {
		t.Fatalf("/readyz %d", c)
	}
	s, err := metricstest.Scrape(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Sum("gonetify_build_info", "version", version); !ok {
		t.Errorf("gonetify_build_info has no version %q", version)
	}
	if !strings.Contains(logs.String(), `"msg":"gonetify serving"`) {
		t.Errorf("GONETIFY_LOG_FORMAT=json not applied:\n%s", logs)
	}
	_ = serve.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after SIGTERM:\n%s", logs)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// shellWords splits a simple shell command line: words separated by
// spaces, double quotes grouping (they may start mid-word, as in
// -ldflags="…").
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
