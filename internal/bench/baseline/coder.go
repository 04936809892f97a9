//go:build benchlibs

package baseline

import (
	"bytes"
	"context"
	"net/http"
	"sync"

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

func (c *coderConn) send(f []byte) {
	select {
	case c.q <- f:
	case <-c.done:
	default:
		c.end()
		_ = c.sock.CloseNow()
	}
}

func (s *Server) serveCoder(w http.ResponseWriter, r *http.Request) {
	sock, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		return
	}
	s.conns.Add(1)
	defer s.conns.Add(-1)
	sock.SetReadLimit(readLimit)
	c := &coderConn{sock: sock, q: make(chan []byte, s.opts.SendQueue), done: make(chan struct{})}
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writeLoop() }()
	c.readLoop(s)
	c.end()
	s.leave(c)
	<-writerDone
	_ = sock.CloseNow()
}

func (c *coderConn) readLoop(s *Server) {
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
		s.handle(c, buf.Bytes(), c.done)
	}
}

func (c *coderConn) writeLoop() {
	for {
		select {
		case f := <-c.q:
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
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

func init() { addLib(Coder, func(s *Server) { s.serve = s.serveCoder }) }
