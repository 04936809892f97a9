// Package baseline is the raw ceiling `gonetify bench --baseline` compares
// gonetify with: a bare WebSocket server that answers the
// createWebSocketHub protocol with pre-serialized response_vm frames. It
// has no view models and no hub: it does the least a server must do to
// deliver the same bytes.
//
// By default it is built on gorilla/websocket, configured like transport/ws
// (same buffer sizes, a reader goroutine and a writer goroutine with a
// bounded queue per connection, closed when the queue is full).
// [Options.Lib] selects another WebSocket library for the same server, so
// that the library transport/ws uses can be chosen by measurement. Only
// gorilla is in this package (and in the gonetify binary); the others live
// in the nested module internal/bench/baselines, which builds the separate
// gonetify-baselines binary and adds them with [Register], so that the main
// module's go.mod does not require them:
//
//   - "gobwas": github.com/gobwas/ws, its low-level frame API on the
//     connection hijacked from net/http; the same reader and writer
//     goroutines and queue as gorilla.
//   - "coder": github.com/coder/websocket; the same goroutines and queue.
//   - "nbio": github.com/lesismal/nbio (nbhttp + websocket) on epoll: no
//     goroutine per connection; messages are handled by nbio's task pool
//     and frames written without a queue of ours (nbio buffers what the
//     socket does not take, up to a bound, then closes the connection).
//     Serve it with [Server.NewHTTPServer], not net/http.
package baseline

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gonetify/gonetify/internal/bench/benchvm"
	"github.com/gonetify/gonetify/internal/wire"
)

// The WebSocket libraries [Options.Lib] accepts.
const (
	Gorilla = "gorilla"
	Gobwas  = "gobwas"
	NBIO    = "nbio"
	Coder   = "coder"
)

// AllLibs lists every library a baseline can be built on, in this binary
// or in gonetify-baselines.
var AllLibs = []string{Gorilla, Gobwas, NBIO, Coder}

// Libs lists the libraries this binary's baseline can use, the default
// first: gorilla, plus those registered with [Register] (in the
// gonetify-baselines binary of internal/bench/baselines).
var Libs = []string{Gorilla}

// libs maps a library name to the set-up of a Server on it.
var libs = map[string]func(*Server) Lib{Gorilla: (*Server).initGorilla}

// Lib is how a [Server] runs on one WebSocket library.
type Lib struct {
	// Serve upgrades and serves one connection: it calls [Server.Opened]
	// and [Server.Closed], [Server.Handle] for every client message, and
	// [Server.Leave] when the connection ends.
	Serve http.HandlerFunc
	// NewHTTP, if set, serves the handler with the library's own engine
	// instead of net/http (nbio's upgrade needs nbhttp).
	NewHTTP func(http.Handler) HTTPServer
	// InlineSend says [Peer.Send] writes to the socket rather than to a
	// queue, so a broadcast is spread over GOMAXPROCS goroutines.
	InlineSend bool
}

// Register makes a library available under name: setup returns how a
// Server runs on it. Call it from an init function, before [New].
func Register(name string, setup func(*Server) Lib) {
	if _, dup := libs[name]; !dup {
		Libs = append(Libs, name)
	}
	libs[name] = setup
}

// Options configure a [Server].
type Options struct {
	// PushInterval is how often each connection holding a BenchPushVM is
	// sent a tick (default 1s).
	PushInterval time.Duration
	// FanoutRate is how many ticks per second go to every connection
	// holding BenchFanoutVM (default 10).
	FanoutRate float64
	// SendQueue is the per-connection queue length (default 256, as
	// transport/ws). For nbio, which has no queue of ours, the bound on
	// the bytes nbio buffers for a connection is SendQueue × 256 bytes.
	SendQueue int
	// Lib is the WebSocket library (default gorilla); see [Libs].
	Lib string
}

// Peer is one connection as the protocol logic sees it.
type Peer interface {
	// Send queues (or writes) a frame; a connection that cannot keep up
	// is closed.
	Send(f []byte)
}

// ReadLimit is the largest client message a baseline accepts, as
// transport/ws.
const ReadLimit = 128 << 10

// WriteTimeout bounds the write of one frame.
const WriteTimeout = 10 * time.Second

// Server is an http.Handler serving the baseline WebSocket endpoint.
type Server struct {
	opts    Options
	serve   http.HandlerFunc
	initial map[string][]byte // vmId -> response_vm frame of the full state
	pong    []byte

	conns atomic.Int64

	// inlineSend: send writes to the socket (nbio), so a broadcast is
	// spread over GOMAXPROCS goroutines instead of walking the members on
	// the ticker's goroutine alone.
	inlineSend bool

	gorilla gorillaLib
	// newHTTP serves the handler with a library's own engine (nbio); nil
	// means net/http.
	newHTTP func(http.Handler) HTTPServer

	mu     sync.RWMutex
	fanout map[Peer]struct{}
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
	if opts.Lib == "" {
		opts.Lib = Gorilla
	}
	s := &Server{
		opts:    opts,
		initial: map[string][]byte{},
		fanout:  map[Peer]struct{}{},
		stop:    make(chan struct{}),
	}
	setup, ok := libs[opts.Lib]
	if !ok {
		return nil, fmt.Errorf("WebSocket library %q is not in this binary: use one of %v (gobwas, nbio and coder are in the gonetify-baselines binary: make bench-baselines builds it)", opts.Lib, Libs)
	}
	lib := setup(s)
	s.serve, s.newHTTP, s.inlineSend = lib.Serve, lib.NewHTTP, lib.InlineSend
	for _, name := range []string{benchvm.Unicast, benchvm.Push, benchvm.Multicast} {
		state, err := benchvm.InitialState(name)
		if err != nil {
			return nil, err
		}
		s.initial[name] = wire.AppendFrame(nil, name, state)
	}
	s.pong = wire.AppendFrame(nil, benchvm.Unicast, benchvm.AppendPong(nil, 1, time.Now().UnixNano()))
	go s.broadcastLoop()
	return s, nil
}

