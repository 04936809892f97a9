package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gobwas/ws"

	"github.com/gonetify/gonetify/internal/bench/baseline"
)

// gobwasConn is a connection of the gobwas/ws baseline: the connection
// hijacked from net/http (ws.UpgradeHTTP), frames read with ws.ReadHeader
// from a 1 KiB bufio.Reader (gorilla's ReadBufferSize) into a reused
// buffer, and, as with gorilla, a writer goroutine draining a bounded queue
// with one writev (header + pre-serialized payload) per frame.
type gobwasConn struct {
	nc   net.Conn
	q    chan []byte
	ctl  chan []byte // compiled control frames (pongs)
	done chan struct{}
	once sync.Once
}

func (c *gobwasConn) end() { c.once.Do(func() { close(c.done) }) }

func (c *gobwasConn) Send(f []byte) {
	select {
	case c.q <- f:
	case <-c.done:
	default:
		c.end()
		_ = c.nc.Close()
	}
}

// serveGobwas serves one connection of s on gobwas/ws.
func serveGobwas(s *baseline.Server, w http.ResponseWriter, r *http.Request) {
	nc, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	s.Opened()
	defer s.Closed()
	br := rw.Reader
	if br.Buffered() == 0 {
		br = bufio.NewReaderSize(nc, 1024)
	}
	c := &gobwasConn{nc: nc, q: make(chan []byte, s.SendQueue()), ctl: make(chan []byte, 1), done: make(chan struct{})}
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writeLoop() }()
	c.readLoop(s, br)
	c.end()
	s.Leave(c)
	<-writerDone
	_ = nc.Close()
}

func (c *gobwasConn) readLoop(s *baseline.Server, br *bufio.Reader) {
	var msg, ctl []byte
	for {
		h, err := ws.ReadHeader(br)
		if err != nil || !h.Masked || h.Length > baseline.ReadLimit || int64(len(msg))+h.Length > baseline.ReadLimit {
			return
		}
		n := int(h.Length)
		if h.OpCode.IsControl() {
			if cap(ctl) < n {
				ctl = make([]byte, n)
			}
			p := ctl[:n]
			if _, err := io.ReadFull(br, p); err != nil {
				return
			}
			ws.Cipher(p, h.Mask, 0)
			switch h.OpCode {
			case ws.OpClose:
				return
			case ws.OpPing:
				if f, err := ws.CompileFrame(ws.NewPongFrame(append([]byte(nil), p...))); err == nil {
					select {
					case c.ctl <- f:
					default:
					}
				}
			}
			continue
		}
		off := len(msg)
		msg = append(msg, make([]byte, n)...)
		if _, err := io.ReadFull(br, msg[off:]); err != nil {
			return
		}
		ws.Cipher(msg[off:], h.Mask, 0)
		if !h.Fin {
			continue
		}
		s.Handle(c, msg, c.done)
		msg = msg[:0]
	}
}

func (c *gobwasConn) writeLoop() {
	var hdr [ws.MaxHeaderSize]byte
	for {
		select {
		case f := <-c.q:
			hw := headerWriter{b: hdr[:0]}
			_ = ws.WriteHeader(&hw, ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(len(f))})
			_ = c.nc.SetWriteDeadline(time.Now().Add(baseline.WriteTimeout))
			bufs := net.Buffers{hw.b, f}
			if _, err := bufs.WriteTo(c.nc); err != nil {
				c.end()
				return
			}
		case f := <-c.ctl:
			_ = c.nc.SetWriteDeadline(time.Now().Add(baseline.WriteTimeout))
			if _, err := c.nc.Write(f); err != nil {
				c.end()
				return
			}
		case <-c.done:
			return
		}
	}
}

// headerWriter collects a frame header.
type headerWriter struct{ b []byte }

func (w *headerWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

func init() {
	baseline.Register(baseline.Gobwas, func(s *baseline.Server) baseline.Lib {
		return baseline.Lib{Serve: func(w http.ResponseWriter, r *http.Request) { serveGobwas(s, w, r) }}
	})
}
