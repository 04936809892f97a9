// Package signalr serves the hub the way dotNetify's default client
// expects it: an ASP.NET Core SignalR hub at /dotnetify, implemented from
// the SignalR transport and hub protocol specifications.
//
// A client POSTs /dotnetify/negotiate (negotiate versions 0 and 1), then
// connects with the connection token over WebSockets (GET /dotnetify?id=…
// upgraded), Server-Sent Events (GET with Accept: text/event-stream, sends
// by POST) or Long Polling (GET polls, POST sends, DELETE closes). Over any
// of them it speaks the JSON hub protocol: a handshake, then records ended
// by 0x1E. A client whose handshake asks for the MessagePack hub protocol
// (version 1) gets it over WebSockets (binary messages) and Long Polling;
// Server-Sent Events carry text only, so there it is refused. The hub
// methods Request_VM, Update_VM and Dispose_VM (names matched
// case-insensitively) run dotNetify's flows on the [hub.Hub]; the server
// calls the client's Response_VM with [vmId, data].
//
// Each SignalR connection is one [hub.Client]. Frames for it wait in a bounded
// queue: a client that does not read them fast enough is closed (and
// reconnects by itself).
package signalr

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/origin"
	"github.com/gonetify/gonetify/internal/wsout"
)

// Transport is one of SignalR's transports.
type Transport string

// The transports, by the names negotiate gives them.
const (
	WebSockets       Transport = "WebSockets"
	ServerSentEvents Transport = "ServerSentEvents"
	LongPolling      Transport = "LongPolling"
)

// Options configure a [Server]. Zero values take the defaults.
type Options struct {
	// Path is the hub path; negotiate is Path + "/negotiate". Default
	// "/dotnetify", where dotNetify's client looks for it.
	Path string
	// Transports are offered by negotiate in this order (the client takes
	// the first it supports and wants). Default WebSockets,
	// ServerSentEvents, LongPolling, as ASP.NET Core.
	Transports []Transport
	// ReadLimit bounds what a client sends: one WebSocket message, one
	// POST body, and a record not yet ended by its separator. Over it the
	// connection is closed (a POST gets 413). Default 128 KiB.
	ReadLimit int64
	// SendQueue is how many records may wait for a slow client before its
	// connection is closed. Default 256.
	SendQueue int
	// PingInterval is how often the server pings over WebSockets and
	// Server-Sent Events; the official client gives up after 30 s of
	// silence. Default 15s.
	PingInterval time.Duration
	// ClientTimeout closes a connection from which nothing (not even a
	// ping: the client pings every 15 s) arrived for that long. Long
	// polling connections are timed by their polls instead. Default 30s.
	ClientTimeout time.Duration
	// HandshakeTimeout closes a connection whose transport started but
	// whose handshake did not arrive in time. Default 15s.
	HandshakeTimeout time.Duration
	// DisconnectTimeout forgets a negotiated connection whose transport
	// never started, or a long polling one that stopped polling, after
	// this long. Default 15s.
	DisconnectTimeout time.Duration
	// PollTimeout is how long a long poll waits for data before it
	// returns empty and the client polls again. Default 25s (ASP.NET
	// waits 90 s; the client's own timeout is 100 s).
	PollTimeout time.Duration
	// WriteTimeout bounds one write to a client. Default 10s.
	WriteTimeout time.Duration
	// MaxConnections bounds the live SignalR connections (negotiated ones
	// included); negotiate answers 503 over it. Zero means no limit.
	MaxConnections int
	// AllowedOrigins lists the browser Origin values accepted ("*" allows
	// any); they also get CORS headers, with credentials. Empty means
	// same-origin only. Requests without an Origin header are accepted.
	AllowedOrigins []string
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Path == "" {
		o.Path = "/dotnetify"
	}
	o.Path = "/" + strings.Trim(o.Path, "/")
	if len(o.Transports) == 0 {
		o.Transports = []Transport{WebSockets, ServerSentEvents, LongPolling}
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 128 << 10
	}
	if o.SendQueue <= 0 {
		o.SendQueue = 256
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 15 * time.Second
	}
	if o.ClientTimeout <= 0 {
		o.ClientTimeout = 30 * time.Second
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 15 * time.Second
	}
	if o.DisconnectTimeout <= 0 {
		o.DisconnectTimeout = 15 * time.Second
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 25 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Server is the SignalR hub endpoint: an http.Handler for the hub path and
// its negotiate path.
type Server struct {
	h        *hub.Hub
	opts     Options
	offered  []byte // the availableTransports JSON
	upgrader websocket.Upgrader

	relay *cluster.Relay // nil unless EnableCluster

	mu       sync.Mutex
	conns    map[string]*conn // by connection token
	closing  bool
	stopping chan struct{}  // closed by Shutdown
	wg       sync.WaitGroup // supervisors and transport handlers
}

// New returns a SignalR server for h.
func New(h *hub.Hub, opts Options) *Server {
	opts.defaults()
	s := &Server{h: h, opts: opts, conns: map[string]*conn{}, stopping: make(chan struct{})}
	type offer struct {
		Transport       Transport `json:"transport"`
		TransferFormats []string  `json:"transferFormats"`
	}
	var offers []offer
	for _, t := range opts.Transports {
		switch t {
		case WebSockets, LongPolling:
			offers = append(offers, offer{t, []string{"Text", "Binary"}})
		case ServerSentEvents:
			offers = append(offers, offer{t, []string{"Text"}})
		}
	}
	s.offered, _ = json.Marshal(offers)
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     s.originAllowed,
	}
	return s
}

// Register mounts the server on mux at its path and its negotiate path,
// for GET, POST, DELETE and OPTIONS. (Method-qualified patterns, unlike a
// bare "/dotnetify", don't conflict with a "GET /" catch-all.)
func (s *Server) Register(mux *http.ServeMux) {
	for _, m := range []string{"GET", "POST", "DELETE", "OPTIONS"} {
		mux.Handle(m+" "+s.opts.Path, s)
		mux.Handle(m+" "+s.opts.Path+"/negotiate", s) // anything but POST gets 405
	}
}

// Connections returns the number of live SignalR connections (negotiated
// ones included).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Shutdown stops accepting connections, sends every connection a close
// message allowing reconnection (the official client reconnects by
// itself), and waits until they are gone or ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		close(s.stopping)
	}
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.terminate("Server is shutting down.", true)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ServeHTTP serves negotiate and the connection endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	negotiate := path == s.opts.Path+"/negotiate"
	if !negotiate && path != s.opts.Path {
		http.NotFound(w, r)
		return
	}
	if !s.cors(w, r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if negotiate {
		s.negotiate(w, r)
		return
	}
	s.connection(w, r)
}

