package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/demoweb"
	"github.com/gonetify/gonetify/metrics"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/store/redisstore"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/transport/signalr"
	"github.com/gonetify/gonetify/transport/webapi"
	"github.com/gonetify/gonetify/transport/ws"
	"github.com/gonetify/gonetify/vm"
)

// appConfig is what `serve` (and `demo`) configure.
type appConfig struct {
	addr          string
	debug         bool
	readLimit     int64
	sendQueue     int
	origins       string
	logFormat     string
	connectionURL string
	awsRegion     string
	secret        string
	maxPushes     int
	maxPerSource  int
	redisURL      string
	asyncSnaps    bool
	shutdownDelay time.Duration
	tlsCert       string
	tlsKey        string
	cluster       bool
	auth          func(*slog.Logger) ([]hub.Middleware, []hub.Filter, http.Handler, error)
	credentials   aws.CredentialsProvider // demo only; nil means the SDK's default chain
	demoHubURL    string                  // the hub URL the demo page uses; "" means this server's /ws
}

func (c *appConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address `host:port`")
	fs.BoolVar(&c.debug, "debug", false, "log every message in and out")
	fs.Int64Var(&c.readLimit, "read-limit", 128<<10, "largest client message in `bytes` (API Gateway's is 128 KiB)")
	fs.IntVar(&c.sendQueue, "send-queue", 256, "frames queued for a slow client before it is disconnected")
	fs.StringVar(&c.origins, "allow-origin", "", "comma-separated browser origins allowed to connect (\"*\" for any; default same origin)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.connectionURL, "connection-url", "", "API Gateway stage Connection `URL` (https://…/STAGE/@connections); enables the integration endpoints at /api/dotnetify/vm")
	fs.StringVar(&c.awsRegion, "aws-region", "", "AWS region signing the pushes (default: the SDK's configuration, else us-east-1)")
	fs.StringVar(&c.secret, "integration-secret", "", "require this value in header X-Gonetify-Secret on integration calls (the template's IntegrationSecret)")
	fs.IntVar(&c.maxPushes, "max-pushes", 1000, "pushes to the gateway in flight at once")
	fs.IntVar(&c.maxPerSource, "max-conns-per-source", 1000, "open WebSocket connections allowed from one IP address (0: no limit)")
	fs.StringVar(&c.redisURL, "redis", "", "Redis `URL` (redis://host:port/db) keeping connections, groups and VM state, so they survive a restart and are shared by several servers; default: in memory")
	fs.BoolVar(&c.asyncSnaps, "redis-async-snapshots", false, "with --redis, write view-model state in the background, about 100 ms after the reaction instead of before it: fewer Redis round trips, but a crash loses the changes of the last moments although clients were told of them")
	fs.BoolVar(&c.cluster, "cluster", false, "share multicast view models with the other servers on the same --redis (behind one gateway, or each with its own WebSocket clients; no sticky sessions needed)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate `file` (chain included); API Gateway's HTTP integrations need https:// and a publicly trusted certificate (or put a load balancer with one in front)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key `file` of --tls-cert")
	fs.DurationVar(&c.shutdownDelay, "shutdown-delay", 0, "on SIGTERM, how long /readyz answers 503 before connections are closed (let a load balancer notice first)")
	c.auth = authSetup(fs)
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg appConfig
	cfg.flags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, cfg.debug)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := startApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return app.shutdown()
}

// app is a running app server.
type app struct {
	log      *slog.Logger
	delay    time.Duration // --shutdown-delay
	h        *hub.Hub
	sr       *signalr.Server
	srv      *http.Server
	wss      *ws.Server
	errc     chan error
	draining atomic.Bool
	addr     string
	redis    *redisstore.Store // nil without --redis
	gw       *apigw.Server     // nil without --connection-url
}

// startApp starts the example app server: the hub at /ws, the integration
// endpoints when a connection URL is set, /metrics, /healthz, /readyz, the
// demo page at /.
func startApp(ctx context.Context, cfg appConfig, log *slog.Logger) (*app, error) {
	reg := vm.NewRegistry()
	examples.Register(reg)
	var gw *apigw.Server
	m := metrics.New(metrics.Options{Version: version})
	hopts := hub.Options{Logger: log, Debug: cfg.debug, Observer: m}
	var shared *redisstore.Store
	if cfg.redisURL != "" {
		var err error
		if shared, err = redisstore.Open(ctx, cfg.redisURL, redisstore.Options{}); err != nil {
			return nil, err
		}
		hopts.Snapshots = m.Snapshots(shared)
		hopts.AsyncSnapshots = cfg.asyncSnaps
		log.Info("state kept in Redis", "redis", cfg.redisURL)
	}
	if cfg.connectionURL != "" {
		hopts.OnGroup = func(group, conn string, joined bool) { gw.GroupHook(group, conn, joined) }
	}
	var token http.Handler
	if cfg.auth != nil {
		var err error
		if hopts.Middlewares, hopts.Filters, token, err = cfg.auth(log); err != nil {
			return nil, err
		}
	}
	h := hub.New(reg, hopts)
	wsOpts := ws.Options{ReadLimit: cfg.readLimit, SendQueue: cfg.sendQueue, MaxPerSource: cfg.maxPerSource, Logger: log}
	if cfg.origins != "" {
		wsOpts.AllowedOrigins = strings.Split(cfg.origins, ",")
	}
	a := &app{log: log, delay: cfg.shutdownDelay, h: h, wss: ws.New(h, wsOpts), errc: make(chan error, 1), redis: shared}
	m.WatchHub(h)

	mux := http.NewServeMux()
	mux.Handle("GET /ws", a.wss)
	// dotNetify's default transport (SignalR at /dotnetify) and Web API mode.
	a.sr = signalr.New(h, signalr.Options{ReadLimit: cfg.readLimit, SendQueue: cfg.sendQueue, AllowedOrigins: wsOpts.AllowedOrigins, Logger: log})
	a.sr.Register(mux)
	webapi.Register(mux, h, webapi.Options{MaxBody: cfg.readLimit, Logger: log})
	if token != nil {
		mux.Handle("POST /token", token)
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together: pass both (the certificate chain and its private key, PEM files) or neither")
	}
	var tlsConfig *tls.Config
	if cfg.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert %s / --tls-key %s: %w (both must be PEM files: the certificate chain and its unencrypted private key)", cfg.tlsCert, cfg.tlsKey, err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if cfg.connectionURL != "" {
		if cfg.secret == "" {
			log.Warn("the integration endpoints /api/dotnetify/vm accept calls from anyone: no --integration-secret is set. " +
				"Pass the stack's IntegrationSecret (the gateway sends it in header " + apigw.SecretHeader + "), or keep the server unreachable except from the gateway")
		}
		var err error
		gopts := apigw.Options{
			ConnectionURL: cfg.connectionURL,
			Region:        cfg.awsRegion,
			Credentials:   cfg.credentials,
			Secret:        cfg.secret,
			MaxInFlight:   cfg.maxPushes,
			Logger:        log,
			OnPush:        m.OnPush,
			Store:         m.Store(store.NewMemory()),
		}
		if shared != nil {
			// A Redis outage does not stop the server: writes wait in memory.
			gopts.Store = store.NewResilient(ctx, m.Store(shared), log)
			// Disconnected ids, so that a late message reaching another
			// server (or this one restarted) does not resurrect them.
			gopts.Tombstones = apigw.NewRedisTombstones(shared.Client(), "gonetify:gone:")
		}
		var node *cluster.Node
		if cfg.cluster {
			if shared == nil {
				return nil, fmt.Errorf("--cluster needs --redis: the servers share their view models through Redis")
			}
			node = cluster.New(shared.Client(), cluster.Options{Logger: log})
			gopts.Router = node
		}
		gw, err = apigw.New(ctx, h, gopts)
		if err != nil {
			return nil, err
		}
		if node != nil {
			node.Start(ctx, gw)
		}
		a.gw = gw
		go func() {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := gw.CheckCredentials(cctx); err != nil {
				log.Error("pushes to the gateway will fail: "+err.Error(), "region", gw.Region())
			}
		}()
		mux.Handle("POST /api/dotnetify/vm", m.Integration(gw.Handler()))
		mux.Handle("POST /api/dotnetify/vm/disconnect", m.Integration(gw.Handler()))
	}
	if cfg.cluster && gw == nil {
		// Direct WebSocket mode: the servers share multicast VMs through a
		// Redis pub/sub backplane.
		if shared == nil {
			return nil, fmt.Errorf("--cluster needs --redis: the servers share their view models through Redis")
		}
		node := cluster.New(shared.Client(), cluster.Options{Logger: log})
		a.wss.EnableCluster(node, store.NewResilient(ctx, m.Store(shared), log))
		node.Start(ctx, a.wss)
	}
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("GET /", demoweb.Handler(cfg.demoHubURL))

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w (is another server running there? pick another with --addr)", cfg.addr, err)
	}
	a.addr = ln.Addr().String()
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tlsConfig}
	scheme, wsScheme := "http", "ws"
	if tlsConfig != nil {
		scheme, wsScheme = "https", "wss"
		go func() { a.errc <- a.srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { a.errc <- a.srv.Serve(ln) }()
	}
	attrs := []any{"addr", a.addr, "websocket", wsScheme + "://" + a.addr + "/ws", "demo", scheme + "://" + a.addr + "/", "vms", strings.Join(reg.Names(), ",")}
	if gw != nil {
		attrs = append(attrs, "integration", scheme+"://"+a.addr+"/api/dotnetify/vm", "connection_url", cfg.connectionURL, "aws_region", gw.Region())
	}
	log.Info("gonetify serving", attrs...)
	if gw != nil && shared != nil {
		// Bring back the connections the store remembers, in the background:
		// an update arriving first re-creates its VM by itself.
		go func() { _, _ = gw.Restore(ctx) }()
	}
	return a, nil
}

