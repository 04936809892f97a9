package baseline

import (
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// gorillaLib is the gorilla/websocket baseline: configured like
// transport/ws, a reader goroutine (net/http's) and a writer goroutine with
// a bounded queue per connection.
type gorillaLib struct {
	upgrader websocket.Upgrader
}

func (s *Server) initGorilla() Lib {
	s.gorilla.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     func(*http.Request) bool { return true },
	}
	return Lib{Serve: s.serveGorilla}
}

type conn struct {
	s    *Server
	sock *websocket.Conn
	q    chan []byte
	done chan struct{}
	once sync.Once
}

func (c *conn) end() { c.once.Do(func() { close(c.done) }) }

// Send queues a frame; a full queue closes the connection, as transport/ws.
func (c *conn) Send(f []byte) {
	select {
	case c.q <- f:
	case <-c.done:
	default:
		c.end()
		_ = c.sock.Close()
	}
}

func (s *Server) serveGorilla(w http.ResponseWriter, r *http.Request) {
	sock, err := s.gorilla.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.Opened()
	defer s.Closed()
	c := &conn{s: s, sock: sock, q: make(chan []byte, s.opts.SendQueue), done: make(chan struct{})}
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writeLoop() }()
	c.readLoop()
	c.end()
	s.Leave(c)
	<-writerDone
	_ = sock.Close()
}

func (c *conn) readLoop() {
	c.sock.SetReadLimit(ReadLimit)
	for {
		_, frame, err := c.sock.ReadMessage()
		if err != nil {
			return
		}
		c.s.Handle(c, frame, c.done)
	}
}

func (c *conn) writeLoop() {
	for {
		select {
		case f := <-c.q:
			_ = c.sock.SetWriteDeadline(time.Now().Add(WriteTimeout))
			if err := c.sock.WriteMessage(websocket.TextMessage, f); err != nil {
				c.end()
				return
			}
		case <-c.done:
			return
		}
	}
}