// originAllowed reports whether the request's Origin may use the hub.
func (s *Server) originAllowed(r *http.Request) bool {
	return origin.Allowed(r, s.opts.AllowedOrigins)
}

// cors sets the CORS headers of an allowed cross-origin request; it
// reports false for a refused origin.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if !s.originAllowed(r) {
		s.opts.Logger.Warn("signalr request from a refused origin", "origin", origin, "remote", r.RemoteAddr)
		return false
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Allow-Credentials", "true")
	hd.Add("Vary", "Origin")
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			hd.Set("Access-Control-Allow-Headers", req)
		}
		hd.Set("Access-Control-Max-Age", "600")
	}
	return true
}

// negotiate answers POST <path>/negotiate with a new connection.
func (s *Server) negotiate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "negotiate takes POST", http.StatusMethodNotAllowed)
		return
	}
	version := 0
	if v := r.URL.Query().Get("negotiateVersion"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			http.Error(w, fmt.Sprintf("negotiateVersion %q is not a version number (0 or 1)", truncate(v, 20)), http.StatusBadRequest)
			return
		}
		version = min(n, 1)
	}
	// The body is not used; don't let a client park a large one here.
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	c, err := s.newConn(r, version, "")
	if err != nil {
		s.opts.Logger.Warn("signalr negotiate refused", "remote", r.RemoteAddr, "err", err)
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	buf := make([]byte, 0, 256)
	if version >= 1 {
		buf = append(buf, `{"negotiateVersion":1,"connectionId":"`...)
		buf = append(buf, c.id...)
		buf = append(buf, `","connectionToken":"`...)
		buf = append(buf, c.token...)
	} else {
		buf = append(buf, `{"connectionId":"`...)
		buf = append(buf, c.id...)
	}
	buf = append(buf, `","availableTransports":`...)
	buf = append(buf, s.offered...)
	buf = append(buf, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	_, _ = w.Write(buf)
	s.opts.Logger.Debug("signalr negotiated", "conn", c.id, "remote", r.RemoteAddr, "negotiateVersion", version)
}

// EnableCluster makes the server share its multicast VMs with the other
// servers of a cluster through rl, on every SignalR transport: a message
// for a multicast VM goes to the server that owns it, and the owner's
// responses come back to this server's connection. A WebSocket request
// for a connection negotiated with another server (a balancer without
// sticky sessions) is served here as a new connection; Server-Sent Events
// and long polling, whose requests must all reach the server holding the
// connection, need sticky sessions (as with ASP.NET Core SignalR). Call
// it before serving; run the node with rl as its handler.
func (s *Server) EnableCluster(rl *cluster.Relay) { s.relay = rl }

// newConn registers a negotiated connection and starts its supervisor.
// token is the connection's token, or "" for a new one; a connection that
// already has the token is returned as it is.
func (s *Server) newConn(r *http.Request, version int, token string) (*conn, error) {
	id := newID()
	if s.relay != nil {
		id = s.relay.ConnID(id)
	}
	c := &conn{
		s:       s,
		id:      id,
		remote:  r.RemoteAddr,
		done:    make(chan struct{}),
		created: time.Now(),
	}
	c.out = wsout.New(s.opts.SendQueue, c.done)
	c.token = c.id // negotiate version 0: the client sends the connectionId
	switch {
	case token != "":
		c.token = token
	case version >= 1:
		c.token = newID()
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil, fmt.Errorf("server is shutting down")
	}
	if s.opts.MaxConnections > 0 && len(s.conns) >= s.opts.MaxConnections {
		s.mu.Unlock()
		return nil, fmt.Errorf("too many connections (limit %d)", s.opts.MaxConnections)
	}
	if other := s.conns[c.token]; other != nil {
		s.mu.Unlock()
		return other, nil
	}
	s.conns[c.token] = c
	s.wg.Add(1)
	s.mu.Unlock()
	go c.supervise()
	return c, nil
}

// lookup finds the connection of the request's id, answering the request
// itself when there is none.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *conn {
	id := r.URL.Query().Get("id")
	if id == "" {
		http.Error(w, "Connection ID required", http.StatusBadRequest)
		return nil
	}
	s.mu.Lock()
	c := s.conns[id]
	s.mu.Unlock()
	if c == nil && s.relay != nil && r.Method == http.MethodGet && websocket.IsWebSocketUpgrade(r) {
		// Negotiated with another server of the cluster: a WebSocket
		// carries the whole connection, so it can live here.
		return s.adopt(w, r, id)
	}
	if c == nil {
		http.Error(w, "No Connection with that ID", http.StatusNotFound)
		return nil
	}
	return c
}