// ready is /readyz: 200 while accepting, 503 while draining or, with
// --redis, when Redis does not answer a PING within a second. (/healthz,
// liveness, answers 200 as long as the process serves.)
func (a *app) ready(w http.ResponseWriter, r *http.Request) {
	if a.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if a.redis != nil {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := a.redis.Client().Ping(ctx).Err(); err != nil {
			http.Error(w, "redis unreachable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	fmt.Fprintln(w, "ready")
}

// shutdown drains the app server: /readyz turns 503, WebSocket clients are
// told to go away (they reconnect by themselves; their VMs keep their
// snapshots), requests finish, pending snapshots are written.
func (a *app) shutdown() error {
	select {
	case err := <-a.errc:
		return err
	default:
	}
	a.log.Info("shutting down: closing connections (clients reconnect by themselves)")
	a.draining.Store(true)
	if a.delay > 0 {
		a.log.Info("shutting down: /readyz answers 503; waiting before closing connections", "delay", a.delay)
		time.Sleep(a.delay)
	}
	a.h.KeepSnapshots()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.wss.Shutdown(ctx); err != nil {
		a.log.Warn("websocket shutdown incomplete", "err", err)
	}
	if err := a.sr.Shutdown(ctx); err != nil {
		a.log.Warn("signalr shutdown incomplete", "err", err)
	}
	err := a.srv.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	// Pushes to API Gateway still queued go out before we exit.
	if a.gw != nil {
		if err := a.gw.Drain(ctx); err != nil {
			a.log.Warn("pushes to the gateway not all delivered", "err", err)
		}
	}
	if err := a.h.FlushSnapshots(ctx); err != nil {
		a.log.Warn("view model snapshots not all saved", "err", err)
	}
	a.log.Info("stopped")
	return err
}

func newLogger(format string, debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
