package main

import (
	"bytes"
	"context"
	"net/http"
	"sync"

	"github.com/gonetify/gonetify/internal/bench/baseline"

	"github.com/coder/websocket"
)

// coderConn is a connection of the coder/websocket baseline: a reader
// (net/http's goroutine) reading each message into a reused buffer, and, as
// with gorilla, a writer goroutine draining a bounded queue.
type coderConn struct {
	sock *websocket.Conn
	q    chan []byte
	done chan struct{}
	once sync.Once
}

func (c *coderConn) end() { c.once.Do(func() { close(c.done) }) }

func (c *coderConn) Send(f []byte) {
	select {
	case c.q <- f:
	case <-c.done:
	default:
		c.end()
		_ = c.sock.CloseNow()
	}
}

// serveCoder serves one connection of s on coder/websocket.
func serveCoder(s *baseline.Server, w http.ResponseWriter, r *http.Request) {
	sock, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		return
	}
	s.Opened()
	defer s.Closed()
	sock.SetReadLimit(baseline.ReadLimit)
	c := &coderConn{sock: sock, q: make(chan []byte, s.SendQueue()), done: make(chan struct{})}
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writeLoop() }()
	c.readLoop(s)
	c.end()
	s.Leave(c)
	<-writerDone
	_ = sock.CloseNow()
}

func (c *coderConn) readLoop(s *baseline.Server) {
	var buf bytes.Buffer
	ctx := context.Background()
	for {
		_, r, err := c.sock.Reader(ctx)
		if err != nil {
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return
		}
		s.Handle(c, buf.Bytes(), c.done)
	}
}

func (c *coderConn) writeLoop() {
	for {
		select {
		case f := <-c.q:
			ctx, cancel := context.WithTimeout(context.Background(), baseline.WriteTimeout)
			err := c.sock.Write(ctx, websocket.MessageText, f)
			cancel()
			if err != nil {
				c.end()
				return
			}
		case <-c.done:
			return
		}
	}
}

func init() {
	baseline.Register(baseline.Coder, func(s *baseline.Server) baseline.Lib {
		return baseline.Lib{Serve: func(w http.ResponseWriter, r *http.Request) { serveCoder(s, w, r) }}
	})
}
