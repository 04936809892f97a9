// Package loadgen is `gonetify bench`: a load generator speaking the
// createWebSocketHub protocol with gorilla/websocket clients. It starts the
// servers it measures as child processes of the same binary (the gonetify
// server under test, the raw baseline, the API Gateway emulator), so their
// memory and CPU are read from /proc separately from its own, and prints
// one summary line per run.
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gonetify/gonetify/internal/bench/baseline"
	"github.com/gonetify/gonetify/internal/bench/benchserver"
	"github.com/gonetify/gonetify/internal/bench/benchvm"
)

// Scenarios are the scenario names Run accepts.
var Scenarios = []string{"connect", "push", "fanout", "roundtrip", "gateway"}

// Config is one bench run.
type Config struct {
	Scenario string
	// Clients is the number of WebSocket clients.
	Clients int
	// Duration is the measurement window; Warmup runs before it.
	Duration time.Duration
	Warmup   time.Duration
	// Interval is each push VM's period (push).
	Interval time.Duration
	// Rate is the multicast VM's updates per second (fanout, gateway).
	Rate float64
	// Mode is what the gateway scenario runs: "fanout", "roundtrip" or
	// "connections" (the integration endpoints driven directly, for N
	// connection ids each with a VM, pushes counted at a stand-in
	// @connections API; see runConnections).
	Mode string
	// VM is the view model each connection requests in the connections
	// mode (default HelloWorldVM).
	VM string
	// Baseline also measures the raw WebSocket baseline (for gateway: the
	// same load on gonetify's direct WebSocket) and reports the ratio.
	Baseline bool
	// BaselineLib is the WebSocket library of the raw baseline (empty:
	// gorilla); see baseline.Libs. Not used by gateway.
	BaselineLib string
	// JSON prints the summary as a JSON object.
	JSON bool
	// Server targets a running `gonetify bench-server` at host:port instead
	// of starting one; ServerPID, if known, enables its CPU and RSS figures.
	Server    string
	ServerPID int
	// Exe is the gonetify binary the servers are started from.
	Exe string
	// Dialers is how many handshakes are in flight while ramping up.
	Dialers int
	// SendQueue is the server's per-connection queue (0: its default).
	SendQueue int
	// WSEngine is the server's WebSocket engine (ws.EngineEpoll or
	// ws.EngineGorilla; empty: its default).
	WSEngine string
	// MaxPushes bounds the app server's pushes to @connections in flight
	// (gateway; 0: its default, apigw.Options.MaxInFlight's 1000).
	MaxPushes int
	// CPUProfile, if set, receives a CPU profile of the gonetify server
	// (the app server, for gateway) taken during the measurement window.
	CPUProfile string
	// MemProfile, if set, receives a heap profile of the app server
	// holding the connections (gateway --mode connections).
	MemProfile string
	// Redis, a redis:// URL, starts the gonetify server under test with its
	// state in Redis (bench-server --redis, as serve --redis), and reports
	// the CPU Redis used.
	Redis string
	// CompareMemory, with Redis, also measures the same load on a server
	// keeping its state in memory (no Redis), interleaved with the Redis
	// runs round by round, and reports both.
	CompareMemory bool
	// Rounds is how many times each target is measured, each time on a
	// fresh server, the targets taking turns (0: once). With more than one,
	// the summary gives the medians.
	Rounds int
	// Stdout gets the summary line, Stderr the progress.
	Stdout, Stderr io.Writer
}