// Lib returns the WebSocket library the server is built on.
func (s *Server) Lib() string { return s.opts.Lib }

// SendQueue returns the per-connection queue length (for nbio: the bound
// on its write buffer is SendQueue × 256 bytes).
func (s *Server) SendQueue() int { return s.opts.SendQueue }

// Opened counts a new connection.
func (s *Server) Opened() { s.conns.Add(1) }

// Closed counts a connection's end.
func (s *Server) Closed() { s.conns.Add(-1) }

// HTTPServer is what serves a [Server]'s endpoints on a listener:
// *http.Server, or nbio's engine for the nbio library.
type HTTPServer interface {
	Serve(ln net.Listener) error
	Shutdown(ctx context.Context) error
}

// NewHTTPServer returns the server for h (a handler routing the WebSocket
// path to s, with any other endpoints): net/http, or for nbio nbhttp's
// engine, which nbio's upgrade requires.
func (s *Server) NewHTTPServer(h http.Handler) HTTPServer {
	if s.newHTTP != nil {
		return s.newHTTP(h)
	}
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
}

// Close stops the fan-out ticker.
func (s *Server) Close() { s.once.Do(func() { close(s.stop) }) }

// Connections returns the number of open connections.
func (s *Server) Connections() int { return int(s.conns.Load()) }

// ServeHTTP upgrades and serves one connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r) }

var (
	keyVMID    = []byte(`"vmId":"`)
	callUpdate = []byte(`"update_vm"`)
	callReq    = []byte(`"request_vm"`)
)

// Handle answers one client message; done ends p's push loop.
func (s *Server) Handle(p Peer, frame []byte, done <-chan struct{}) {
	switch {
	case bytes.Contains(frame, callUpdate):
		p.Send(s.pong)
	case bytes.Contains(frame, callReq):
		id := vmID(frame)
		f := s.initial[id]
		if f == nil {
			f = s.initial[benchvm.Unicast]
		}
		p.Send(f)
		switch id {
		case benchvm.Push:
			go s.pushLoop(p, done)
		case benchvm.Multicast:
			s.mu.Lock()
			s.fanout[p] = struct{}{}
			s.mu.Unlock()
		}
	}
}

// Leave removes p from the fan-out set.
func (s *Server) Leave(p Peer) {
	s.mu.Lock()
	delete(s.fanout, p)
	s.mu.Unlock()
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

// pushLoop sends p a fresh tick every PushInterval until done.
func (s *Server) pushLoop(p Peer, done <-chan struct{}) {
	t := time.NewTicker(s.opts.PushInterval)
	defer t.Stop()
	var seq int64
	for {
		select {
		case <-done:
			return
		case <-t.C:
			seq++
			p.Send(wire.AppendFrame(nil, benchvm.Push, benchvm.AppendTick(make([]byte, 0, 96), time.Now().UnixNano(), seq)))
		}
	}
}

// broadcastLoop encodes one tick FanoutRate times a second and queues it
// for every fan-out connection.
func (s *Server) broadcastLoop() {
	t := time.NewTicker(time.Duration(float64(time.Second) / s.opts.FanoutRate))
	defer t.Stop()
	var seq int64
	var members []Peer
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
			f := wire.AppendFrame(nil, benchvm.Multicast, benchvm.AppendTick(make([]byte, 0, 96), time.Now().UnixNano(), seq))
			if !s.inlineSend {
				s.mu.RLock()
				for c := range s.fanout {
					c.Send(f)
				}
				s.mu.RUnlock()
				continue
			}
			// The sends write to sockets: snapshot the members and
			// write from one goroutine per P.
			s.mu.RLock()
			members = members[:0]
			for c := range s.fanout {
				members = append(members, c)
			}
			s.mu.RUnlock()
			parts := runtime.GOMAXPROCS(0)
			var wg sync.WaitGroup
			for i := 0; i < parts; i++ {
				lo, hi := len(members)*i/parts, len(members)*(i+1)/parts
				wg.Add(1)
				go func(part []Peer) {
					defer wg.Done()
					for _, c := range part {
						c.Send(f)
					}
				}(members[lo:hi])
			}
			wg.Wait()
		}
	}
}

// Stats returns a one-line description for logs.
func (s *Server) Stats() string { return "conns=" + strconv.Itoa(s.Connections()) }
