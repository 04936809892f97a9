// Package layering holds tests of how gonetify's packages depend on each
// other: what VM authors import stays free of transports, and the hub
// speaks no wire format.
package layering

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// moduleRoot is the directory of go.mod, two levels up.
func moduleRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestVMImportsNoTransport: package vm (and what it imports) pulls in no
// transport, AWS, Redis or WebSocket package, nor the hub.
func TestVMImportsNoTransport(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./vm")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./vm: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !strings.HasSuffix(deps[len(deps)-1], "gonetify/vm") {
		t.Fatalf("go list printed no dependency list: %q", out)
	}
	for _, d := range deps {
		for _, bad := range []string{"/transport", "/hub", "/gateway", "/store", "/cluster", "/internal/wire", "aws", "redis", "websocket", "gobwas", "nbio", "signalr", "msgpack"} {
			if strings.Contains(d, bad) {
				t.Errorf("package vm depends on %s", d)
			}
		}
	}
}

// TestHubSpeaksNoWireFormat: no non-test file of package hub builds or
// parses the direct WebSocket hub's frames (that is internal/wire's job).
func TestHubSpeaksNoWireFormat(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(moduleRoot(t), "hub", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no hub sources found: %v", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "response_vm") {
			t.Errorf("%s mentions response_vm", filepath.Base(f))
		}
	}
}
