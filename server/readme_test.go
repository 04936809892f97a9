package server_test

import (
	"bufio"
	"context"
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

// TestREADMEProgram builds the complete program of the README's "Writing a
// view model" in a fresh module that requires gonetify (replaced by this
// checkout), runs it on a free port and checks what a user would: /healthz,
// gonetify's metrics at /metrics, and its VM's state and reaction over the
// direct WebSocket hub.
func TestREADMEProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	i := strings.Index(section, "## Writing a view model")
	if i < 0 {
		t.Fatal(`README.md has no "## Writing a view model"`)
	}
	section = section[i:]
	m := regexp.MustCompile("(?s)```go\n(package main\n.*?)```").FindStringSubmatch(section)
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
	// The module's go.sum is made from the checkout's: the same versions.
	if sum, err := os.ReadFile(filepath.Join(root, "go.sum")); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
	}
	bin := filepath.Join(dir, "readmeapp")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's program does not build in a fresh module: %v\n%s\n--- main.go:\n%s", err, out, program)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--addr", addr)
	cmd.Dir = dir
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := make(chan string, 1)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
		}
		logs <- b.String()
	}()
	stopped := false
	stop := func() string {
		if !stopped {
			stopped = true
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		}
		return <-logs
	}
	defer func() {
		if !stopped {
			stop()
		}
	}()

	base := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/healthz %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered: %v\n%s", err, stop())
		}
		time.Sleep(20 * time.Millisecond)
	}

	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	read := func(want string) {
		t.Helper()
		_, b, err := c.ReadMessage()
		if err != nil || !strings.Contains(string(b), want) {
			t.Fatalf("got %s (%v), want a frame with %s", b, err, want)
		}
	}
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"callType":"request_vm","vmId":"HelloWorldVM","vmArgs":"{}"}`))
	read(`\"FullName\":\"Hello World\"`)
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"callType":"update_vm","vmId":"HelloWorldVM","value":{"FirstName":"Ann"}}`))
	read(`\"FullName\":\"Ann World\"`)

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var metrics strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		metrics.WriteString(sc.Text() + "\n")
	}
	resp.Body.Close()
	for _, want := range []string{"gonetify_build_info", `gonetify_connections{transport="ws"} 1`, `gonetify_vms{type="HelloWorldVM"} 1`} {
		if !strings.Contains(metrics.String(), want) {
			t.Errorf("/metrics has no %s:\n%s", want, metrics.String())
		}
	}
	_ = c.Close()
	if l := stop(); !strings.Contains(l, "gonetify serving") || !strings.Contains(l, "stopped") {
		t.Errorf("the program's log shows no start and graceful stop:\n%s", l)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d after SIGINT, want 0", code)
	}
}
