// Package server runs a gonetify app server: your view models behind every
// transport dotNetify clients use, with health, readiness and metrics
// endpoints, optional Redis state and scale-out, JWT authentication, the
// Amazon API Gateway integration endpoints, TLS and graceful shutdown.
//
// It is what `gonetify serve` runs. A complete program:
//
//	reg := vm.NewRegistry()
//	vm.MustRegister(reg, "HelloWorld", func(ctx context.Context, id vm.ID) (*Hello, error) { … })
//	var opts server.Options
//	opts.BindFlags(flag.CommandLine) // the flags of `gonetify serve`
//	if err := server.ParseFlags(flag.CommandLine, os.Args[1:]); err != nil { … }
//	s, err := server.New(reg, opts)
//	if err != nil { … }
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	err = s.ListenAndServe(ctx)
//
// The zero [Options] serve, on 127.0.0.1:8080 with in-memory state:
//
//   - GET /ws: dotNetify's direct WebSocket hub (dotnetify.createWebSocketHub)
//   - /dotnetify: the SignalR hub, dotNetify's default transport
//   - /api/dotnetify/vm/…: Web API mode
//   - GET /healthz (liveness), GET /readyz (readiness), GET /metrics (Prometheus)
//
// With [Options.ConnectionURL], POST /api/dotnetify/vm and
// /api/dotnetify/vm/disconnect serve an Amazon API Gateway WebSocket API's
// integrations; with [Options.JWT] a key or key set, bearer tokens are
// checked and view models marked Authorize enforced (see the auth
// package).
package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gonetify/gonetify/auth"
	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/gctune"
	"github.com/gonetify/gonetify/metrics"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/store/redisstore"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/transport/signalr"
	"github.com/gonetify/gonetify/transport/webapi"
	"github.com/gonetify/gonetify/transport/ws"
	"github.com/gonetify/gonetify/vm"
)

// Defaults of the zero [Options].
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultReadLimit         = 128 << 10 // API Gateway's largest message
	DefaultSendQueue         = 256
	DefaultMaxPushes         = 1000
	DefaultMaxConnsPerSource = 1000
	DefaultTokenLifetime     = 30 * time.Minute
	DefaultJWTLeeway         = time.Second
)

// Timeouts of the HTTP listener. WebSocket connections clear them when
// they upgrade; SignalR's Server-Sent Events set a deadline per write, and
// its long polls (25 s) end before WriteTimeout.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
)

