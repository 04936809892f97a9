package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gonetify/gonetify/internal/bench/baseline"
	"github.com/gonetify/gonetify/internal/bench/benchserver"
	"github.com/gonetify/gonetify/internal/bench/loadgen"
)

const benchUsage = `Usage: gonetify bench SCENARIO [flags]

Puts load on a gonetify server with WebSocket clients speaking the
createWebSocketHub protocol, prints progress to stderr about every second and
one summary line ("SCENARIO key=value …") on stdout at the end.

By default the server under test is started as a child process of this
binary (so its CPU and memory are measured apart from the load generator's).

Scenarios:
  connect    --clients N              ramp N clients, each with its own VM: connects/s,
                                      time to first state, server memory per connection+VM
  push       --clients N --interval D per-client VMs pushing every D: msgs/s, latency
                                      from the VM's change to the client's receipt
  fanout     --clients N --rate R     one multicast VM updated R times/s: deliveries/s, latency
  roundtrip  --clients N              clients dispatch and wait for the reaction: round trips/s
  gateway    --mode fanout|roundtrip  the same through "gonetify gateway" (API Gateway emulator)
                                      and the integration endpoints
  gateway    --mode connections       N connection ids, each with a --vm, made by posting the
                                      gateway's integration requests ($connect, request_vm) to the
                                      app server directly (--dialers in flight, on keep-alive
                                      connections); the pushes go to a stand-in @connections API
                                      that counts them: requests/s, server CPU-seconds, RSS per
                                      connection+VM; with --redis, the restart and the restore of
                                      the N connections from Redis are timed, then all disconnect

--redis URL runs the server under test with its state in Redis, as "gonetify serve
--redis" does, and adds redis_cpu_cores= (all of that Redis's CPU, whoever uses it);
--compare-memory also measures the same server without Redis (memory_* keys and
redis_vs_memory=, ours with Redis / without). --rounds N measures every target N times,
each on a fresh server, taking turns (A B, B A, …), and reports medians: use it on a
noisy machine. The roundtrip scenarios add server_cpu_us_per_roundtrip= (server
CPU time per round trip), gateway --mode fanout server_cpu_us_per_push=.

--baseline runs the same load against a bare gorilla/websocket server sending the
same pre-serialized frames (for gateway: against gonetify's direct WebSocket) and
adds baseline_per_s= and ratio= (ours / baseline). --baseline-lib builds that
bare server on gobwas/ws, lesismal/nbio (epoll) or coder/websocket instead: those
are in a separate binary, gonetify-baselines, looked for next to this one (make
bench-baselines builds it), on PATH, or at $GONETIFY_BASELINES.

Flags:
`

