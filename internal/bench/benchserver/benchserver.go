// Package benchserver runs the servers `gonetify bench` measures, each in a
// child process of its own: the gonetify server under test (hub, direct
// WebSocket transport and, optionally, the API Gateway integration
// endpoints, wired as `gonetify serve` wires them, with the bench view
// models registered) and the raw WebSocket baseline (gorilla/websocket by
// default; gobwas/ws, lesismal/nbio or coder/websocket with --lib).
//
// Both print "BENCH_LISTEN host:port" on stdout once listening, and serve,
// next to the WebSocket endpoint at /ws, GET /debug/bench/stats (Go memory
// statistics as JSON) and net/http/pprof at /debug/pprof/.
package benchserver

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/bench/baseline"
	"github.com/gonetify/gonetify/internal/bench/benchvm"
	"github.com/gonetify/gonetify/internal/gctune"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/store/redisstore"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/transport/ws"
	"github.com/gonetify/gonetify/vm"
)

// ListenLine prefixes the line a bench server prints once it listens.
const ListenLine = "BENCH_LISTEN "

// Options configure the gonetify server under test.
type Options struct {
	// Addr is the listen address (default 127.0.0.1:0).
	Addr string
	// SendQueue is transport/ws's per-connection queue (0: its default).
	SendQueue int
	// WSEngine is transport/ws's engine (empty: its default).
	WSEngine string
	// ConnectionURL enables the API Gateway integration endpoints, pushing
	// to this @connections URL; Secret is their X-Gonetify-Secret.
	ConnectionURL string
	Secret        string
	// MaxPushes bounds the gateway pushes in flight (0: the default).
	MaxPushes int
	// MessagesPerSecond is the hub's per-connection message rate limit
	// (hub.Options.MessagesPerSecond; negative: none, as the bench needs).
	MessagesPerSecond int
	// Redis, a redis:// URL, keeps the state in Redis as `gonetify serve
	// --redis` does: VM snapshots (hub.Options.Snapshots) and, with the
	// integration endpoints, the connections and groups. Empty: in memory.
	Redis string
	// Logger receives the server's logs (default: warnings to stderr).
	Logger *slog.Logger
	// Stdout receives the listen line (default os.Stdout).
	Stdout io.Writer
}

// Stats is what GET /debug/bench/stats returns.
type Stats struct {
	HeapInuse   uint64 `json:"heap_inuse"`
	HeapAlloc   uint64 `json:"heap_alloc"`
	StackInuse  uint64 `json:"stack_inuse"`
	Sys         uint64 `json:"sys"`
	NumGC       uint32 `json:"num_gc"`
	Goroutines  int    `json:"goroutines"`
	Connections int    `json:"connections"`
	VMs         int    `json:"vms"`
	// Restore is how the server restored the connections its Redis store
	// remembered at start (with --redis and --connection-url), or nil.
	Restore *RestoreStats `json:"restore,omitempty"`
}

// RestoreStats is the outcome of the integration endpoints' Restore at
// start (apigw.Server.Restore), once Done.
type RestoreStats struct {
	// Done is set once Restore returned; the other fields are its outcome.
	Done bool `json:"done"`
	// Seconds is how long Restore took.
	Seconds float64 `json:"seconds"`
	// Alive, Gone and Failed count the stored connections restored, found
	// gone at the gateway, and left for later; VMs the VMs re-created.
	Alive  int `json:"alive"`
	Gone   int `json:"gone"`
	Failed int `json:"failed"`
	VMs    int `json:"vms"`
	// Err is Restore's error, if it failed as a whole.
	Err string `json:"err,omitempty"`
}

