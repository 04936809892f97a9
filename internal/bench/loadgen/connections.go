package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gonetify/gonetify/internal/bench/benchserver"
	"github.com/gonetify/gonetify/store/redisstore"
)

// The connections mode (gonetify bench gateway --mode connections): how
// many API Gateway connections, each with a VM, one app server holds.
// Through API Gateway the app server holds no sockets, so what a
// connection costs it is memory and CPU. The bench plays the gateway
// itself: it POSTs the integration requests ($connect, then the client's
// request_vm) for N connection ids straight to the app server, over a
// bounded pool of keep-alive connections, and stands in for the
// @connections API with an HTTP server of its own (the sink) that counts
// the pushes (it checks that they are SigV4-signed, not the signature).
// With --redis it then restarts the app server and times its restore of
// the N connections from Redis, and finally disconnects them all.

// sinkStats counts what the stand-in @connections API received.
type sinkStats struct {
	posts, bytes, gets, unsigned atomic.Int64
}

// sink is the stand-in @connections API.
type sink struct {
	st  sinkStats
	srv *http.Server
	url string // its Connection URL
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("the @connections sink cannot listen on loopback: %w", err)
	}
	s := &sink{url: "http://" + ln.Addr().String() + "/prod/@connections"}
	alive := []byte(`{"connectedAt":"2026-01-01T00:00:00.000Z","identity":{"sourceIp":"127.0.0.1","userAgent":"gonetify-bench"},"lastActiveAt":"2026-01-01T00:00:00.000Z"}`)
	s.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") || r.Header.Get("X-Amz-Date") == "" {
			s.st.unsigned.Add(1)
			w.Header().Set("X-Amzn-ErrorType", "MissingAuthenticationTokenException")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message":"Missing Authentication Token"}`))
			return
		}
		switch r.Method {
		case http.MethodPost:
			n, _ := io.Copy(io.Discard, r.Body)
			s.st.posts.Add(1)
			s.st.bytes.Add(n)
		case http.MethodGet:
			s.st.gets.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(alive)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *sink) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}

// connRun is what the connections mode measured.
type connRun struct {
	clients, connected int
	errs               int64
	firstErr           string
	drive              time.Duration // sending the integration requests
	lat                hist          // integration request latency
	pushes, pushBytes  int64
	unsigned           int64
	pushWait           time.Duration // from the last request to the last push
	cpu                time.Duration // app server CPU over drive+pushWait
	rssBefore, rssAft  uint64
	heapBefore, heapAf uint64
	haveHeap           bool
	// With --redis: the restarted server's restore, and the disconnects.
	restore            *benchserver.RestoreStats
	restoreWall        time.Duration // from the new process's start to restore done
	restoreRSS         uint64
	restoreCPU         time.Duration
	disconnect         time.Duration
	disconnected       int
	disconnectLat      hist
	disconnectErrs     int64
	redisCPU           time.Duration
	pushesAfterRestore int64
}

// integration posts gateway integration requests to an app server over a
// bounded pool of keep-alive connections.
type integration struct {
	base   string // http://app
	secret string
	hc     *http.Client
}

func newIntegration(addr, secret string, conns int) *integration {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns, // N connection ids, never N sockets
		IdleConnTimeout:     90 * time.Second,
	}
	return &integration{base: "http://" + addr, secret: secret, hc: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// post sends body to path as the gateway's integration does.
func (in *integration) post(ctx context.Context, path string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gonetify-Secret", in.secret)
	req.Header.Set("X-Gonetify-Client-Ip", "127.0.0.1")
	resp, err := in.hc.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s %s", path, resp.Status, b)
	}
	return nil
}

// connID is the i-th connection id of a run, shaped like API Gateway's
// (16 characters ending in '=').
func connID(prefix string, i int) string {
	return prefix + fmt.Sprintf("%09d", i) + "="
}

