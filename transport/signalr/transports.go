package signalr

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/internal/wsout"
)

// startTransport checks that t is offered and may start on c; it answers
// the request itself when not.
func (s *Server) startTransport(c *conn, t Transport, w http.ResponseWriter, r *http.Request) bool {
	if !s.offers(t) {
		http.Error(w, "the "+string(t)+" transport is not enabled on this server", http.StatusBadRequest)
		return false
	}
	if err := c.start(t, r); err != nil {
		if errors.Is(err, errClosed) {
			http.Error(w, "No Connection with that ID", http.StatusNotFound)
			return false
		}
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// trackHandler counts a long-lived transport request for Shutdown; it
// reports false when the server is shutting down.
func (s *Server) trackHandler() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	return true
}

// serveWebSocket runs the WebSockets transport.
func (s *Server) serveWebSocket(c *conn, w http.ResponseWriter, r *http.Request) {
	o := s.opts
	if !s.startTransport(c, WebSockets, w, r) {
		return
	}
	if !s.trackHandler() {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	sock, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		o.Logger.Warn("signalr websocket upgrade refused", "conn", c.id, "remote", r.RemoteAddr, "err", err)
		c.terminate("", false)
		return
	}
	defer func() { _ = sock.Close() }()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		s.wsWriter(c, sock)
	}()
	sock.SetReadLimit(o.ReadLimit)
	for {
		_, data, err := sock.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				o.Logger.Warn("signalr websocket message over the read limit; connection closed", "conn", c.id, "limit", o.ReadLimit)
				c.terminate("Connection closed with an error: a message is larger than the read limit.", false)
			} else {
				c.terminate("", false) // the peer went away
			}
			break
		}
		if c.receive(data) != nil {
			break
		}
	}
	<-writerDone
}

// wsWriter sends queued records and pings until the connection ends, then
// flushes the queue and the close record and closes the socket. Pings wait
// for the handshake response (the first queued record); a MessagePack
// connection gets binary messages.
func (s *Server) wsWriter(c *conn, sock *websocket.Conn) {
	o := s.opts
	answered := false
	write := func(b []byte) error {
		_ = sock.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
		return sock.WriteMessage(c.frameType(), b)
	}
	err := c.out.Run(wsout.Writer{
		Write: func(rec []byte) error { answered = true; return write(c.batch(rec)) },
		Ping: func() error {
			if !answered {
				return nil
			}
			return write(c.pingMessage())
		},
		PingInterval: o.PingInterval,
	})
	if err != nil {
		c.terminate("", false)
		return
	}
	if rest := append(c.drain(), c.closeRec...); len(rest) > 0 && write(rest) != nil {
		c.terminate("", false)
		return
	}
	_ = sock.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(o.WriteTimeout))
	// Unblock the reader if the peer does not answer the close.
	_ = sock.SetReadDeadline(time.Now().Add(time.Second))
}

// serveSSE runs the Server-Sent Events transport: the response streams
// records as events; the client sends by POST.
func (s *Server) serveSSE(c *conn, w http.ResponseWriter, r *http.Request) {
	o := s.opts
	if !s.startTransport(c, ServerSentEvents, w, r) {
		return
	}
	if !s.trackHandler() {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		o.Logger.Warn("signalr server-sent events need a flushing response writer", "conn", c.id, "err", err)
		c.terminate("", false)
		return
	}
	write := func(b []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
		if _, err := w.Write(sseEvent(b)); err != nil { //nolint:gosec // G705: a SignalR record on a text/event-stream, not HTML
			return err
		}
		return rc.Flush()
	}
	err := c.out.Run(wsout.Writer{
		Write:        func(rec []byte) error { return write(c.batch(rec)) },
		Ping:         func() error { return write(pingRecord) },
		PingInterval: o.PingInterval,
		Stop:         r.Context().Done(), // the client went away
	})
	if err != nil {
		c.terminate("", false)
		return
	}
	if rest := append(c.drain(), c.closeRec...); len(rest) > 0 && write(rest) != nil {
		c.terminate("", false)
	}
}

