package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

// captureStderr runs fn with os.Stderr redirected and returns what it wrote.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	fn()
	os.Stderr = old
	_ = w.Close()
	return <-done
}

// TestCLIErrors: -h succeeds quietly after the usage; a bad flag is
// reported once (by the flag package, with the usage) and exits 2; the
// commands' usages start with a header; --log-format is checked by every
// command that has it.
func TestCLIErrors(t *testing.T) {
	for name, cmd := range map[string]func([]string) error{"serve": serve, "demo": demo, "gateway": gatewayCmd} {
		var err error
		out := captureStderr(t, func() { err = cmd([]string{"-h"}) })
		if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 {
			t.Errorf("%s -h: %v (exit %d), want flag.ErrHelp and exit 0", name, err, exitCode(err))
		}
		if !strings.HasPrefix(out, "Usage: gonetify "+name+" [flags]\n") || !strings.Contains(out, "-addr") {
			t.Errorf("%s -h printed:\n%s", name, out)
		}
		var code int
		out = captureStderr(t, func() { code = exitCode(cmd([]string{"--no-such-flag"})) })
		if code != 2 || strings.Count(out, "flag provided but not defined: -no-such-flag") != 1 || strings.Contains(out, "gonetify:") {
			t.Errorf("%s --no-such-flag: exit %d, printed:\n%s", name, code, out)
		}
		out = captureStderr(t, func() { err = cmd([]string{"--log-format", "xml", "--addr", "127.0.0.1:0"}); code = exitCode(err) })
		if err == nil || code != 1 || strings.Count(out, `--log-format "xml"`) != 1 {
			t.Errorf("%s --log-format xml: %v (exit %d), printed:\n%s", name, err, code, out)
		}
	}
}
