// Package baseline is the raw ceiling `gonetify bench --baseline` compares
// gonetify with: a bare gorilla/websocket server, configured like
// transport/ws (same buffer sizes, a reader goroutine and a writer goroutine
// with a bounded queue per connection, closed when the queue is full), that
// answers the createWebSocketHub protocol with pre-serialized response_vm
// frames. It has no view models and no hub: it does the least a server must
// do to deliver the same bytes.
package baseline

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/bench/benchvm"
)

// Options configure a [Server].
type Options struct {
	// PushInterval is how often each connection holding a BenchPushVM is
	// sent a tick (default 1s).
	PushInterval time.Duration
	// FanoutRate is how many ticks per second go to every connection
	// holding BenchFanoutVM (default 10).
	FanoutRate float64
	// SendQueue is the per-connection queue length (default 256, as
	// transport/ws).
	SendQueue int
}

// Server is an http.Handler serving the baseline WebSocket endpoint.
type Server struct {
	opts     Options
	upgrader websocket.Upgrader
	initial  map[string][]byte // vmId -> response_vm frame of the full state
	pong     []byte

	conns atomic.Int64

	mu     sync.RWMutex
	fanout map[*conn]struct{}
	stop   chan struct{}
	once   sync.Once
}

// New returns a baseline server; its fan-out ticker runs until Close.
func New(opts Options) (*Server, error) {
	if opts.PushInterval <= 0 {
		opts.PushInterval = time.Second
	}
	if opts.FanoutRate <= 0 {
		opts.FanoutRate = 10
	}
	if opts.SendQueue <= 0 {
		opts.SendQueue = 256
	}
	s := &Server{
		opts:    opts,
		initial: map[string][]byte{},
		fanout:  map[*conn]struct{}{},
		stop:    make(chan struct{}),
		upgrader: websocket.Upgrader{
			ReadBufferSize:  1024,
			WriteBufferSize: 1024,
			WriteBufferPool: &sync.Pool{},
			CheckOrigin:     func(*http.Request) bool { return true },
		},
	}
	for _, name := range []string{benchvm.Unicast, benchvm.Push, benchvm.Multicast} {
		state, err := benchvm.InitialState(name)
		if err != nil {
			return nil, err
		}
		s.initial[name] = hub.Frame(name, state)
	}
	s.pong = hub.Frame(benchvm.Unicast, benchvm.AppendPong(nil, 1, time.Now().UnixNano()))
	go s.broadcastLoop()
	return s, nil
}

// Close stops the fan-out ticker.
func (s *Server) Close() { s.once.Do(func() { close(s.stop) }) }

// Connections returns the number of open connections.
func (s *Server) Connections() int { return int(s.conns.Load()) }

type conn struct {
	s    *Server
	sock *websocket.Conn
	q    chan []byte
	done chan struct{}
	once sync.Once
}

func (c *conn) end() { c.once.Do(func() { close(c.done) }) }

// send queues a frame; a full queue closes the connection, as transport/ws.
func (c *conn) send(f []byte) {
	select {
	case c.q <- f:
	case <-c.done:
	default:
		c.end()
		_ = c.sock.Close()
	}
}

// ServeHTTP upgrades and serves one connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sock, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.conns.Add(1)
	defer s.conns.Add(-1)
	c := &conn{s: s, sock: sock, q: make(chan []byte, s.opts.SendQueue), done: make(chan struct{})}
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writeLoop() }()
	c.readLoop()
	c.end()
	s.mu.Lock()
	delete(s.fanout, c)
	s.mu.Unlock()
	<-writerDone
	_ = sock.Close()
}

var (
	keyVMID    = []byte(`"vmId":"`)
	callUpdate = []byte(`"update_vm"`)
	callReq    = []byte(`"request_vm"`)
)

func (c *conn) readLoop() {
	c.sock.SetReadLimit(128 << 10)
	for {
		_, frame, err := c.sock.ReadMessage()
		if err != nil {
			return
		}
		switch {
		case bytes.Contains(frame, callUpdate):
			c.send(c.s.pong)
		case bytes.Contains(frame, callReq):
			id := vmID(frame)
			f := c.s.initial[id]
			if f == nil {
				f = c.s.initial[benchvm.Unicast]
			}
			c.send(f)
			switch id {
			case benchvm.Push:
				go c.pushLoop()
			case benchvm.Multicast:
				c.s.mu.Lock()
				c.s.fanout[c] = struct{}{}
				c.s.mu.Unlock()
			}
		}
	}
}

func vmID(frame []byte) string {
	i := bytes.Index(frame, keyVMID)
	if i < 0 {
		return ""
	}
	rest := frame[i+len(keyVMID):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

func (c *conn) writeLoop() {
	for {
		select {
		case f := <-c.q:
			_ = c.sock.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.sock.WriteMessage(websocket.TextMessage, f); err != nil {
				c.end()
				return
			}
		case <-c.done:
			return
		}
	}
}

// pushLoop sends this connection a fresh tick every PushInterval.
func (c *conn) pushLoop() {
	t := time.NewTicker(c.s.opts.PushInterval)
	defer t.Stop()
	var seq int64
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			seq++
			c.send(hub.Frame(benchvm.Push, benchvm.AppendTick(make([]byte, 0, 96), time.Now().UnixNano(), seq)))
		}
	}
}

// broadcastLoop encodes one tick FanoutRate times a second and queues it
// for every fan-out connection.
func (s *Server) broadcastLoop() {
	t := time.NewTicker(time.Duration(float64(time.Second) / s.opts.FanoutRate))
	defer t.Stop()
	var seq int64
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.RLock()
			n := len(s.fanout)
			s.mu.RUnlock()
			if n == 0 {
				continue
			}
			seq++
			f := hub.Frame(benchvm.Multicast, benchvm.AppendTick(make([]byte, 0, 96), time.Now().UnixNano(), seq))
			s.mu.RLock()
			for c := range s.fanout {
				c.send(f)
			}
			s.mu.RUnlock()
		}
	}
}

// Stats returns a one-line description for logs.
func (s *Server) Stats() string { return "conns=" + strconv.Itoa(s.Connections()) }
