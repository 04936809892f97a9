package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"

	"github.com/gonetify/gonetify/internal/bench/baseline"

	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
	nbws "github.com/lesismal/nbio/nbhttp/websocket"
)

// nbioConn is the session of one nbio WebSocket connection.
type nbioConn struct {
	c    *nbws.Conn
	done chan struct{}
	once sync.Once
}

func (c *nbioConn) end() { c.once.Do(func() { close(c.done) }) }

// send writes the frame; nbio keeps what the socket does not take and
// closes the connection past MaxWriteBufferSize. A write error closes it.
func (c *nbioConn) Send(f []byte) {
	if err := c.c.WriteMessage(nbws.TextMessage, f); err != nil {
		_ = c.c.Close()
	}
}

// initNBIO sets s up on nbio: no goroutine per connection, frames written
// from the sender's goroutine.
func initNBIO(s *baseline.Server) baseline.Lib {
	logging.SetLevel(logging.LevelError)
	u := nbws.NewUpgrader()
	u.CheckOrigin = func(*http.Request) bool { return true }
	u.MessageLengthLimit = baseline.ReadLimit
	u.KeepaliveTime = 0 // no read deadline, as the other baselines
	u.OnOpen(func(c *nbws.Conn) {
		s.Opened()
		c.SetSession(&nbioConn{c: c, done: make(chan struct{})})
	})
	u.OnMessage(func(c *nbws.Conn, _ nbws.MessageType, data []byte) {
		if p, ok := c.Session().(*nbioConn); ok {
			s.Handle(p, data, p.done)
		}
	})
	u.OnClose(func(c *nbws.Conn, _ error) {
		if p, ok := c.Session().(*nbioConn); ok {
			s.Closed()
			p.end()
			s.Leave(p)
		}
	})
	return baseline.Lib{
		Serve:      func(w http.ResponseWriter, r *http.Request) { _, _ = u.Upgrade(w, r, nil) },
		NewHTTP:    func(h http.Handler) baseline.HTTPServer { return newNBIOServer(s, h) },
		InlineSend: true,
	}
}

// nbioServer serves a handler with nbhttp's engine on a given listener.
type nbioServer struct {
	h      http.Handler
	bufMax int
	mu     sync.Mutex
	engine *nbhttp.Engine
	done   chan struct{}
}

func newNBIOServer(s *baseline.Server, h http.Handler) *nbioServer {
	return &nbioServer{h: h, bufMax: s.SendQueue() * 256, done: make(chan struct{})}
}

// Serve runs the engine on ln until Shutdown.
func (n *nbioServer) Serve(ln net.Listener) error {
	e := nbhttp.NewEngine(nbhttp.Config{
		Network:            "tcp",
		Addrs:              []string{ln.Addr().String()},
		Listen:             func(string, string) (net.Listener, error) { return ln, nil },
		Handler:            n.h,
		MaxWriteBufferSize: n.bufMax,
		WriteTimeout:       baseline.WriteTimeout,
	})
	if err := e.Start(); err != nil {
		return err
	}
	n.mu.Lock()
	n.engine = e
	n.mu.Unlock()
	<-n.done
	return http.ErrServerClosed
}

// Shutdown stops the engine.
func (n *nbioServer) Shutdown(ctx context.Context) error {
	n.mu.Lock()
	e := n.engine
	n.mu.Unlock()
	defer close(n.done)
	if e == nil {
		return nil
	}
	err := e.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

func init() { baseline.Register(baseline.NBIO, initNBIO) }