// runConnections runs `gonetify bench gateway --mode connections`.
func runConnections(ctx context.Context, cfg Config) error {
	if cfg.Baseline || cfg.Server != "" || cfg.CompareMemory || cfg.Rounds > 1 {
		return errors.New("--mode connections starts its own app server and measures it once: drop --baseline, --server, --compare-memory and --rounds")
	}
	var meter *redisMeter
	if cfg.Redis != "" {
		var err error
		if meter, err = openRedis(ctx, cfg.Redis); err != nil {
			return err
		}
		defer meter.close()
		// Restore brings back every connection the store holds: the
		// count must be this run's alone.
		rs, err := redisstore.Open(ctx, cfg.Redis, redisstore.Options{})
		if err != nil {
			return err
		}
		ids, err := rs.Connections(ctx)
		rs.Client().Close()
		if err != nil {
			return fmt.Errorf("--redis %s: listing the stored connections: %w", cfg.Redis, err)
		}
		if len(ids) > 0 {
			return fmt.Errorf("--redis %s already holds %d gateway connections, which the restore would count: use an empty database (another /DB number) or empty this one (redis-cli -u URL flushdb)", cfg.Redis, len(ids))
		}
	}
	sk, err := startSink()
	if err != nil {
		return err
	}
	defer sk.close()
	logf := func(format string, args ...any) {
		fmt.Fprintf(cfg.Stderr, "[gateway connections] "+format+"\n", args...)
	}
	const keyID, secret, shared = "AKIDGONETIFYBENCH", "bench-secret-key-0123456789", "bench-integration-secret-0123"
	env := []string{"AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_SESSION_TOKEN="}
	args := serverArgs(cfg, cfg.Redis, "--connection-url", sk.url, "--integration-secret", shared)
	app, err := startChild("gonetify", cfg.Exe, args, env, cfg.Stderr, true)
	if err != nil {
		return err
	}
	defer func() { app.stop() }()

	r := &connRun{clients: cfg.Clients}
	if st, err := fetchStats(app.addr, true); err == nil {
		r.heapBefore, r.haveHeap = st.HeapInuse+st.StackInuse, true
	}
	time.Sleep(200 * time.Millisecond)
	r.rssBefore = procRSS(app.pid())
	cpu0, redis0 := procCPU(app.pid()), meter.cpu()

	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	prefix := hex.EncodeToString(rnd[:]) // 6 + 9 digits + "=": 16 characters
	payload := string(requestFrame(cfg.VM, ""))
	in := newIntegration(app.addr, shared, cfg.Dialers)

	// Drive: every worker takes the next id and plays its $connect and
	// its request_vm, as the gateway's integrations do.
	var (
		next, done, errs atomic.Int64
		errOnce          sync.Once
	)
	progress := func(phase string, total int, extra func() string) func() {
		stop := make(chan struct{})
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			tk := time.NewTicker(time.Second)
			defer tk.Stop()
			start, last := time.Now(), int64(0)
			m := newCPUMeter(app.pid())
			for {
				select {
				case <-stop:
					return
				case <-tk.C:
					n := done.Load()
					line := fmt.Sprintf("%s %3.0fs %d/%d per_s=%d", phase, time.Since(start).Seconds(), n, total, n-last)
					if e := errs.Load(); e > 0 {
						line += fmt.Sprintf(" errors=%d", e)
					}
					if extra != nil {
						line += extra()
					}
					line += fmt.Sprintf(" server_cpu=%.2f server_rss_mib=%.0f", m.cores(), float64(procRSS(app.pid()))/(1<<20))
					last = n
					logf("%s", line)
				}
			}
		}()
		return func() { close(stop); <-finished }
	}
	pushes := func() string { return fmt.Sprintf(" pushes=%d", sk.st.posts.Load()) }
	stopProgress := progress("connect", cfg.Clients, pushes)
	start := time.Now()
	var profDone chan error
	if cfg.CPUProfile != "" {
		// The first seconds of the connect phase (the profile's length is
		// rounded to whole seconds, at least one).
		profDone = make(chan error, 1)
		go func() { profDone <- cpuProfile(ctx, app.addr, 5*time.Second, cfg.CPUProfile) }()
	}
	// forEachID calls post for every connection id on cfg.Dialers workers,
	// each with a buffer of its own, and counts the outcomes.
	forEachID := func(post func(buf []byte, id string) ([]byte, error)) {
		next.Store(0)
		done.Store(0)
		errs.Store(0)
		var wg sync.WaitGroup
		for w := 0; w < cfg.Dialers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 0, 256)
				for ctx.Err() == nil {
					i := int(next.Add(1) - 1)
					if i >= cfg.Clients {
						return
					}
					var err error
					if buf, err = post(buf, connID(prefix, i)); err != nil {
						errs.Add(1)
						continue
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
	}
	forEachID(func(buf []byte, id string) ([]byte, error) {
		t0 := time.Now()
		buf = append(append(append(buf[:0], `{"connectionId":"`...), id...), `"}`...)
		err := in.post(ctx, "/api/dotnetify/vm", buf)
		if err == nil {
			t1 := time.Now()
			r.lat.add(t1.Sub(t0))
			buf = append(append(append(append(append(buf[:0], `{"connectionId":"`...), id...), `","payload":`...), payload...), '}')
			err = in.post(ctx, "/api/dotnetify/vm", buf)
			if err == nil {
				r.lat.add(time.Since(t1))
			}
		}
		if err != nil {
			errOnce.Do(func() { r.firstErr = err.Error(); logf("integration error: %v", err) })
		}
		return buf, err
	})
	r.drive = time.Since(start)
	r.connected = int(done.Load())
	r.errs = errs.Load()
	stopProgress()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if r.connected == 0 {
		return fmt.Errorf("no connection could be made through the integration endpoints of %s: %s", app.addr, r.firstErr)
	}
	logf("%d/%d connections with a %s in %.1fs; waiting for their first pushes", r.connected, cfg.Clients, cfg.VM, r.drive.Seconds())
	r.pushWait = waitCount(ctx, &sk.st.posts, int64(r.connected), 30*time.Second)
	r.cpu = procCPU(app.pid()) - cpu0
	r.pushes, r.pushBytes, r.unsigned = sk.st.posts.Load(), sk.st.bytes.Load(), sk.st.unsigned.Load()
	if st, err := fetchStats(app.addr, true); err == nil && r.haveHeap {
		r.heapAf = st.HeapInuse + st.StackInuse
	} else {
		r.haveHeap = false
	}
	time.Sleep(time.Second) // let the server settle
	r.rssAft = procRSS(app.pid())
	if profDone != nil {
		if err := <-profDone; err != nil {
			logf("cpu profile: %v", err)
		} else {
			logf("cpu profile of the connect phase written to %s (go tool pprof -top %s)", cfg.CPUProfile, cfg.CPUProfile)
		}
	}
	if cfg.MemProfile != "" {
		if err := fetchTo(ctx, "http://"+app.addr+"/debug/pprof/heap?gc=1", cfg.MemProfile); err != nil {
			logf("heap profile: %v", err)
		} else {
			logf("heap profile with the %d connections written to %s (go tool pprof -sample_index=inuse_space -top %s)", r.connected, cfg.MemProfile, cfg.MemProfile)
		}
	}
	logf("app server: %.0f MiB RSS before, %.0f MiB after (%d pushes received)", float64(r.rssBefore)/(1<<20), float64(r.rssAft)/(1<<20), r.pushes)

	if cfg.Redis != "" {
		if err := restart(ctx, cfg, r, &app, args, env, logf); err != nil {
			return err
		}
		r.pushesAfterRestore = sk.st.posts.Load() - r.pushes
		// Disconnect them all: it empties the store again, and times
		// the $disconnect path.
		in = newIntegration(app.addr, shared, cfg.Dialers)
		stopProgress = progress("disconnect", r.connected, nil)
		start = time.Now()
		forEachID(func(buf []byte, id string) ([]byte, error) {
			t0 := time.Now()
			buf = append(append(append(buf[:0], `{"connectionId":"`...), id...), `"}`...)
			if err := in.post(ctx, "/api/dotnetify/vm/disconnect", buf); err != nil {
				return buf, err
			}
			r.disconnectLat.add(time.Since(t0))
			return buf, nil
		})
		r.disconnect = time.Since(start)
		r.disconnected = int(done.Load())
		r.disconnectErrs = errs.Load()
		stopProgress()
		r.redisCPU = meter.cpu() - redis0
	}
	s := r.summary(&cfg)
	if cfg.JSON {
		fmt.Fprintln(cfg.Stdout, s.json())
	} else {
		fmt.Fprintln(cfg.Stdout, s.line(cfg.Scenario))
	}
	return nil
}