func readStats(fill func(*Stats), gc bool) Stats {
	if gc {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := Stats{HeapInuse: ms.HeapInuse, HeapAlloc: ms.HeapAlloc, StackInuse: ms.StackInuse, Sys: ms.Sys,
		NumGC: ms.NumGC, Goroutines: runtime.NumGoroutine()}
	fill(&st)
	return st
}

// Run serves gonetify with the bench VMs until ctx ends.
func Run(ctx context.Context, o Options) error {
	log := o.logger()
	defer gctune.Start(0)() // as server.Server.Serve does
	reg := vm.NewRegistry()
	benchvm.Register(reg)
	// The example VMs (HelloWorldVM for `gonetify bench gateway --mode
	// connections`, ChatRoomVM for outside fan-out loads), so their costs
	// can be profiled here.
	examples.Register(reg)
	var gw *apigw.Server
	hopts := hub.Options{Logger: log, MessagesPerSecond: o.MessagesPerSecond, MessageBurst: o.MessagesPerSecond}
	var shared *redisstore.Store
	if o.Redis != "" {
		var err error
		if shared, err = redisstore.Open(ctx, o.Redis, redisstore.Options{}); err != nil {
			return err
		}
		defer shared.Client().Close()
		hopts.Snapshots = shared
	}
	h := hub.New(reg, hopts)
	wss, err := ws.New(h, ws.Options{Engine: o.WSEngine, SendQueue: o.SendQueue, Logger: log})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", wss)
	if o.ConnectionURL != "" {
		var err error
		gopts := apigw.Options{ConnectionURL: o.ConnectionURL, Region: "us-east-1",
			Secret: o.Secret, MaxInFlight: o.MaxPushes, Logger: log}
		if shared != nil {
			// As `gonetify serve --redis` wires it.
			gopts.Store = store.NewResilient(ctx, shared, log)
		}
		gw, err = apigw.New(ctx, h, gopts)
		if err != nil {
			return err
		}
		mux.Handle("POST /api/dotnetify/vm", gw.Handler())
		mux.Handle("POST /api/dotnetify/vm/disconnect", gw.Handler())
	}
	var (
		rmu     sync.Mutex
		restore *RestoreStats
	)
	if gw != nil && shared != nil {
		// As `gonetify serve --redis` does: bring back the connections
		// the store remembers, in the background.
		restore = &RestoreStats{}
		go func() {
			start := time.Now()
			st, err := gw.Restore(ctx)
			rmu.Lock()
			defer rmu.Unlock()
			*restore = RestoreStats{Done: true, Seconds: time.Since(start).Seconds(), Alive: st.Alive, Gone: st.Gone, Failed: st.Failed, VMs: st.VMs}
			if err != nil {
				restore.Err = err.Error()
			}
		}()
	}
	fill := func(st *Stats) {
		hs := h.Stats()
		st.Connections, st.VMs = hs.Connections, hs.VMs
		if restore != nil {
			rmu.Lock()
			r := *restore
			rmu.Unlock()
			st.Restore = &r
		}
	}
	return serve(ctx, o.Addr, o.Stdout, mux, fill, func(sctx context.Context) { _ = wss.Shutdown(sctx) })
}

// BaselineOptions configure the baseline server.
type BaselineOptions struct {
	Addr     string
	Baseline baseline.Options
	Stdout   io.Writer
}

// BaselinesBinary is the binary serving the baselines the gonetify binary
// does not link (gobwas, nbio, coder): the nested module
// internal/bench/baselines, built by `make bench-baselines`.
const BaselinesBinary = "gonetify-baselines"

// BaselineExe returns the executable serving the baseline on lib, given the
// running gonetify binary exe: exe itself for the libraries it links
// (gorilla), else gonetify-baselines from $GONETIFY_BASELINES, next to exe,
// or on PATH; when there is none the error says how to build it.
func BaselineExe(exe, lib string) (string, error) {
	if lib == "" || slices.Contains(baseline.Libs, lib) {
		return exe, nil
	}
	if !slices.Contains(baseline.AllLibs, lib) {
		return "", fmt.Errorf("no baseline on WebSocket library %q: use one of %s", lib, strings.Join(baseline.AllLibs, ", "))
	}
	if p := os.Getenv("GONETIFY_BASELINES"); p != "" {
		return p, nil
	}
	var tried []string
	if exe != "" {
		p := filepath.Join(filepath.Dir(exe), BaselinesBinary)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := exec.LookPath(BaselinesBinary); err == nil {
		return p, nil
	}
	tried = append(tried, "$PATH")
	return "", fmt.Errorf("the %s baseline is in the %s binary, not found (looked at %s, and $GONETIFY_BASELINES is not set): "+
		"build it with `make bench-baselines` (or `cd internal/bench/baselines && go build -o ../../../bin/%s .`)",
		lib, BaselinesBinary, strings.Join(tried, ", "), BaselinesBinary)
}

// BaselineCommand parses the flags of `gonetify bench-baseline` (name is
// the command, for usage) and serves the baseline until SIGINT or SIGTERM.
func BaselineCommand(name string, args []string) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var o BaselineOptions
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:0", "listen address")
	fs.DurationVar(&o.Baseline.PushInterval, "interval", time.Second, "push period of BenchPushVM connections")
	fs.Float64Var(&o.Baseline.FanoutRate, "rate", 10, "ticks per second to BenchFanoutVM connections")
	fs.IntVar(&o.Baseline.SendQueue, "send-queue", 0, "frames queued per connection (0: 256)")
	fs.StringVar(&o.Baseline.Lib, "lib", baseline.Gorilla, "WebSocket library: "+strings.Join(baseline.Libs, ", "))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return RunBaseline(ctx, o)
}

// RunBaseline serves the raw WebSocket baseline (gorilla/websocket, or the
// library o.Baseline.Lib names) until ctx ends.
func RunBaseline(ctx context.Context, o BaselineOptions) error {
	s, err := baseline.New(o.Baseline)
	if err != nil {
		return err
	}
	defer s.Close()
	mux := http.NewServeMux()
	mux.Handle("GET /ws", s)
	fill := func(st *Stats) { st.Connections = s.Connections() }
	return serveWith(ctx, o.Addr, o.Stdout, mux, fill, nil, s.NewHTTPServer)
}

func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func serve(ctx context.Context, addr string, stdout io.Writer, mux *http.ServeMux, fill func(*Stats), shutdown func(context.Context)) error {
	return serveWith(ctx, addr, stdout, mux, fill, shutdown, nil)
}

// serveWith serves mux with the server newServer returns (default
// net/http's).
func serveWith(ctx context.Context, addr string, stdout io.Writer, mux *http.ServeMux, fill func(*Stats),
	shutdown func(context.Context), newServer func(http.Handler) baseline.HTTPServer) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if stdout == nil {
		stdout = os.Stdout
	}
	mux.HandleFunc("GET /debug/bench/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(readStats(fill, r.URL.Query().Get("gc") == "1"))
	})
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	if !strings.HasPrefix(ln.Addr().String(), "127.") && !strings.HasPrefix(ln.Addr().String(), "[::1]") {
		slog.Warn("bench server listening beyond loopback", "addr", ln.Addr().String())
	}
	var srv baseline.HTTPServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if newServer != nil {
		srv = newServer(mux)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintln(stdout, ListenLine+ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if shutdown != nil {
		shutdown(sctx)
	}
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