// Options configure a [Server]. The zero value is useful: see the package
// documentation. [Options.BindFlags] binds every field to a command-line
// flag of the same meaning as `gonetify serve`'s.
type Options struct {
	// Addr is the listen address of [Server.ListenAndServe]. Default
	// 127.0.0.1:8080.
	Addr string
	// Debug logs every message in and out (with the default Logger, also
	// lowers its level to debug).
	Debug bool
	// LogFormat is the default Logger's format: "text" (default) or "json".
	LogFormat string
	// Logger receives the server's logs; nil means a text or JSON logger
	// on standard error, as LogFormat says.
	Logger *slog.Logger
	// Version is reported by the gonetify_build_info metric. Default "dev".
	Version string

	// ReadLimit is the largest client message in bytes. Default 128 KiB.
	ReadLimit int64
	// SendQueue is how many frames may wait for a slow client before it is
	// disconnected. Default 256.
	SendQueue int
	// AllowedOrigins are the browser origins allowed to connect ("*" for
	// any). Empty means same origin only.
	AllowedOrigins []string
	// MaxConnsPerSource bounds the open WebSocket connections from one IP
	// address. Zero means 1000; negative means no limit.
	MaxConnsPerSource int
	// MessagesPerSecond rate-limits each connection's messages
	// (hub.Options.MessagesPerSecond, with a burst of twice that): 0 means
	// 100 per second, negative means no limit.
	MessagesPerSecond int
	// WSEngine serves the direct WebSocket transport (/ws): ws.EngineEpoll
	// (no goroutine per idle connection; the default on Linux) or
	// ws.EngineGorilla. See package ws.
	WSEngine string

	// ConnectionURL is an API Gateway stage's Connection URL
	// (https://…/STAGE/@connections). Setting it enables the integration
	// endpoints POST /api/dotnetify/vm and /api/dotnetify/vm/disconnect.
	ConnectionURL string
	// AWSRegion signs the pushes to ConnectionURL. Default: the AWS SDK's
	// configuration, else us-east-1.
	AWSRegion string
	// AWSCredentials sign the pushes; nil means the AWS SDK's default chain.
	AWSCredentials aws.CredentialsProvider
	// IntegrationSecret, if set, is required in header X-Gonetify-Secret of
	// every integration call (the CloudFormation template's
	// IntegrationSecret).
	IntegrationSecret string
	// MaxPushes bounds the pushes to the gateway in flight at once.
	// Default 1000.
	MaxPushes int

	// RedisURL (redis://[:password@]host:port/db, rediss:// for TLS)
	// keeps connections, groups and VM state in one Redis server, so they
	// survive a restart and several servers share them. Empty (and no
	// RedisCluster or RedisSentinel) means in memory.
	RedisURL string
	// RedisCluster keeps that state in a Redis Cluster instead:
	// comma-separated seed nodes host:port,…, optionally preceded by
	// redis:// or rediss:// (TLS) and [user]:password@ (see
	// redisstore.Target).
	RedisCluster string
	// RedisSentinel keeps that state in a master watched by Sentinel
	// instead: MASTER@host:port,… (the master's name, then the sentinels),
	// optionally preceded by redis:// or rediss:// and [user]:password@,
	// optionally followed by /db.
	RedisSentinel string
	// RedisPassword authenticates to the Redis servers of RedisURL,
	// RedisCluster or RedisSentinel, instead of a password given in them.
	RedisPassword string
	// AsyncSnapshots, with Redis, writes view-model state in the
	// background about 100 ms after a reaction instead of before it.
	AsyncSnapshots bool
	// Cluster shares multicast view models with the other servers on the
	// same Redis (which it requires).
	Cluster bool
	// ClusterLease is how long a server's ownership of a shared VM lasts
	// without renewal: a dead owner's VMs move within about 5/4 of it.
	// Zero means the cluster package's default (1 s).
	ClusterLease time.Duration

	// TLSCert and TLSKey, PEM files, make the listener serve HTTPS. Both
	// or neither.
	TLSCert, TLSKey string
	// ShutdownDelay is how long /readyz answers 503 before connections are
	// closed when the server shuts down (let a load balancer notice).
	ShutdownDelay time.Duration
	// GCHeadroom, while Serve runs, keeps the garbage collector's target
	// at least this many bytes above the live heap (the process's GOGC;
	// see internal/gctune): a small heap is not collected hundreds of
	// times a second under load. Zero means 64 MiB; negative leaves the
	// collector alone, as does a GOGC environment variable.
	GCHeadroom int64

	// JWT checks bearer tokens when it has a Key (HMAC) or a JWKSURL (an
	// identity provider's keys); then view models marked Authorize are
	// enforced (auth.AuthorizeFilter).
	// Its Logger defaults to the server's.
	JWT auth.Options
	// TokenCheck, with a JWT Key, serves POST /token, an OAuth 2 password
	// grant (see auth.JWT.TokenHandler): it issues an HS256 token with the
	// roles TokenCheck returns when it accepts the password.
	TokenCheck auth.CheckPassword
	// TokenLifetime is the lifetime of the tokens POST /token issues.
	// Default 30 minutes.
	TokenLifetime time.Duration

	// Middlewares see every call (see hub.Middleware), after the JWT
	// middleware.
	Middlewares []hub.Middleware
	// Filters see every call with its VM (see hub.Filter), after the
	// Authorize filter.
	Filters []hub.Filter
}

