// Package ws serves the hub over native WebSockets, speaking the protocol of
// the official client's dotnetify.createWebSocketHub(url): one JSON text
// frame per message in each direction.
//
// Each connection has a bounded send queue written by its own goroutine, so
// a slow reader never blocks the hub or other clients: when its queue is
// full the connection is closed (1008) and the client, which reconnects by
// itself, gets its full state again.
package ws

import (
	"context"
	"crypto/rand"
	"errors"
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
	"github.com/gonetify/gonetify/internal/wire"
	"github.com/gonetify/gonetify/internal/wsout"
	"github.com/gonetify/gonetify/vm"
)

// Options configure a [Server]. Zero values take the defaults.
type Options struct {
	// ReadLimit is the largest message accepted, in bytes; a larger one
	// closes the connection with 1009. Default 128 KiB, as API Gateway.
	ReadLimit int64
	// SendQueue is how many frames may wait for a slow reader before its
	// connection is closed. Default 256.
	SendQueue int
	// PingInterval is how often the server pings; a client that has not
	// answered (pong or any frame) within twice that is closed. Default 30s.
	PingInterval time.Duration
	// WriteTimeout bounds one frame write. Default 10s.
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

	relay *cluster.Relay // nil unless EnableCluster

	mu       sync.Mutex
	conns    map[*conn]struct{}
	bySource map[string]int
	closing  bool
	wg       sync.WaitGroup
}

// New returns a WebSocket server for h.
func New(h *hub.Hub, opts Options) *Server {
	opts.defaults()
	s := &Server{h: h, opts: opts, conns: map[*conn]struct{}{}, bySource: map[string]int{}}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     s.checkOrigin,
	}
	return s
}

func (s *Server) checkOrigin(r *http.Request) bool {
	return origin.Allowed(r, s.opts.AllowedOrigins)
}

// ServeHTTP upgrades the request and serves the connection until it closes.
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
	defer func() {
		s.mu.Lock()
		if s.bySource[source]--; s.bySource[source] <= 0 {
			delete(s.bySource, source)
		}
		s.mu.Unlock()
		s.wg.Done()
	}()
	sock, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.opts.Logger.Warn("websocket upgrade refused", "remote", r.RemoteAddr, "err", err)
		return // the upgrader has answered
	}
	c := &conn{s: s, sock: sock, done: make(chan struct{})}
	c.q = wsout.New(s.opts.SendQueue, c.done)
	info := &vm.Conn{ID: s.connID(), RemoteAddr: r.RemoteAddr, Header: r.Header.Clone(), Query: r.URL.Query(), Transport: "ws"}
	hc, err := s.h.Connect(info, c)
	if err != nil {
		s.opts.Logger.Error("hub refused connection", "err", err)
		_ = sock.Close()
		return
	}
	c.hc = hc
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.attached(c)
	s.opts.Logger.Debug("websocket connected", "conn", info.ID, "remote", r.RemoteAddr)

	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writeLoop() }()
	c.readLoop()
	c.shutdown()
	<-writerDone
	hc.Close()
	_ = sock.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.detached(info.ID)
	s.opts.Logger.Debug("websocket disconnected", "conn", info.ID)
}

// Shutdown stops accepting connections, flushes every connection's queue,
// closes it with 1001 (going away; clients reconnect by themselves), and
// waits for them to finish or for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.goAway()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			_ = c.sock.Close()
		}
		return ctx.Err()
	}
}

// Connections returns the number of open WebSocket connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

type conn struct {
	s    *Server
	sock *websocket.Conn
	hc   *hub.Client
	q    *wsout.Queue

	once      sync.Once
	done      chan struct{} // closed when the connection ends
	closeCode int           // close frame the writer sends after draining
	closeText string
	mu        sync.Mutex
}

// Send implements hub.Sender: it queues the response_vm frame of r
// without blocking.
func (c *conn) Send(r *hub.Response) error { return c.push(wire.Frame(r)) }

// push queues a frame without blocking.
func (c *conn) push(frame []byte) error {
	switch err := c.q.Push(frame); err {
	case nil, wsout.ErrClosed:
		return nil // closing: frames for it are dropped
	default:
		c.s.opts.Logger.Warn("send queue full: closing a client that reads too slowly", "conn", c.hc.ID(), "queue", c.q.Cap())
		c.closeWith(websocket.ClosePolicyViolation, "send queue full: client reads too slowly")
		// Its socket is not being drained, so don't wait for the writer.
		go func() {
			_ = c.sock.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "send queue full"), time.Now().Add(time.Second))
			_ = c.sock.Close()
		}()
		return errQueueFull
	}
}

var errQueueFull = errors.New("ws: send queue full")

// closeWith asks the writer to send a close frame and end the connection.
func (c *conn) closeWith(code int, text string) {
	c.mu.Lock()
	if c.closeCode == 0 {
		c.closeCode, c.closeText = code, text
	}
	c.mu.Unlock()
	c.shutdown()
}

// goAway flushes the queue and closes with 1001.
func (c *conn) goAway() { c.closeWith(websocket.CloseGoingAway, "server shutting down") }

func (c *conn) shutdown() { c.once.Do(func() { close(c.done) }) }

func (c *conn) readLoop() {
	o := c.s.opts
	c.sock.SetReadLimit(o.ReadLimit)
	deadline := func() { _ = c.sock.SetReadDeadline(time.Now().Add(2 * o.PingInterval)) }
	deadline()
	c.sock.SetPongHandler(func(string) error { deadline(); return nil })
	for {
		typ, frame, err := c.sock.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				o.Logger.Warn("client message over the read limit; connection closed", "conn", c.hc.ID(), "limit", o.ReadLimit)
			} else if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
				select {
				case <-c.done:
				default:
					o.Logger.Debug("websocket read ended", "conn", c.hc.ID(), "err", err)
				}
			}
			return
		}
		deadline()
		if typ != websocket.TextMessage {
			o.Logger.Warn("binary frame refused; connection closed", "conn", c.hc.ID())
			c.closeWith(websocket.CloseUnsupportedData, "binary frames are not supported: send JSON text")
			return
		}
		if err := c.s.receive(c, frame); err != nil {
			var pe *hub.ProtocolError
			code := websocket.CloseInternalServerErr
			if errors.As(err, &pe) {
				code = websocket.CloseInvalidFramePayloadData
			}
			c.closeWith(code, truncate(err.Error(), 120))
			return
		}
	}
}

func (c *conn) writeLoop() {
	o := c.s.opts
	write := func(f []byte) error {
		_ = c.sock.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
		return c.sock.WriteMessage(websocket.TextMessage, f)
	}
	err := c.q.Run(wsout.Writer{
		Write:        write,
		Ping:         func() error { return c.sock.WriteControl(websocket.PingMessage, nil, time.Now().Add(o.WriteTimeout)) },
		PingInterval: o.PingInterval,
	})
	if err != nil {
		c.shutdown()
		return
	}
	c.mu.Lock()
	code, text := c.closeCode, c.closeText
	c.mu.Unlock()
	if code == 0 {
		return // the peer went away
	}
	// Flush what is queued, then say goodbye.
	if err := c.q.Flush(write); err != nil {
		return
	}
	_ = c.sock.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(o.WriteTimeout))
	// Unblock the reader if the peer does not answer the close.
	_ = c.sock.SetReadDeadline(time.Now().Add(time.Second))
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
