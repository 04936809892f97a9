// Package ws serves the hub over native WebSockets, speaking the protocol of
// the official client's dotnetify.createWebSocketHub(url): one JSON text
// frame per message in each direction.
//
// Connections are served by one of two engines ([Options.Engine]):
//
//   - [EngineEpoll] (the default on Linux and the BSDs, lesismal/nbio): after
//     the handshake, which net/http serves like any request, the socket is
//     handed to an epoll poller. An idle connection costs no goroutine and
//     no buffer; a message runs on a goroutine of a shared pool (in order
//     per connection), and a frame is written by the goroutine that sends
//     it, nbio keeping what the socket does not take. A connection whose
//     unsent frames pass SendQueue × 4 KiB is closed: the client reads too
//     slowly. TLS connections (the server's --tls-cert) are served by
//     gorilla, so no TLS code but crypto/tls's ever runs.
//   - [EngineGorilla] (gorilla/websocket): a reader goroutine and a writer
//     goroutine per connection, with a bounded queue of SendQueue frames; a
//     full queue closes the connection (1008).
//
// Either way a slow reader never blocks the hub or other clients, and the
// client, which reconnects by itself, gets its full state again.
package ws

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/origin"
	"github.com/gonetify/gonetify/vm"
)

// The engines of [Options.Engine].
const (
	// EngineEpoll serves connections from an epoll poller (lesismal/nbio):
	// no goroutine per idle connection.
	EngineEpoll = "epoll"
	// EngineGorilla serves each connection with its own reader and writer
	// goroutines (gorilla/websocket).
	EngineGorilla = "gorilla"
)

// Engines lists the values [Options.Engine] accepts.
var Engines = []string{EngineEpoll, EngineGorilla}

// Options configure a [Server]. Zero values take the defaults.
type Options struct {
	// Engine is EngineEpoll or EngineGorilla; empty means EngineEpoll
	// where the system has epoll or kqueue, else EngineGorilla.
	Engine string
	// ReadLimit is the largest message accepted, in bytes; a larger one
	// closes the connection with 1009. Default 128 KiB, as API Gateway.
	ReadLimit int64
	// SendQueue is how many frames may wait for a slow reader before its
	// connection is closed (with EngineEpoll: SendQueue × 4 KiB of
	// unsent frames). Default 256.
	SendQueue int
	// PingInterval is how often the server pings; a client that has not
	// answered (pong or any frame) within twice that is closed. Default 30s.
	PingInterval time.Duration
	// WriteTimeout bounds one frame write with EngineGorilla. Default
	// 10s. EngineEpoll's writes never wait: a client that stops reading is
	// closed when its unsent frames pass the send buffer, or when it has
	// answered no ping for two PingIntervals.
	WriteTimeout time.Duration
	// AllowedOrigins lists the Origin header values accepted ("*" allows
	// any). Empty means same-origin only; requests without an Origin header
	// (non-browser clients) are always accepted.
	AllowedOrigins []string
	// MaxPerSource bounds the open connections from one remote IP address;
	// more are refused with 429. Zero means no limit.
	MaxPerSource int
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Engine == "" {
		o.Engine = defaultEngine
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 128 << 10
	}
	if o.SendQueue <= 0 {
		o.SendQueue = 256
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Server is an http.Handler that upgrades requests to WebSockets and
// connects them to a hub.
type Server struct {
	h        *hub.Hub
	opts     Options
	upgrader websocket.Upgrader
	epoll    *epoll // nil with EngineGorilla

	relay *cluster.Relay // nil unless EnableCluster

	mu       sync.Mutex
	conns    map[link]struct{}
	bySource map[string]int
	closing  bool
	wg       sync.WaitGroup
}

// link is a served connection, whichever engine serves it.
type link interface {
	// goAway sends what is queued, then closes with 1001.
	goAway()
	// kill closes the socket at once.
	kill()
}

// New returns a WebSocket server for h. It fails only on an unknown
// Options.Engine.
func New(h *hub.Hub, opts Options) (*Server, error) {
	opts.defaults()
	s := &Server{h: h, opts: opts, conns: map[link]struct{}{}, bySource: map[string]int{}}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     s.checkOrigin,
	}
	switch opts.Engine {
	case EngineGorilla:
	case EngineEpoll:
		s.epoll = newEpoll(s)
	default:
		return nil, fmt.Errorf("unknown WebSocket engine %q: use %s or %s", opts.Engine, EngineEpoll, EngineGorilla)
	}
	return s, nil
}

func (s *Server) checkOrigin(r *http.Request) bool {
	return origin.Allowed(r, s.opts.AllowedOrigins)
}

// ServeHTTP upgrades the request and serves the connection until it closes
// (EngineGorilla), or hands it to the poller (EngineEpoll).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	source, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		source = r.RemoteAddr
	}
	s.mu.Lock()
	closing := s.closing
	full := s.opts.MaxPerSource > 0 && s.bySource[source] >= s.opts.MaxPerSource
	if !closing && !full {
		s.wg.Add(1)
		s.bySource[source]++
	}
	s.mu.Unlock()
	if closing {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	if full {
		s.opts.Logger.Warn("websocket refused: too many connections from one address", "remote", source, "limit", s.opts.MaxPerSource)
		http.Error(w, fmt.Sprintf("too many connections from %s (limit %d): close some, or raise --max-conns-per-source", source, s.opts.MaxPerSource), http.StatusTooManyRequests)
		return
	}
	release := func() {
		s.mu.Lock()
		if s.bySource[source]--; s.bySource[source] <= 0 {
			delete(s.bySource, source)
		}
		s.mu.Unlock()
		s.wg.Done()
	}
	// A TLS connection stays with gorilla: nbio moves only plain TCP
	// sockets to its poller.
	if s.epoll != nil && r.TLS == nil {
		s.epoll.serve(w, r, release)
		return
	}
	defer release()
	s.serveGorilla(w, r)
}

// connect registers a new connection of either engine with the hub, the
// server and the cluster.
func (s *Server) connect(r *http.Request, l link, sender hub.Sender) (*hub.Client, error) {
	info := &vm.Conn{ID: s.connID(), RemoteAddr: r.RemoteAddr, Header: r.Header.Clone(), Query: r.URL.Query(), Transport: "ws"}
	hc, err := s.h.Connect(info, sender)
	if err != nil {
		s.opts.Logger.Error("hub refused connection", "err", err)
		return nil, err
	}
	s.mu.Lock()
	s.conns[l] = struct{}{}
	s.mu.Unlock()
	s.attached(hc.ID(), sender)
	s.opts.Logger.Debug("websocket connected", "conn", info.ID, "remote", r.RemoteAddr)
	return hc, nil
}

// disconnect undoes connect once the connection has ended.
func (s *Server) disconnect(l link, hc *hub.Client) {
	hc.Close()
	s.mu.Lock()
	delete(s.conns, l)
	s.mu.Unlock()
	s.detached(hc.ID())
	s.opts.Logger.Debug("websocket disconnected", "conn", hc.ID())
}

// Shutdown stops accepting connections, flushes every connection's queue,
// closes it with 1001 (going away; clients reconnect by themselves), and
// waits for them to finish or for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]link, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.goAway()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range conns {
			c.kill()
		}
		err = ctx.Err()
	}
	if s.epoll != nil {
		s.epoll.stop()
	}
	return err
}

// Connections returns the number of open WebSocket connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// truncate shortens s to at most n bytes without cutting a UTF-8
// character (a close reason must be valid UTF-8, RFC 6455 §5.5.1).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// newID returns a random id: 26 base32 characters, 128 bits from
// crypto/rand.
func newID() string { return rand.Text() }
