// Command gonetify-baselines is the raw WebSocket baseline of
// `gonetify bench` on the libraries the gonetify binary does not link:
// gobwas/ws, lesismal/nbio and coder/websocket (and gorilla, as gonetify's
// own bench-baseline). It is a module of its own so that the main module's
// go.mod, and so every user's go.sum, does not carry them.
//
// Build it next to bin/gonetify with `make bench-baselines`, where
// `gonetify bench --baseline-lib LIB` and `gonetify bench-baseline --lib LIB`
// look for it. It takes the flags of `gonetify bench-baseline`:
//
//	gonetify-baselines [bench-baseline] --lib nbio --addr 127.0.0.1:0 --rate 10
package main

import (
	"fmt"
	"os"

	"github.com/gonetify/gonetify/internal/bench/benchserver"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "bench-baseline" {
		args = args[1:]
	}
	if err := benchserver.BaselineCommand("gonetify-baselines", args); err != nil {
		fmt.Fprintln(os.Stderr, "gonetify-baselines:", err)
		os.Exit(1)
	}
}