// Server is an app server. Create it with [New]; serve it with
// [Server.ListenAndServe], [Server.Serve] or, mounted in your own router,
// [Server.Handler] (then call [Server.Shutdown] when done).
type Server struct {
	opts    Options
	log     *slog.Logger
	reg     *vm.Registry
	hub     *hub.Hub
	metrics *metrics.Metrics
	wss     *ws.Server
	sr      *signalr.Server
	gw      *apigw.Server     // nil without ConnectionURL
	redis   *redisstore.Store // nil without Redis
	jwt     *auth.JWT         // nil without JWT
	mux     *http.ServeMux
	tls     *tls.Config
	node    *cluster.Node // nil unless Cluster

	ctx    context.Context // lives until Shutdown ends
	cancel context.CancelFunc

	draining atomic.Bool
	mu       sync.Mutex
	srv      *http.Server
	addr     string
	shutOnce sync.Once
	shutErr  error
}

// NewLogger returns a logger writing to standard error in format "text"
// ("" too) or "json", at debug level with debug. Any other format is an
// error.
func NewLogger(format string, debug bool) (*slog.Logger, error) {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// fillDefaults gives the zero fields that have a package default their
// default (New and BindFlags share it).
func (o *Options) fillDefaults() {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.SendQueue <= 0 {
		o.SendQueue = DefaultSendQueue
	}
	if o.MaxPushes <= 0 {
		o.MaxPushes = DefaultMaxPushes
	}
	if o.MaxConnsPerSource == 0 {
		o.MaxConnsPerSource = DefaultMaxConnsPerSource
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
}

// New returns a server of the view models in reg, configured by opts. It
// connects to Redis and prepares the API Gateway integration when opts ask
// for them, but listens to nothing yet.
func New(reg *vm.Registry, opts Options) (*Server, error) {
	if reg == nil {
		return nil, errors.New("server: nil view model registry")
	}
	o := opts
	o.fillDefaults()
	if o.MaxConnsPerSource < 0 {
		o.MaxConnsPerSource = 0 // the transport's "no limit"
	}
	if o.TokenLifetime < 0 {
		return nil, fmt.Errorf("--token-lifetime must be positive, got %v", o.TokenLifetime)
	}
	if o.JWT.Leeway < 0 {
		return nil, fmt.Errorf("--jwt-leeway must not be negative, got %v", o.JWT.Leeway)
	}
	log := o.Logger
	if _, err := NewLogger(o.LogFormat, o.Debug); err != nil {
		return nil, err
	}
	if log == nil {
		log, _ = NewLogger(o.LogFormat, o.Debug)
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together: pass both (the certificate chain and its private key, PEM files) or neither")
	}
	if o.Cluster && o.redisTarget().IsZero() {
		return nil, errors.New("--cluster needs --redis (or --redis-cluster, --redis-sentinel): the servers share their view models through Redis")
	}
	if !o.redisTarget().IsZero() {
		// Check the flags before anything starts.
		c, err := o.redisTarget().NewClient()
		if err != nil {
			return nil, err
		}
		_ = c.Close()
	} else if o.RedisPassword != "" {
		return nil, errors.New("--redis-password without --redis, --redis-cluster or --redis-sentinel: say which Redis it is for")
	}
	s := &Server{opts: o, log: log, reg: reg, mux: http.NewServeMux()}
	if o.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert %s / --tls-key %s: %w (both must be PEM files: the certificate chain and its unencrypted private key)", o.TLSCert, o.TLSKey, err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.setup(); err != nil {
		s.cancel()
		if s.redis != nil {
			_ = s.redis.Client().Close()
		}
		if s.jwt != nil {
			s.jwt.Close()
		}
		return nil, err
	}
	return s, nil
}

// redisTarget is the Redis of the options (zero without one).
func (o *Options) redisTarget() redisstore.Target {
	return redisstore.Target{URL: o.RedisURL, Cluster: o.RedisCluster, Sentinel: o.RedisSentinel, Password: o.RedisPassword}
}

// setup builds the hub, the transports and the routes.
func (s *Server) setup() error {
	o, log, ctx := s.opts, s.log, s.ctx
	m := metrics.New(metrics.Options{Version: o.Version})
	s.metrics = m
	hopts := hub.Options{Logger: log, Debug: o.Debug, Observer: m, MessagesPerSecond: o.MessagesPerSecond, MessageBurst: 2 * o.MessagesPerSecond}
	if t := o.redisTarget(); !t.IsZero() {
		var err error
		if s.redis, err = redisstore.OpenTarget(ctx, t, redisstore.Options{}); err != nil {
			return err
		}
		hopts.Snapshots = m.Snapshots(s.redis)
		hopts.AsyncSnapshots = o.AsyncSnapshots
		log.Info("state kept in Redis", "redis", t.String(), "mode", t.Mode())
	}
	var token http.Handler
	if len(o.JWT.Key) > 0 || o.JWT.JWKSURL != "" {
		jopts := o.JWT
		if jopts.Logger == nil {
			jopts.Logger = log
		}
		if len(jopts.Key) > 0 && len(jopts.Key) < 32 {
			log.Warn("--jwt-key is shorter than 32 bytes: tokens are easier to forge; use a longer random key")
		}
		if jopts.JWKSURL != "" && jopts.Issuer == "" {
			log.Warn("--jwt-jwks-url without --jwt-issuer: tokens of any issuer signed with these keys are accepted; set --jwt-issuer")
		}
		if jopts.JWKSURL != "" && jopts.Audience == "" {
			log.Warn("--jwt-jwks-url without --jwt-audience: tokens for any app of this provider are accepted; set --jwt-audience to your app client id")
		}
		j, err := auth.NewJWT(jopts)
		if err != nil {
			return err
		}
		s.jwt = j
		hopts.Middlewares = append(hopts.Middlewares, j.Middleware())
		hopts.Filters = append(hopts.Filters, auth.AuthorizeFilter())
		if o.TokenCheck != nil && len(jopts.Key) > 0 {
			token = j.TokenHandler(o.TokenCheck, o.TokenLifetime)
		}
	}
	hopts.Middlewares = append(hopts.Middlewares, o.Middlewares...)
	hopts.Filters = append(hopts.Filters, o.Filters...)
	s.hub = hub.New(s.reg, hopts)
	m.WatchHub(s.hub)

	// With Cluster, the servers share multicast VMs through Redis: the
	// node owns some of them, the relay carries the direct transports'
	// messages to their owners and the responses back.
	var relay *cluster.Relay
	if o.Cluster {
		s.node = cluster.New(s.redis.Client(), cluster.Options{Logger: log, LeaseTTL: o.ClusterLease})
		relay = cluster.NewRelay(s.hub, s.node, store.NewResilient(ctx, m.Store(s.redis), log), log)
	}
	wss, err := ws.New(s.hub, ws.Options{Engine: o.WSEngine, ReadLimit: o.ReadLimit, SendQueue: o.SendQueue, MaxPerSource: o.MaxConnsPerSource,
		AllowedOrigins: o.AllowedOrigins, Logger: log})
	if err != nil {
		return fmt.Errorf("--ws-engine: %w", err)
	}
	s.wss = wss
	s.mux.Handle("GET /ws", s.wss)
	// dotNetify's default transport (SignalR at /dotnetify) and Web API mode.
	s.sr = signalr.New(s.hub, signalr.Options{ReadLimit: o.ReadLimit, SendQueue: o.SendQueue, AllowedOrigins: o.AllowedOrigins, Logger: log})
	s.sr.Register(s.mux)
	webapi.Register(s.mux, s.hub, webapi.Options{MaxBody: o.ReadLimit, Logger: log, Relay: relay})
	if relay != nil {
		s.wss.EnableCluster(relay)
		s.sr.EnableCluster(relay)
	}
	if token != nil {
		s.mux.Handle("POST /token", token)
	}

	if o.ConnectionURL != "" {
		if err := s.setupGateway(ctx, m, relay); err != nil {
			return err
		}
	} else if relay != nil {
		s.node.Start(ctx, relay)
	}
	s.mux.Handle("GET /metrics", m.Handler())
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	s.mux.HandleFunc("GET /readyz", s.ready)
	return nil
}

// setupGateway prepares the API Gateway integration endpoints.
func (s *Server) setupGateway(ctx context.Context, m *metrics.Metrics, relay *cluster.Relay) error {
	o, log := s.opts, s.log
	if o.IntegrationSecret == "" {
		log.Warn("the integration endpoints /api/dotnetify/vm accept calls from anyone: no --integration-secret is set. " +
			"Pass the stack's IntegrationSecret (the gateway sends it in header " + apigw.SecretHeader + "), or keep the server unreachable except from the gateway")
	}
	gopts := apigw.Options{
		ConnectionURL: o.ConnectionURL,
		Region:        o.AWSRegion,
		Credentials:   o.AWSCredentials,
		Secret:        o.IntegrationSecret,
		MaxInFlight:   o.MaxPushes,
		Logger:        log,
		OnPush:        m.OnPush,
		Store:         m.Store(store.NewMemory()),
	}
	if s.redis != nil {
		// A Redis outage does not stop the server: writes wait in memory.
		gopts.Store = store.NewResilient(ctx, m.Store(s.redis), log)
		// Disconnected ids, so that a late message reaching another server
		// (or this one restarted) does not resurrect them.
		gopts.Tombstones = apigw.NewRedisTombstones(s.redis.Client(), "gonetify:gone:")
	}
	if s.node != nil {
		gopts.Router = s.node
	}
	gw, err := apigw.New(ctx, s.hub, gopts)
	if err != nil {
		return err
	}
	s.gw = gw
	if s.node != nil {
		s.node.Start(ctx, gatewayAndRelay{gw, relay})
	}
	go func() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := gw.CheckCredentials(cctx); err != nil {
			log.Error("pushes to the gateway will fail: "+err.Error(), "region", gw.Region())
		}
	}()
	s.mux.Handle("POST /api/dotnetify/vm", m.Integration(gw.Handler()))
	s.mux.Handle("POST /api/dotnetify/vm/disconnect", m.Integration(gw.Handler()))
	if s.redis != nil {
		// Bring back the connections the store remembers, in the
		// background: an update arriving first re-creates its VM by itself.
		go func() { _, _ = gw.Restore(ctx) }()
	}
	return nil
}