// restart stops the app server and starts it again on the same Redis,
// and waits for it to restore the connections.
func restart(ctx context.Context, cfg Config, r *connRun, app **child, args, env []string, logf func(string, ...any)) error {
	logf("restarting the app server: it restores the connections from Redis")
	(*app).stop()
	t0 := time.Now()
	a, err := startChild("gonetify", cfg.Exe, args, env, cfg.Stderr, true)
	if err != nil {
		return err
	}
	*app = a
	var profDone chan error
	if cfg.CPUProfile != "" {
		profDone = make(chan error, 1)
		go func() { profDone <- cpuProfile(ctx, a.addr, 5*time.Second, cfg.CPUProfile+".restore") }()
	}
	tk := time.NewTicker(100 * time.Millisecond)
	defer tk.Stop()
	lastLog := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tk.C:
		}
		st, err := fetchStats(a.addr, false)
		if err != nil {
			return fmt.Errorf("restarted app server: %w", err)
		}
		if st.Restore == nil {
			return errors.New("the restarted app server does not restore from Redis (a bench-server older than this bench?)")
		}
		if st.Restore.Done {
			r.restore, r.restoreWall = st.Restore, time.Since(t0)
			break
		}
		if time.Since(lastLog) >= time.Second {
			lastLog = time.Now()
			logf("restore %3.0fs connections=%d vms=%d server_cpu_s=%.1f server_rss_mib=%.0f", time.Since(t0).Seconds(), st.Connections, st.VMs,
				procCPU(a.pid()).Seconds(), float64(procRSS(a.pid()))/(1<<20))
		}
	}
	r.restoreCPU = procCPU(a.pid())
	if _, err := fetchStats(a.addr, true); err == nil {
		time.Sleep(time.Second)
	}
	r.restoreRSS = procRSS(a.pid())
	if profDone != nil {
		if err := <-profDone; err != nil {
			logf("cpu profile of the restore: %v", err)
		} else {
			logf("cpu profile of the restore's first seconds written to %s.restore", cfg.CPUProfile)
		}
	}
	logf("restored %d connections (%d VMs, %d gone, %d failed) in %.2fs (%.2fs from the process start)",
		r.restore.Alive, r.restore.VMs, r.restore.Gone, r.restore.Failed, r.restore.Seconds, r.restoreWall.Seconds())
	if r.restore.Err != "" {
		return fmt.Errorf("restore: %s", r.restore.Err)
	}
	return nil
}

