package server_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// repoRoot is the checkout's root directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// goBuild builds the main package in dir into a binary and returns its path.
func goBuild(t *testing.T, dir string, env ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "app")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, out)
	}
	return bin
}

// program is a running server binary.
type program struct {
	t       *testing.T
	cmd     *exec.Cmd
	addr    string
	logs    chan string
	stopped bool
}

// start runs bin with --addr on a free port and args, and waits until its
// /healthz answers 200.
func start(t *testing.T, bin string, args ...string) *program {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	p := &program{t: t, cmd: exec.CommandContext(ctx, bin, append([]string{"--addr", addr}, args...)...), addr: addr, logs: make(chan string, 1)}
	stderr, _ := p.cmd.StderrPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		b, _ := io.ReadAll(stderr)
		p.logs <- string(b)
	}()
	t.Cleanup(func() { p.stop() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/healthz %d", resp.StatusCode)
			}
			return p
		}
		if time.Now().After(deadline) || p.cmd.ProcessState != nil {
			t.Fatalf("/healthz never answered: %v\n%s", err, p.stop())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop interrupts the program (as Ctrl+C), waits for it and returns its
// log.
func (p *program) stop() string {
	if p.stopped {
		return ""
	}
	p.stopped = true
	_ = p.cmd.Process.Signal(os.Interrupt)
	_ = p.cmd.Wait()
	return <-p.logs
}

// hub is a direct WebSocket client of a program's /ws.
type hubClient struct {
	t *testing.T
	c *websocket.Conn
}

func dial(t *testing.T, addr string) *hubClient {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &hubClient{t, c}
}

func (h *hubClient) send(frame string) {
	h.t.Helper()
	if err := h.c.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		h.t.Fatal(err)
	}
}

// await reads frames until one contains want (in the JSON-encoded data,
// so quotes appear as \").
func (h *hubClient) await(want string) {
	h.t.Helper()
	_ = h.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, b, err := h.c.ReadMessage()
		if err != nil {
			h.t.Fatalf("no frame with %s: %v", want, err)
		}
		if strings.Contains(string(b), want) {
			return
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}

// TestREADMEProgram builds the complete program of the README's "Writing a
// view model" in a fresh module that requires gonetify (replaced by this
// checkout), runs it on a free port and checks what a user would: /healthz,
// gonetify's metrics at /metrics, and its VM's state and reaction over the
// direct WebSocket hub; then it stops gracefully on Ctrl+C.
func TestREADMEProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	i := strings.Index(section, "## Writing a view model")
	if i < 0 {
		t.Fatal(`README.md has no "## Writing a view model"`)
	}
	m := regexp.MustCompile("(?s)```go\n(package main\n.*?)```").FindStringSubmatch(section[i:])
	if m == nil {
		t.Fatal("no ```go package main … ``` program in the README's \"Writing a view model\"")
	}
	program := m[1]
	if n := strings.Count(program, "\n"); n > 70 {
		t.Errorf("the README's program is %d lines: it should fit on one screen", n)
	}
	dir := t.TempDir()
	gomod := "module readmeapp\n\ngo 1.26\n\nrequire github.com/gonetify/gonetify v0.0.0\n\nreplace github.com/gonetify/gonetify => " + root + "\n"
	for name, text := range map[string]string{"go.mod": gomod, "main.go": program} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Start from the checkout's go.sum: the same versions, fewer downloads.
	if sum, err := os.ReadFile(filepath.Join(root, "go.sum")); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
	}
	bin := goBuild(t, dir, "GOFLAGS=-mod=mod", "GOWORK=off")

	p := start(t, bin)
	c := dial(t, p.addr)
	c.send(`{"callType":"request_vm","vmId":"HelloWorldVM","vmArgs":"{}"}`)
	c.await(`\"FullName\":\"Hello World\"`)
	c.send(`{"callType":"update_vm","vmId":"HelloWorldVM","value":{"FirstName":"Ann"}}`)
	c.await(`\"FullName\":\"Ann World\"`)
	metrics := scrape(t, "http://"+p.addr+"/metrics")
	for _, want := range []string{"gonetify_build_info", `gonetify_connections{transport="ws"} 1`, `gonetify_vms{type="HelloWorldVM"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics has no %s:\n%s", want, metrics)
		}
	}
	_ = c.c.Close()
	if l := p.stop(); !strings.Contains(l, "gonetify serving") || !strings.Contains(l, "stopped") {
		t.Errorf("the program's log shows no start and graceful stop:\n%s", l)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d after Ctrl+C, want 0", code)
	}
}

// TestExamples builds every program under _examples and runs it: each
// serves its view models over /ws (the chat and the Redis board to two
// clients at once, the board across two servers on one Redis).
func TestExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dirs, _ := filepath.Glob(filepath.Join(repoRoot(t), "_examples", "*", "main.go"))
	if len(dirs) < 4 {
		t.Fatalf("%d examples under _examples, want at least 4", len(dirs))
	}
	bins := map[string]string{}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
			t.Errorf("%s has no README.md", dir)
		}
		bins[filepath.Base(dir)] = goBuild(t, dir)
	}
	t.Run("hello", func(t *testing.T) {
		p := start(t, bins["hello"])
		c := dial(t, p.addr)
		c.send(`{"callType":"request_vm","vmId":"HelloWorld","vmArgs":"{}"}`)
		c.await(`\"FullName\":\"Hello World\"`)
		c.send(`{"callType":"update_vm","vmId":"HelloWorld","value":{"FirstName":"Ann","Greet":null}}`)
		c.await(`\"Greeting\":\"Hello, Ann World!\"`)
	})
	t.Run("chat", func(t *testing.T) {
		p := start(t, bins["chat"])
		a, b := dial(t, p.addr), dial(t, p.addr)
		for _, c := range []*hubClient{a, b} {
			c.send(`{"callType":"request_vm","vmId":"Chat","vmArgs":"{}"}`)
			c.await(`\"Messages\":[]`)
		}
		a.send(`{"callType":"update_vm","vmId":"Chat","value":{"Post":{"User":"ann","Text":"hello"}}}`)
		b.await(`\"Text\":\"hello\"`)
	})
	t.Run("apigateway", func(t *testing.T) {
		// No gateway here: the server starts and serves its integration
		// endpoints (the gateway path is tested by e2e's gateway pass).
		p := start(t, bins["apigateway"], "--connection-url", "http://127.0.0.1:9/prod/@connections", "--aws-region", "us-east-1")
		resp, err := http.Post("http://"+p.addr+"/api/dotnetify/vm", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Fatalf("POST /api/dotnetify/vm: %d, no integration endpoint", resp.StatusCode)
		}
	})
	t.Run("redis", func(t *testing.T) {
		url := os.Getenv("GONETIFY_TEST_REDIS")
		if url == "" {
			t.Skip("GONETIFY_TEST_REDIS is not set (scripts/test.sh starts redis-server)")
		}
		url = strings.TrimSuffix(url, "/0") + "/7" // a database of its own
		p1 := start(t, bins["redis"], "--redis", url)
		p2 := start(t, bins["redis"], "--redis", url)
		a, b := dial(t, p1.addr), dial(t, p2.addr)
		for _, c := range []*hubClient{a, b} {
			c.send(`{"callType":"request_vm","vmId":"Board","vmArgs":"{}"}`)
			c.await(`\"Items\":`)
		}
		text := "item-" + time.Now().Format("150405.000000")
		a.send(`{"callType":"update_vm","vmId":"Board","value":{"Add":"` + text + `"}}`)
		b.await(text)
	})
}