func (c *Config) defaults() error {
	if c.Clients <= 0 {
		c.Clients = 100
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Warmup < 0 {
		c.Warmup = 0
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.Rate <= 0 {
		c.Rate = 10
	}
	if c.Mode == "" {
		c.Mode = "fanout"
	}
	if c.Mode != "fanout" && c.Mode != "roundtrip" && c.Mode != "connections" {
		return fmt.Errorf("--mode %q: use fanout, roundtrip or connections", c.Mode)
	}
	if c.VM == "" {
		c.VM = "HelloWorldVM"
	}
	if c.Dialers <= 0 {
		c.Dialers = 64
	}
	if c.Rounds <= 0 {
		c.Rounds = 1
	}
	if c.CompareMemory && c.Redis == "" {
		return errors.New("--compare-memory compares a server with --redis and one without: give --redis URL")
	}
	if c.Redis != "" && c.Server != "" && c.Scenario != "gateway" {
		return errors.New("--redis starts the server under test with it; with --server, start `gonetify bench-server --redis URL` yourself")
	}
	if c.Rounds > 1 && c.Server != "" && c.Scenario != "gateway" {
		return errors.New("--rounds measures a fresh server each round: it cannot be used with --server")
	}
	if c.BaselineLib != "" {
		if c.Scenario == "gateway" {
			return errors.New("--baseline-lib: the gateway scenario's baseline is gonetify's direct WebSocket")
		}
		if !slices.Contains(baseline.AllLibs, c.BaselineLib) {
			return fmt.Errorf("--baseline-lib %q: use one of %s", c.BaselineLib, strings.Join(baseline.AllLibs, ", "))
		}
		c.Baseline = true
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	if c.Exe == "" && (c.Server == "" || c.Baseline || c.Scenario == "gateway") {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		c.Exe = exe
	}
	if c.BaselineLib != "" {
		if _, err := benchserver.BaselineExe(c.Exe, c.BaselineLib); err != nil {
			return fmt.Errorf("--baseline-lib %s: %w", c.BaselineLib, err)
		}
	}
	for _, s := range Scenarios {
		if s == c.Scenario {
			return nil
		}
	}
	return fmt.Errorf("unknown scenario %q: use one of %s", c.Scenario, strings.Join(Scenarios, ", "))
}

// kind is the load a scenario puts on a target.
func (c *Config) kind() string {
	if c.Scenario == "gateway" {
		return c.Mode
	}
	return c.Scenario
}

// target is a server under measurement.
type target struct {
	label    string
	wsURL    string
	statsAdr string      // host:port serving /debug/bench/stats, or ""
	pid      int         // the process whose CPU and memory count, or 0
	extraPID int         // a second process whose CPU is reported (the gateway)
	redis    *redisMeter // the Redis the server keeps its state in, or nil
	children []*child
}

func (t *target) stop() {
	for i := len(t.children) - 1; i >= 0; i-- {
		t.children[i].stop()
	}
}

// result is what one target measured.
type result struct {
	clients, connected int
	connectErrs        int64
	firstErr           string
	ramp               time.Duration
	ttfs               hist // time to first state
	count              uint64
	window             time.Duration
	lat                hist
	lost               int64
	dropped            int64 // clients that lost their connection while measured
	cpu, extraCPU      float64
	redisCPU           float64 // cores Redis used in the window (with --redis)
	rssBefore, rssAft  uint64
	heapBefore         uint64
	heapAfter          uint64
	haveHeap           bool
}

// Run runs cfg and prints its summary.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	if cfg.Scenario == "gateway" && cfg.Mode == "connections" {
		return runConnections(ctx, cfg)
	}
	var meter *redisMeter
	if cfg.Redis != "" {
		var err error
		if meter, err = openRedis(ctx, cfg.Redis); err != nil {
			return err
		}
		defer meter.close()
	}
	// The targets, measured in turn each round: the server under test
	// (with --redis if given), the same without Redis, the baseline.
	ours := &series{name: "ours", profile: true, start: func() (*target, error) {
		t, err := startOurs(cfg, cfg.Redis)
		if t != nil && cfg.Redis != "" {
			t.redis = meter
			t.label += "+redis"
		}
		return t, err
	}}
	list := []*series{ours}
	var mem, base *series
	if cfg.CompareMemory {
		mem = &series{name: "memory", start: func() (*target, error) {
			t, err := startOurs(cfg, "")
			if t != nil {
				t.label += "+memory"
			}
			return t, err
		}}
		list = append(list, mem)
	}
	if cfg.Baseline {
		base = &series{name: "baseline", start: func() (*target, error) {
			t, err := startBaseline(cfg)
			if t != nil && cfg.Scenario == "gateway" && cfg.Redis != "" {
				t.redis = meter
			}
			return t, err
		}}
		list = append(list, base)
	}
	for round := 0; round < cfg.Rounds; round++ {
		order := slices.Clone(list)
		if round%2 == 1 {
			slices.Reverse(order) // take turns: A B, B A, A B…
		}
		for _, sr := range order {
			if cfg.Rounds > 1 {
				fmt.Fprintf(cfg.Stderr, "[%s] round %d/%d: %s\n", cfg.Scenario, round+1, cfg.Rounds, sr.name)
			}
			t, err := sr.start()
			if err != nil {
				return err
			}
			r, err := measure(ctx, &cfg, t, sr.profile && round == 0)
			t.stop()
			if err != nil {
				return err
			}
			sr.results = append(sr.results, r)
			if cfg.Rounds > 1 {
				f := r.figures(&cfg)
				fmt.Fprintf(cfg.Stderr, "[%s] round %d/%d: %s per_s=%.0f p50_ms=%.2f p99_ms=%.2f server_cpu_cores=%.2f\n",
					cfg.Scenario, round+1, cfg.Rounds, sr.name, f.rate, f.p50, f.p99, f.cpu)
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	s := summarize(&cfg, ours.results, results(mem), results(base))
	if cfg.JSON {
		fmt.Fprintln(cfg.Stdout, s.json())
	} else {
		fmt.Fprintln(cfg.Stdout, s.line(cfg.Scenario))
	}
	return nil
}

// series is one target measured round after round.
type series struct {
	name    string
	start   func() (*target, error)
	profile bool // take the --cpuprofile (first round)
	results []*result
}

func results(s *series) []*result {
	if s == nil {
		return nil
	}
	return s.results
}

// serverArgs are the arguments of a bench-server, with its state in Redis
// at redisURL when not empty.
func serverArgs(cfg Config, redisURL string, extra ...string) []string {
	args := []string{"bench-server", "--addr", "127.0.0.1:0"}
	if cfg.SendQueue > 0 {
		args = append(args, "--send-queue", fmt.Sprint(cfg.SendQueue))
	}
	if cfg.WSEngine != "" {
		args = append(args, "--ws-engine", cfg.WSEngine)
	}
	if cfg.MaxPushes > 0 {
		args = append(args, "--max-pushes", fmt.Sprint(cfg.MaxPushes))
	}
	if redisURL != "" {
		args = append(args, "--redis", redisURL)
	}
	return append(args, extra...)
}

// startOurs starts (or points at) the gonetify server under test, with its
// state in Redis at redisURL when not empty; for the gateway scenario, the
// app server behind the gateway emulator.
func startOurs(cfg Config, redisURL string) (*target, error) {
	if cfg.Scenario != "gateway" {
		if cfg.Server != "" {
			return &target{label: "gonetify", wsURL: "ws://" + cfg.Server + "/ws", statsAdr: cfg.Server, pid: cfg.ServerPID}, nil
		}
		c, err := startChild("gonetify", cfg.Exe, serverArgs(cfg, redisURL), nil, cfg.Stderr, true)
		if err != nil {
			return nil, err
		}
		return &target{label: "gonetify", wsURL: "ws://" + c.addr + "/ws", statsAdr: c.addr, pid: c.pid(), children: []*child{c}}, nil
	}
	const keyID, secret, shared = "AKIDGONETIFYBENCH", "bench-secret-key-0123456789", "bench-integration-secret-0123"
	gwAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	env := []string{"AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_SESSION_TOKEN="}
	app, err := startChild("gonetify", cfg.Exe, serverArgs(cfg, redisURL, "--connection-url", "http://"+gwAddr+"/prod/@connections",
		"--integration-secret", shared), env, cfg.Stderr, true)
	if err != nil {
		return nil, err
	}
	gw, err := startChild("gateway", cfg.Exe, []string{"gateway", "--addr", gwAddr,
		"--param", "AppServerUrl=http://" + app.addr, "--param", "IntegrationSecret=" + shared,
		"--credentials", keyID + ":" + secret, "--region", "us-east-1",
		"--connect-rate", "1000000", "--log-format", "text"}, nil, cfg.Stderr, false)
	if err != nil {
		app.stop()
		return nil, err
	}
	t := &target{label: "gateway", wsURL: "ws://" + gwAddr + "/prod", statsAdr: app.addr, pid: app.pid(), extraPID: gw.pid(), children: []*child{app, gw}}
	if err := waitTCP(gwAddr, 20*time.Second); err != nil {
		t.stop()
		return nil, fmt.Errorf("gateway emulator: %w (is this binary built with `gonetify gateway`?)", err)
	}
	return t, nil
}

// startBaseline starts the comparison target: the raw gorilla/websocket
// server, or for gateway a direct gonetify server.
func startBaseline(cfg Config) (*target, error) {
	if cfg.Scenario == "gateway" {
		c, err := startChild("direct", cfg.Exe, serverArgs(cfg, cfg.Redis), nil, cfg.Stderr, true)
		if err != nil {
			return nil, err
		}
		return &target{label: "direct", wsURL: "ws://" + c.addr + "/ws", statsAdr: c.addr, pid: c.pid(), children: []*child{c}}, nil
	}
	args := []string{"bench-baseline", "--addr", "127.0.0.1:0", "--interval", cfg.Interval.String(), "--rate", fmt.Sprint(cfg.Rate)}
	if cfg.SendQueue > 0 {
		args = append(args, "--send-queue", fmt.Sprint(cfg.SendQueue))
	}
	label := "baseline"
	if cfg.BaselineLib != "" {
		args = append(args, "--lib", cfg.BaselineLib)
		label += "-" + cfg.BaselineLib
	}
	exe, err := benchserver.BaselineExe(cfg.Exe, cfg.BaselineLib)
	if err != nil {
		return nil, fmt.Errorf("--baseline-lib %s: %w", cfg.BaselineLib, err)
	}
	c, err := startChild(label, exe, args, nil, cfg.Stderr, true)
	if err != nil {
		return nil, err
	}
	return &target{label: label, wsURL: "ws://" + c.addr + "/ws", statsAdr: c.addr, pid: c.pid(), children: []*child{c}}, nil
}

// window is the measurement window, as Unix nanoseconds (0: not yet).
type window struct{ start, end atomic.Int64 }

func (w *window) in(t time.Time) bool {
	s := w.start.Load()
	if s == 0 {
		return false
	}
	n := t.UnixNano()
	return n >= s && n < w.end.Load()
}

func (w *window) over(t time.Time) bool {
	e := w.end.Load()
	return e != 0 && t.UnixNano() >= e
}

// measure puts cfg's load on t.
func measure(ctx context.Context, cfg *Config, t *target, profile bool) (*result, error) {
	kind := cfg.kind()
	r := &result{clients: cfg.Clients}
	logf := func(format string, args ...any) {
		fmt.Fprintf(cfg.Stderr, "[%s %s] "+format+"\n", append([]any{cfg.Scenario, t.label}, args...)...)
	}
	if t.pid != 0 {
		r.rssBefore = procRSS(t.pid)
	}
	if t.statsAdr != "" {
		if st, err := fetchStats(t.statsAdr, true); err == nil {
			r.heapBefore, r.haveHeap = st.HeapInuse+st.StackInuse, true
		}
	}
	vmID, vmArg := benchvm.Unicast, ""
	switch kind {
	case "push":
		vmID, vmArg = benchvm.Push, fmt.Sprintf(`{"IntervalMs":%d}`, cfg.Interval.Milliseconds())
	case "fanout":
		vmID, vmArg = benchvm.Multicast, fmt.Sprintf(`{"RateHz":%g}`, cfg.Rate)
	}
	if _, err := url.Parse(t.wsURL); err != nil {
		return nil, err
	}

	var (
		win       window
		count     atomic.Uint64 // deliveries or round trips, all time (progress)
		wcount    atomic.Uint64 // deliveries in the window
		lost      atomic.Int64
		dropped   atomic.Int64
		connected atomic.Int64
		errs      atomic.Int64
		errOnce   sync.Once
		wg        sync.WaitGroup
		mu        sync.Mutex
		clients   = make([]*client, 0, cfg.Clients)
		rampCtx   context.Context
		rampDone  = make(chan struct{})
	)
	rampCtx, cancelRamp := context.WithCancel(ctx)
	defer cancelRamp()
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	meter := newCPUMeter(t.pid)
	go func() { // progress, about every second
		defer close(progressDone)
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		var last uint64
		start := time.Now()
		for {
			select {
			case <-stopProgress:
				return
			case <-tk.C:
				n := count.Load()
				line := fmt.Sprintf("%3.0fs clients=%d", time.Since(start).Seconds(), connected.Load())
				if e := errs.Load(); e > 0 {
					line += fmt.Sprintf(" errors=%d", e)
				}
				if kind != "connect" {
					line += fmt.Sprintf(" per_s=%d window_p99_ms=%.1f", n-last, r.lat.quantileMs(0.99))
				} else {
					line += fmt.Sprintf(" first_state_p99_ms=%.1f", r.ttfs.quantileMs(0.99))
				}
				if t.pid != 0 {
					line += fmt.Sprintf(" server_cpu=%.2f server_rss_mib=%.0f", meter.cores(), float64(procRSS(t.pid))/(1<<20))
				}
				last = n
				logf("%s", line)
			}
		}
	}()

	var profDone chan error
	startProfile := func(d time.Duration) {
		if !profile || cfg.CPUProfile == "" || t.statsAdr == "" {
			return
		}
		profDone = make(chan error, 1)
		go func() { profDone <- cpuProfile(ctx, t.statsAdr, d, cfg.CPUProfile) }()
	}

	// The client loops, started once a client has its first state.
	loop := func(c *client) {
		defer wg.Done()
		switch kind {
		case "connect":
			// Hold the connection; the server sends nothing more.
			for {
				if _, err := c.read(); err != nil {
					return
				}
			}
		case "push", "fanout":
			var last int64 = -1
			for {
				f, err := c.read()
				now := time.Now()
				if err != nil {
					if win.start.Load() != 0 && !win.over(now) {
						dropped.Add(1)
					}
					return
				}
				ts, seq, ok := tick(f)
				if !ok {
					continue
				}
				count.Add(1)
				if win.in(now) {
					wcount.Add(1)
					r.lat.add(now.Sub(time.Unix(0, ts)))
					if last >= 0 && seq > last+1 {
						lost.Add(seq - last - 1)
					}
				}
				last = seq
			}
		case "roundtrip":
			buf := make([]byte, 0, 128)
			for n := int64(1); ; n++ {
				buf = append(buf[:0], `{"callType":"update_vm","vmId":"`+benchvm.Unicast+`","value":"{\"Ping\":`...)
				buf = fmt.Appendf(buf, `%d}"}`, n)
				t0 := time.Now()
				if win.over(t0) {
					return
				}
				if err := c.write(buf); err != nil {
					dropped.Add(1)
					return
				}
				_ = c.sock.SetReadDeadline(t0.Add(30 * time.Second))
				f, err := c.read()
				if err == nil && bytes.Contains(f, []byte("ExceptionType")) {
					err = fmt.Errorf("the server answered with an exception: %.300s", f)
				}
				if err != nil {
					if !win.over(time.Now()) {
						dropped.Add(1)
						errOnce.Do(func() { r.firstErr = err.Error(); logf("roundtrip error: %v", err) })
					}
					return
				}
				now := time.Now()
				count.Add(1)
				if win.in(now) {
					r.lat.add(now.Sub(t0))
				}
			}
		}
	}

	// Ramp up.
	rampStart := time.Now()
	if kind == "connect" {
		startProfile(cfg.Duration)
	}
	next := make(chan int)
	var dwg sync.WaitGroup
	for i := 0; i < cfg.Dialers; i++ {
		dwg.Add(1)
		go func() {
			defer dwg.Done()
			for range next {
				c, d, err := connect(rampCtx, t.wsURL, vmID, vmArg)
				if err != nil {
					errs.Add(1)
					errOnce.Do(func() { r.firstErr = err.Error(); logf("connect error: %v", err) })
					continue
				}
				r.ttfs.add(d)
				connected.Add(1)
				mu.Lock()
				clients = append(clients, c)
				mu.Unlock()
				wg.Add(1)
				go loop(c)
			}
		}()
	}
	go func() { dwg.Wait(); close(rampDone) }()
feed:
	for i := 0; i < cfg.Clients; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	<-rampDone
	r.ramp = time.Since(rampStart)
	r.connected = int(connected.Load())
	r.connectErrs = errs.Load()
	logf("ramp: %d/%d clients connected in %.1fs", r.connected, cfg.Clients, r.ramp.Seconds())
	if r.connected == 0 {
		close(stopProgress)
		<-progressDone
		return nil, fmt.Errorf("%s: no client could connect to %s: %s", t.label, t.wsURL, r.firstErr)
	}

	if kind == "connect" {
		time.Sleep(time.Second) // let the server settle
		if t.pid != 0 {
			r.rssAft = procRSS(t.pid)
			r.cpu = float64(procCPU(t.pid)-meter.cpu) / float64(time.Since(meter.wall))
		}
		if t.statsAdr != "" {
			if st, err := fetchStats(t.statsAdr, true); err == nil {
				r.heapAfter = st.HeapInuse + st.StackInuse
			} else {
				r.haveHeap = false
			}
		}
		r.count = uint64(r.connected) //nolint:gosec // a count, never negative
	} else {
		// Roundtrip clients run from their first state on; only the
		// round trips ending in the window count.
		time.Sleep(cfg.Warmup)
		now := time.Now()
		cpu0, extra0, redis0 := procCPU(t.pid), time.Duration(0), t.redis.cpu()
		if t.extraPID != 0 {
			extra0 = procCPU(t.extraPID)
		}
		win.end.Store(now.Add(cfg.Duration).UnixNano())
		win.start.Store(now.UnixNano())
		startProfile(cfg.Duration)
		select {
		case <-time.After(cfg.Duration):
		case <-ctx.Done():
		}
		r.window = time.Since(now)
		if t.pid != 0 {
			r.cpu = float64(procCPU(t.pid)-cpu0) / float64(r.window)
			r.rssAft = procRSS(t.pid)
		}
		if t.extraPID != 0 {
			r.extraCPU = float64(procCPU(t.extraPID)-extra0) / float64(r.window)
		}
		if t.redis != nil {
			r.redisCPU = float64(t.redis.cpu()-redis0) / float64(r.window)
		}
		r.count = wcount.Load()
		if kind == "roundtrip" {
			r.count = r.lat.count()
		}
		r.lost = lost.Load()
		r.dropped = dropped.Load()
	}
	close(stopProgress)
	<-progressDone
	if profDone != nil {
		if err := <-profDone; err != nil {
			logf("cpu profile: %v", err)
		} else {
			logf("cpu profile written to %s (go tool pprof -top %s)", cfg.CPUProfile, cfg.CPUProfile)
		}
	}

	// Tear down: close every client at once.
	win.end.Store(1)
	var cwg sync.WaitGroup
	for i := 0; i < len(clients); i += 256 {
		part := clients[i:min(i+256, len(clients))]
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for _, c := range part {
				c.close()
			}
		}()
	}
	cwg.Wait()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		return nil, errors.New("clients did not stop within 10s")
	}
	return r, nil
}

// rate is the scenario's headline rate.
func (r *result) rate() float64 {
	if r.window > 0 {
		return float64(r.count) / r.window.Seconds()
	}
	if r.ramp > 0 {
		return float64(r.connected) / r.ramp.Seconds()
	}
	return 0
}

func (r *result) p(q float64) float64 {
	if r.window == 0 {
		return r.ttfs.quantileMs(q)
	}
	return r.lat.quantileMs(q)
}

// memPerConn returns the RSS and Go heap+stack growth per client, in KiB.
func (r *result) memPerConn() (rss, heap float64) {
	if r.connected == 0 {
		return math.NaN(), math.NaN()
	}
	rss = math.NaN()
	if r.rssAft > 0 && r.rssBefore > 0 {
		rss = (float64(r.rssAft) - float64(r.rssBefore)) / float64(r.connected) / 1024
	}
	heap = math.NaN()
	if r.haveHeap && r.heapAfter > 0 {
		heap = (float64(r.heapAfter) - float64(r.heapBefore)) / float64(r.connected) / 1024
	}
	return rss, heap
}