// waitCount waits until c reaches n, or until it makes no progress for
// idle; it returns how long it waited.
func waitCount(ctx context.Context, c *atomic.Int64, n int64, idle time.Duration) time.Duration {
	start := time.Now()
	last, lastChange := c.Load(), time.Now()
	for c.Load() < n && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
		if v := c.Load(); v != last {
			last, lastChange = v, time.Now()
		} else if time.Since(lastChange) > idle {
			break
		}
	}
	return time.Since(start)
}

// summary is the connections mode's summary line.
func (r *connRun) summary(cfg *Config) *summary {
	s := &summary{}
	s.add("scenario", cfg.Scenario)
	s.add("mode", cfg.Mode)
	s.add("vm", cfg.VM)
	if cfg.Redis != "" {
		s.add("state", "redis")
	}
	s.add("clients", r.clients)
	s.add("connected", r.connected)
	if r.errs > 0 {
		s.add("errors", r.errs)
	}
	s.add("requests", 2*r.connected)
	s.add("duration_s", r.drive.Seconds())
	s.add("requests_per_s", float64(2*r.connected)/r.drive.Seconds())
	s.add("p50_ms", r.lat.quantileMs(0.5))
	s.add("p99_ms", r.lat.quantileMs(0.99))
	s.add("max_ms", r.lat.maxMs())
	s.add("pushes", r.pushes)
	s.add("push_bytes", r.pushBytes)
	if r.unsigned > 0 {
		s.add("unsigned_pushes", r.unsigned)
	}
	s.add("push_wait_s", r.pushWait.Seconds())
	s.add("server_cpu_s", r.cpu.Seconds())
	s.add("server_cpu_us_per_conn", float64(r.cpu.Microseconds())/float64(r.connected))
	s.add("server_rss_before_mib", float64(r.rssBefore)/(1<<20))
	s.add("server_rss_after_mib", float64(r.rssAft)/(1<<20))
	s.add("mem_per_conn_kib", (float64(r.rssAft)-float64(r.rssBefore))/float64(r.connected)/1024)
	if r.haveHeap {
		s.add("heap_per_conn_kib", (float64(r.heapAf)-float64(r.heapBefore))/float64(r.connected)/1024)
	}
	if r.restore != nil {
		s.add("restore_s", r.restore.Seconds)
		s.add("restore_wall_s", r.restoreWall.Seconds())
		s.add("restored", r.restore.Alive)
		s.add("restored_vms", r.restore.VMs)
		s.add("restore_failed", r.restore.Failed)
		s.add("restore_cpu_s", r.restoreCPU.Seconds())
		s.add("restore_rss_mib", float64(r.restoreRSS)/(1<<20))
		s.add("pushes_after_restore", r.pushesAfterRestore)
		if r.disconnect > 0 {
			s.add("disconnects_per_s", float64(r.disconnected)/r.disconnect.Seconds())
			s.add("disconnect_p99_ms", r.disconnectLat.quantileMs(0.99))
			if r.disconnectErrs > 0 {
				s.add("disconnect_errors", r.disconnectErrs)
			}
		}
		s.add("redis_cpu_s", r.redisCPU.Seconds())
	}
	return s
}