// sseEvent formats data as one event: a "data:" line per line of data.
func sseEvent(data []byte) []byte {
	out := make([]byte, 0, len(data)+16)
	for {
		line, rest, more := bytes.Cut(data, []byte{'\n'})
		out = append(out, "data: "...)
		out = append(out, bytes.TrimSuffix(line, []byte{'\r'})...)
		out = append(out, '\n')
		if !more {
			break
		}
		data = rest
	}
	return append(out, '\n')
}

// servePoll answers one long poll: the first returns at once (the client
// then knows the connection is ready); later ones wait for records up to
// PollTimeout. After the end a poll gets what was left and the close
// record, and the next one 204.
func (s *Server) servePoll(c *conn, w http.ResponseWriter, r *http.Request) {
	o := s.opts
	if !s.startTransport(c, LongPolling, w, r) {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	c.mu.Lock()
	if !c.pollStarted {
		c.pollStarted = true
		c.lastPoll = time.Now()
		c.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		return
	}
	if c.pollKick != nil {
		close(c.pollKick) // a newer poll replaces the waiting one
	}
	kick := make(chan struct{})
	c.pollKick, c.polling = kick, true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.pollKick == kick {
			c.pollKick, c.polling = nil, false
		}
		c.lastPoll = time.Now()
		c.mu.Unlock()
	}()

	if c.isDone() {
		s.finalPoll(c, w)
		return
	}
	timer := time.NewTimer(o.PollTimeout)
	defer timer.Stop()
	select {
	case rec := <-c.out.C():
		c.pollContentType(w)
		_, _ = w.Write(c.batch(rec)) //nolint:gosec // G705: SignalR records (Content-Type set above), not HTML
	case <-c.done:
		s.finalPoll(c, w)
	case <-kick:
		w.WriteHeader(http.StatusOK)
	case <-timer.C:
		w.WriteHeader(http.StatusOK)
	case <-r.Context().Done():
	}
}

// finalPoll answers a poll on an ended connection.
func (s *Server) finalPoll(c *conn, w http.ResponseWriter) {
	rest := c.drain()
	c.mu.Lock()
	if !c.closeSent {
		c.closeSent = true
		rest = append(rest, c.closeRec...)
	}
	c.mu.Unlock()
	if len(rest) > 0 {
		c.pollContentType(w)
		_, _ = w.Write(rest) //nolint:gosec // G705: SignalR records (Content-Type set above), not HTML
		return
	}
	c.final()
	w.WriteHeader(http.StatusNoContent)
}

// serveSend takes records POSTed by a Server-Sent Events or Long Polling
// client.
func (s *Server) serveSend(c *conn, w http.ResponseWriter, r *http.Request) {
	o := s.opts
	c.mu.Lock()
	t := c.transport
	c.mu.Unlock()
	switch t {
	case WebSockets:
		http.Error(w, "POST requests are not allowed for WebSocket connections", http.StatusMethodNotAllowed)
		return
	case "":
		http.Error(w, "start the transport (GET) before sending", http.StatusBadRequest)
		return
	}
	if c.isDone() {
		http.Error(w, "No Connection with that ID", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, o.ReadLimit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			o.Logger.Warn("signalr POST over the read limit; connection closed", "conn", c.id, "limit", o.ReadLimit)
			c.terminate("Connection closed with an error: a message is larger than the read limit.", false)
			http.Error(w, "message larger than the read limit", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading the message failed", http.StatusBadRequest)
		return
	}
	_ = c.receive(body) // a refused record has closed the connection; the client learns it from its stream
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
}

// serveDelete ends a long polling connection.
func (s *Server) serveDelete(c *conn, w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	t := c.transport
	c.mu.Unlock()
	if t != LongPolling && t != "" {
		http.Error(w, "Cannot terminate this connection using the DELETE endpoint.", http.StatusBadRequest)
		return
	}
	c.terminate("", false)
	c.final()
	w.WriteHeader(http.StatusAccepted)
}