// Handle adds a route to the server's handler (the patterns of
// [http.ServeMux]), for pages or APIs served next to the hub. Call it
// before serving.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler returns the server's routes, to mount in another router or
// serve with your own [http.Server].
func (s *Server) Handler() http.Handler { return s.mux }

// Hub returns the server's hub.
func (s *Server) Hub() *hub.Hub { return s.hub }

// Metrics returns the server's metrics (served at /metrics).
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Addr returns the address the server listens on once [Server.Serve] or
// [Server.ListenAndServe] started ("" before).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ListenAndServe listens on [Options.Addr] and serves until ctx ends, then
// shuts down gracefully (see [Server.Shutdown]).
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another server running there? pick another with --addr)", s.opts.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln (with TLS when [Options.TLSCert] is set) until ctx
// ends, then shuts down gracefully. It returns the first error of serving
// or of shutting down. A server serves once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.mux,
		TLSConfig:         s.tls,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	if s.srv != nil {
		s.mu.Unlock()
		_ = ln.Close()
		return errors.New("server: already serving")
	}
	s.srv, s.addr = srv, ln.Addr().String()
	s.mu.Unlock()
	defer gctune.Start(s.opts.GCHeadroom)()

	errc := make(chan error, 1)
	scheme, wsScheme := "http", "ws"
	if s.tls != nil {
		scheme, wsScheme = "https", "wss"
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	attrs := []any{"addr", s.addr, "websocket", wsScheme + "://" + s.addr + "/ws", "signalr", scheme + "://" + s.addr + "/dotnetify",
		"vms", strings.Join(s.reg.Names(), ",")}
	if s.gw != nil {
		attrs = append(attrs, "integration", scheme+"://"+s.addr+"/api/dotnetify/vm", "connection_url", s.opts.ConnectionURL, "aws_region", s.gw.Region())
	}
	s.log.Info("gonetify serving", attrs...)

	select {
	case err := <-errc:
		// The listener failed: stop the rest.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(sctx)
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownDelay+10*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}

// ready is /readyz: 200 while accepting, 503 while draining or, with
// Redis, when Redis does not answer a PING within a second. (/healthz,
// liveness, answers 200 as long as the process serves.)
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if s.redis != nil {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := s.redis.Client().Ping(ctx).Err(); err != nil {
			http.Error(w, "redis unreachable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	fmt.Fprintln(w, "ready")
}

// Shutdown drains the server: /readyz turns 503 (for
// [Options.ShutdownDelay]), WebSocket and SignalR clients are told to go
// away (they reconnect by themselves; their VMs keep their snapshots),
// requests finish, pushes to API Gateway still queued go out, pending
// snapshots are written. ctx bounds the wait after the delay. Later calls
// return the first's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutOnce.Do(func() { s.shutErr = s.shutdown(ctx) })
	return s.shutErr
}

func (s *Server) shutdown(ctx context.Context) error {
	defer s.cancel()
	s.log.Info("shutting down: closing connections (clients reconnect by themselves)")
	s.draining.Store(true)
	if d := s.opts.ShutdownDelay; d > 0 {
		s.log.Info("shutting down: /readyz answers 503; waiting before closing connections", "delay", d)
		time.Sleep(d)
	}
	s.hub.KeepSnapshots()
	if err := s.wss.Shutdown(ctx); err != nil {
		s.log.Warn("websocket shutdown incomplete", "err", err)
	}
	if err := s.sr.Shutdown(ctx); err != nil {
		s.log.Warn("signalr shutdown incomplete", "err", err)
	}
	var err error
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv != nil {
		if err = srv.Shutdown(ctx); errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	}
	if s.gw != nil {
		if err := s.gw.Drain(ctx); err != nil {
			s.log.Warn("pushes to the gateway not all delivered", "err", err)
		}
	}
	if err := s.hub.Close(ctx); err != nil {
		s.log.Warn("view model snapshots not all saved", "err", err)
	}
	if s.jwt != nil {
		s.jwt.Close()
	}
	s.log.Info("stopped")
	return err
}

// Dispatch applies values to the VMs target selects, as a client's
// $dispatch would, and pushes what changed to their clients: from an HTTP
// handler, a queue consumer or a cron job (see hub.Hub.Dispatch). With
// Cluster, every server applies it to the VMs it holds, so it reaches them
// wherever their clients are connected. It returns how many VM instances
// this server reached.
func (s *Server) Dispatch(ctx context.Context, target hub.Target, values map[string]any) (int, error) {
	n, err := s.hub.Dispatch(ctx, target, values)
	if s.node != nil {
		ev, perr := hub.EncodeDispatch(target, values)
		if perr == nil {
			perr = s.node.Publish(ctx, ev)
		}
		if perr != nil {
			s.log.Warn("cluster: dispatch not published to the other servers", "err", perr)
			if err == nil {
				err = perr
			}
		}
	}
	return n, err
}

// gatewayAndRelay is the cluster node's handler of a server that serves
// API Gateway connections and direct ones: a routed message goes to the
// transport that made it (the relay's carry their transport's name), and
// take-overs and events to both.
type gatewayAndRelay struct {
	gw    *apigw.Server
	relay *cluster.Relay
}

// Deliver implements cluster.Handler.
func (g gatewayAndRelay) Deliver(ctx context.Context, msg []byte) {
	var m struct {
		Transport string `json:"transport"`
	}
	if json.Unmarshal(msg, &m) == nil && m.Transport != "" {
		g.relay.Deliver(ctx, msg)
		return
	}
	g.gw.Deliver(ctx, msg)
}

// TakeOver implements cluster.Handler.
func (g gatewayAndRelay) TakeOver(ctx context.Context, key string) {
	g.gw.TakeOver(ctx, key)
	g.relay.TakeOver(ctx, key)
}

// Event implements cluster.Handler.
func (g gatewayAndRelay) Event(ctx context.Context, ev string) {
	g.gw.Event(ctx, ev)
	if !strings.HasPrefix(ev, "dispatch ") { // the gateway's handler ran it
		g.relay.Event(ctx, ev)
	}
}

// Adopt implements cluster.HomeHandler: a dead server's gateway
// connections come back here.
func (g gatewayAndRelay) Adopt(ctx context.Context, connIDs []string) {
	g.gw.Adopt(ctx, connIDs)
}