// adopt registers a connection for a WebSocket request whose token another
// server of the cluster negotiated.
func (s *Server) adopt(w http.ResponseWriter, r *http.Request, token string) *conn {
	c, err := s.newConn(r, 1, token)
	if err != nil {
		s.opts.Logger.Warn("signalr connection refused", "remote", r.RemoteAddr, "err", err)
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return nil
	}
	s.opts.Logger.Debug("signalr connection negotiated by another server of the cluster served here", "conn", c.id, "remote", r.RemoteAddr)
	return c
}

func (s *Server) remove(c *conn) {
	s.mu.Lock()
	if s.conns[c.token] == c {
		delete(s.conns, c.token)
	}
	s.mu.Unlock()
}

// connection serves the hub path: a transport's GET, a send (POST) or a
// long polling close (DELETE).
func (s *Server) connection(w http.ResponseWriter, r *http.Request) {
	c := s.lookup(w, r)
	if c == nil {
		return
	}
	switch r.Method {
	case http.MethodGet:
		switch {
		case websocket.IsWebSocketUpgrade(r):
			s.serveWebSocket(c, w, r)
		case strings.Contains(r.Header.Get("Accept"), "text/event-stream"):
			s.serveSSE(c, w, r)
		default:
			s.servePoll(c, w, r)
		}
	case http.MethodPost:
		s.serveSend(c, w, r)
	case http.MethodDelete:
		s.serveDelete(c, w, r)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) offers(t Transport) bool {
	for _, o := range s.opts.Transports {
		if o == t {
			return true
		}
	}
	return false
}

// newID returns a random id: 26 base32 characters, 128 bits from
// crypto/rand.
func newID() string { return rand.Text() }
