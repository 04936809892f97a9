package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/demoweb"
	"github.com/gonetify/gonetify/server"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/vm"
)

// appConfig is what `serve` (and `demo`) configure: the server's options
// and what the demo page needs.
type appConfig struct {
	server.Options
	demoHubURL string // the hub URL the demo page uses; "" means this server's /ws
}

// flags binds the server's flags on fs, described for the example app.
func (c *appConfig) flags(fs *flag.FlagSet) {
	c.BindFlags(fs)
	demoAuthUsage(fs)
}

const serveUsage = `Usage: gonetify serve [flags]

Serves dotNetify's example view models (the demo app): the direct WebSocket
hub at /ws, SignalR at /dotnetify, Web API mode at /api/dotnetify/vm/…, the
demo page at /, and /healthz, /readyz, /metrics. With --connection-url it
also serves an Amazon API Gateway WebSocket API's integrations.

Every flag can also be set as GONETIFY_<FLAG> (dashes as underscores:
GONETIFY_ADDR, GONETIFY_REDIS, …); the command line wins.

Examples:
  gonetify serve --addr 0.0.0.0:8080 --redis redis://127.0.0.1:6379/0 --cluster
  gonetify serve --redis-cluster rediss://clustercfg.example.cache.amazonaws.com:6379 --redis-password "$AUTH_TOKEN" --cluster
  gonetify serve --redis-sentinel mymaster@10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379 --cluster

Flags:
`

func serve(args []string) error {
	fs := newFlagSet("serve", serveUsage)
	var cfg appConfig
	cfg.flags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := server.NewLogger(cfg.LogFormat, cfg.Debug)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := startApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-app.done:
	}
	return app.shutdown()
}

// app is a running app server.
type app struct {
	*server.Server
	addr string
	stop context.CancelFunc
	done chan struct{} // closed when Serve returned
	err  error         // Serve's result, after done
}

// startApp starts the example app server on cfg.Addr: the example VMs,
// the demo's authentication, the demo page at /.
func startApp(ctx context.Context, cfg appConfig, log *slog.Logger) (*app, error) {
	reg := vm.NewRegistry()
	examples.Register(reg)
	opts := cfg.Options
	opts.Logger = log
	opts.Version = version
	if err := demoAuth(&opts, log); err != nil {
		return nil, err
	}
	s, err := server.New(reg, opts)
	if err != nil {
		return nil, err
	}
	s.Handle("GET /", demoweb.Handler(cfg.demoHubURL))
	s.Handle("POST /api/chatroom/system-message", systemMessage(s, opts.IntegrationSecret, log))
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		_ = s.Shutdown(context.Background())
		return nil, fmt.Errorf("cannot listen on %s: %w (is another server running there? pick another with --addr)", opts.Addr, err)
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a := &app{Server: s, addr: ln.Addr().String(), stop: stop, done: make(chan struct{})}
	go func() {
		a.err = s.Serve(sctx, ln)
		close(a.done)
	}()
	return a, nil
}

// shutdown drains the app server (see server.Server.Shutdown) and returns
// the error serving or stopping met.
func (a *app) shutdown() error {
	a.stop()
	<-a.done
	return a.err
}

// systemMessage is POST /api/chatroom/system-message {"text": "…"}: the
// example of a push from outside a VM. Every ChatRoomVM, on every server
// of a cluster, gets the message from "System". It answers the number of
// rooms this server reached. With an integration secret the caller must
// send it (header X-Gonetify-Secret); without one, only this machine may
// call.
func systemMessage(s *server.Server, secret string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if secret != "" {
			if subtle.ConstantTimeCompare([]byte(r.Header.Get(apigw.SecretHeader)), []byte(secret)) != 1 {
				http.Error(w, "missing or wrong "+apigw.SecretHeader+" header", http.StatusUnauthorized)
				return
			}
		} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || !net.ParseIP(host).IsLoopback() {
			http.Error(w, "system messages are accepted from this machine only (or set --integration-secret and send it in "+apigw.SecretHeader+")", http.StatusForbidden)
			return
		}
		var body struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&body); err != nil || strings.TrimSpace(body.Text) == "" {
			http.Error(w, `body must be JSON {"text": "…"} with a non-empty text`, http.StatusBadRequest)
			return
		}
		n, err := s.Dispatch(r.Context(), hub.Target{VMType: "ChatRoomVM"}, map[string]any{"PostSystemMessage": body.Text})
		if err != nil {
			log.Warn("system message: dispatch failed", "err", err)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"rooms": n})
	})
}
