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
// that the library transport/ws uses can be chosen by measurement:
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

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/bench/benchvm"
)

// The WebSocket libraries [Options.Lib] accepts.
const (
	Gorilla = "gorilla"
	Gobwas  = "gobwas"
	NBIO    = "nbio"
	Coder   = "coder"
)

// Libs lists the libraries this build of the baseline can use, the default
// first. gobwas, nbio and coder are in builds with -tags benchlibs only,
// so the gonetify binary does not link them (nbio brings an old fork of
// crypto/tls).
var Libs = []string{Gorilla}

// libs maps a library name to the set-up of a Server on it.
var libs = map[string]func(*Server){Gorilla: (*Server).initGorilla}

// addLib makes a library available (from the files built with benchlibs).
//
//lint:ignore U1000 used by the files built with -tags benchlibs
func addLib(name string, init func(*Server)) {
	libs[name] = init
	Libs = append(Libs, name)
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

// peer is one connection as the protocol logic sees it.
type peer interface {
	// send queues (or writes) a frame; a connection that cannot keep up
	// is closed.
	send(f []byte)
}

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
	fanout map[peer]struct{}
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
		fanout:  map[peer]struct{}{},
		stop:    make(chan struct{}),
	}
	init, ok := libs[opts.Lib]
	if !ok {
		return nil, fmt.Errorf("WebSocket library %q is not in this build: use one of %v (gobwas, nbio and coder need a build with -tags benchlibs: scripts/bench-libs.sh does that)", opts.Lib, Libs)
	}
	init(s)
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

// Lib returns the WebSocket library the server is built on.
func (s *Server) Lib() string { return s.opts.Lib }

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

// readLimit is the largest client message accepted, as transport/ws.
const readLimit = 128 << 10

// writeTimeout bounds the write of one frame.
const writeTimeout = 10 * time.Second

// handle answers one client message; done ends p's push loop.
func (s *Server) handle(p peer, frame []byte, done <-chan struct{}) {
	switch {
	case bytes.Contains(frame, callUpdate):
		p.send(s.pong)
	case bytes.Contains(frame, callReq):
		id := vmID(frame)
		f := s.initial[id]
		if f == nil {
			f = s.initial[benchvm.Unicast]
		}
		p.send(f)
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

// leave removes p from the fan-out set.
func (s *Server) leave(p peer) {
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
func (s *Server) pushLoop(p peer, done <-chan struct{}) {
	t := time.NewTicker(s.opts.PushInterval)
	defer t.Stop()
	var seq int64
	for {
		select {
		case <-done:
			return
		case <-t.C:
			seq++
			p.send(hub.Frame(benchvm.Push, benchvm.AppendTick(make([]byte, 0, 96), time.Now().UnixNano(), seq)))
		}
	}
}

// broadcastLoop encodes one tick FanoutRate times a second and queues it
// for every fan-out connection.
func (s *Server) broadcastLoop() {
	t := time.NewTicker(time.Duration(float64(time.Second) / s.opts.FanoutRate))
	defer t.Stop()
	var seq int64
	var members []peer
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
			if !s.inlineSend {
				s.mu.RLock()
				for c := range s.fanout {
					c.send(f)
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
				go func(part []peer) {
					defer wg.Done()
					for _, c := range part {
						c.send(f)
					}
				}(members[lo:hi])
			}
			wg.Wait()
		}
	}
}

// Stats returns a one-line description for logs.
func (s *Server) Stats() string { return "conns=" + strconv.Itoa(s.Connections()) }