// benchCmd runs `gonetify bench SCENARIO [flags]`.
func benchCmd(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), benchUsage); fs.PrintDefaults() }
	var cfg loadgen.Config
	fs.IntVar(&cfg.Clients, "clients", 100, "WebSocket clients")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measurement window (connect: CPU profile length)")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "load before the measurement window starts")
	fs.DurationVar(&cfg.Interval, "interval", time.Second, "push: each VM's push period")
	fs.Float64Var(&cfg.Rate, "rate", 10, "fanout, gateway: multicast updates per second")
	fs.StringVar(&cfg.Mode, "mode", "fanout", "gateway: the load to send through the gateway, fanout or roundtrip; or connections (the integration endpoints driven directly)")
	fs.StringVar(&cfg.VM, "vm", "HelloWorldVM", "gateway --mode connections: the view model each connection requests")
	fs.BoolVar(&cfg.Baseline, "baseline", false, "also measure the raw WebSocket baseline and print the ratio")
	fs.StringVar(&cfg.BaselineLib, "baseline-lib", "", "the WebSocket library of the raw baseline (implies --baseline): "+
		strings.Join(baseline.AllLibs, ", ")+" (default gorilla; the others need the gonetify-baselines binary)")
	fs.BoolVar(&cfg.JSON, "json", false, "print the summary as a JSON object")
	fs.StringVar(&cfg.Server, "server", "", "target a running `gonetify bench-server` at `host:port` instead of starting one")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "with --server: its process id, to report its CPU and memory")
	fs.IntVar(&cfg.Dialers, "dialers", 64, "handshakes in flight while ramping up")
	fs.IntVar(&cfg.SendQueue, "send-queue", 0, "server frames queued per connection (0: the server's default, 256)")
	fs.StringVar(&cfg.WSEngine, "ws-engine", "", "the server's WebSocket engine, epoll or gorilla (as serve --ws-engine; default: the server's)")
	fs.IntVar(&cfg.MaxPushes, "max-pushes", 0, "gateway: the app server's pushes to @connections in flight (0: its default, 1000)")
	fs.StringVar(&cfg.Redis, "redis", "", "start the server under test with its state in Redis at `URL` (bench-server --redis, as serve --redis); reports Redis's CPU too")
	fs.BoolVar(&cfg.CompareMemory, "compare-memory", false, "with --redis: also measure a server keeping its state in memory, interleaved round by round, and print its figures as memory_*")
	fs.IntVar(&cfg.Rounds, "rounds", 1, "measure each target this many times, each on a fresh server, taking turns; the summary gives medians")
	fs.StringVar(&cfg.MemProfile, "memprofile", "", "gateway --mode connections: write a heap profile of the app server holding the connections to `file`")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the gonetify server taken during the measurement to `file` (gateway --mode connections: of its first 5s, and with --redis of the restore's to file.restore)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return fmt.Errorf("bench needs a scenario: %s", strings.Join(loadgen.Scenarios, ", "))
	}
	cfg.Scenario = args[0]
	if err := parseArgs(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return loadgen.Run(ctx, cfg)
}

// benchServerCmd runs the hidden `gonetify bench-server`: the gonetify hub
// and WebSocket transport (and, with --connection-url, the API Gateway
// integration endpoints) serving the bench VMs, for `gonetify bench`.
func benchServerCmd(args []string) error {
	fs := flag.NewFlagSet("bench-server", flag.ContinueOnError)
	var o benchserver.Options
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:0", "listen address")
	fs.IntVar(&o.SendQueue, "send-queue", 0, "frames queued per connection (0: default)")
	fs.StringVar(&o.WSEngine, "ws-engine", "", "WebSocket engine: epoll or gorilla (default: transport/ws's)")
	fs.StringVar(&o.ConnectionURL, "connection-url", "", "API Gateway Connection URL; enables the integration endpoints")
	fs.StringVar(&o.Secret, "integration-secret", "", "X-Gonetify-Secret required on integration calls")
	fs.IntVar(&o.MaxPushes, "max-pushes", 1000, "gateway pushes in flight")
	fs.IntVar(&o.MessagesPerSecond, "messages-per-second", -1, "per-connection message rate limit (negative: none)")
	fs.StringVar(&o.Redis, "redis", "", "keep the state (VM snapshots; connections with --connection-url) in Redis at this `URL`, as serve --redis does")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return benchserver.Run(ctx, o)
}

// benchBaselineCmd runs the hidden `gonetify bench-baseline`: the raw
// WebSocket server `gonetify bench --baseline` compares with
// (gorilla/websocket). For --lib gobwas, nbio or coder it runs the
// gonetify-baselines binary (internal/bench/baselines, a module of its own)
// with the same arguments.
func benchBaselineCmd(args []string) error {
	fs := flag.NewFlagSet("bench-baseline", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	lib := fs.String("lib", "", "")
	fs.String("addr", "", "")
	fs.String("interval", "", "")
	fs.String("rate", "", "")
	fs.String("send-queue", "", "")
	_ = fs.Parse(args) // errors are reported by the command that runs
	if *lib == "" || slices.Contains(baseline.Libs, *lib) {
		return benchserver.BaselineCommand("bench-baseline", args)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	exe, err := benchserver.BaselineExe(self, *lib)
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, args...) //nolint:gosec // gonetify-baselines, given this command's own arguments
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", exe, err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sig:
			_ = cmd.Process.Signal(s)
		case err := <-done:
			return err
		}
	}
}
