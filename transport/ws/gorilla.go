package ws

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
	"github.com/gonetify/gonetify/internal/wsout"
)

// serveGorilla upgrades the request with gorilla/websocket and serves the
// connection on this goroutine (reads) and a writer goroutine until it
// closes.
func (s *Server) serveGorilla(w http.ResponseWriter, r *http.Request) {
	sock, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.opts.Logger.Warn("websocket upgrade refused", "remote", r.RemoteAddr, "err", err)
		return // the upgrader has answered
	}
	c := &conn{s: s, sock: sock, done: make(chan struct{})}
	c.q = wsout.New(s.opts.SendQueue, c.done)
	hc, err := s.connect(r, c, c)
	if err != nil {
		_ = sock.Close()
		return
	}
	c.hc = hc
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writeLoop() }()
	c.readLoop()
	c.shutdown()
	<-writerDone
	_ = sock.Close()
	s.disconnect(c, hc)
}

// conn is a connection served by gorilla/websocket.
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

func (c *conn) goAway() { c.closeWith(websocket.CloseGoingAway, "server shutting down") }

func (c *conn) kill() { _ = c.sock.Close() }

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
			c.closeWith(websocket.CloseUnsupportedData, errBinary)
			return
		}
		if err := c.s.receive(c.hc, frame); err != nil {
			code, text := refusal(err)
			c.closeWith(code, text)
			return
		}
	}
}

// errBinary is the close reason of a binary frame.
const errBinary = "binary frames are not supported: send JSON text"

// refusal is the close code and reason for a frame the hub refused.
func refusal(err error) (int, string) {
	var pe *hub.ProtocolError
	code := websocket.CloseInternalServerErr
	if errors.As(err, &pe) {
		code = websocket.CloseInvalidFramePayloadData
	}
	return code, truncate(err.Error(), 120)
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
