package signalr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wsout"
	"github.com/gonetify/gonetify/vm"
)

// conn is one SignalR connection, from negotiate to its end.
type conn struct {
	s       *Server
	id      string // connectionId: the hub connection's id
	token   string // connectionToken: the ?id= of the transport requests
	remote  string
	created time.Time
	out     *wsout.Queue  // records for the client
	done    chan struct{} // closed when the connection ends

	closeOnce sync.Once
	closeRec  []byte // written before done is closed: the last record, or nil

	finalOnce sync.Once
	lpFinal   chan struct{} // long polling: the client knows it is closed

	mu          sync.Mutex
	transport   Transport // "" until a transport request arrives
	started     time.Time
	header      http.Header
	query       url.Values // of the transport request (the client's access_token)
	handshaken  bool
	ended       bool // the supervisor has released the hub connection
	hc          *hub.Client
	lastRecv    time.Time
	pollStarted bool          // long polling: the initial poll was answered
	polling     bool          // long polling: a poll is waiting
	pollKick    chan struct{} // long polling: closed to end the waiting poll
	lastPoll    time.Time     // long polling: when the last poll ended
	closeSent   bool          // long polling: closeRec was delivered

	// binary: the handshake chose the MessagePack hub protocol; set once,
	// before the handshake response is queued.
	binary atomic.Bool

	rmu   sync.Mutex // serializes inbound processing; guards inbuf
	inbuf []byte     // the start of a record not yet ended
}

var (
	errQueueFull = errors.New("signalr: send queue full")
	errClosed    = errors.New("signalr: connection closed")
)

// start records that a transport request arrived; it refuses a change of
// transport and a closed connection.
func (c *conn) start(t Transport, r *http.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.transport != "" {
		if c.transport == t && t == LongPolling {
			return nil // polls go on after the end, to learn of it
		}
		return fmt.Errorf("this connection already uses %s: a connection can't change or repeat its transport; negotiate a new one", c.transport)
	}
	if c.isDone() {
		return errClosed
	}
	c.transport = t
	c.started = time.Now()
	c.lastRecv = c.started
	c.lastPoll = c.started
	c.header = r.Header.Clone()
	c.query = r.URL.Query()
	if t == LongPolling {
		c.lpFinal = make(chan struct{})
	}
	return nil
}

// terminate ends the connection: the transport sends what is queued, then
// a close message if errMsg is set or reconnecting is allowed, then stops.
// It never calls the hub, so it is safe from inside a Send.
func (c *conn) terminate(errMsg string, allowReconnect bool) {
	c.closeOnce.Do(func() {
		if errMsg != "" || allowReconnect {
			c.closeRec = c.closeMessage(errMsg, allowReconnect)
		}
		close(c.done)
	})
}

func (c *conn) isDone() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Send implements hub.Sender: it encodes r as a Response_VM invocation
// and queues it without blocking.
func (c *conn) Send(r *hub.Response) error {
	return c.enqueue(c.responseMessage(r))
}

// enqueue queues a record; a full queue closes the connection.
func (c *conn) enqueue(rec []byte) error {
	if c.isDone() {
		return nil // closing: dropped
	}
	switch err := c.out.Push(rec); err {
	case nil, wsout.ErrClosed:
		return nil // closing: dropped
	default:
		c.s.opts.Logger.Warn("signalr send queue full: closing a client that reads too slowly", "conn", c.id, "queue", c.out.Cap())
		c.terminate("Send queue full: the client reads too slowly.", true)
		return errQueueFull
	}
}

// batch returns first followed by records already queued, up to about
// 64 KiB.
func (c *conn) batch(first []byte) []byte {
	var buf []byte
	for {
		rec, ok := c.out.TryPop()
		if !ok {
			if buf == nil {
				return first
			}
			return buf
		}
		if buf == nil {
			buf = make([]byte, 0, max(len(first)+len(rec), 4096))
			buf = append(buf, first...)
		}
		buf = append(buf, rec...)
		if len(buf) >= 64<<10 {
			return buf
		}
	}
}

// drain returns every queued record.
func (c *conn) drain() []byte {
	var buf []byte
	_ = c.out.Flush(func(rec []byte) error { buf = append(buf, rec...); return nil })
	return buf
}

// receive processes bytes from the client: records ended by 0x1E (after
// a MessagePack handshake, length-prefixed messages), which may come
// several at a time or split across calls. An error means the connection
// has been terminated.
func (c *conn) receive(data []byte) error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.isDone() {
		return errClosed
	}
	c.mu.Lock()
	c.lastRecv = time.Now()
	c.mu.Unlock()
	buf := data
	if len(c.inbuf) > 0 {
		buf = append(c.inbuf, data...)
	}
	for {
		rec, n, err := c.nextRecord(buf)
		if err != nil {
			c.inbuf = nil
			c.s.opts.Logger.Warn("signalr malformed message; connection closed", "conn", c.id, "err", err)
			c.terminate("Connection closed with an error: "+err.Error()+".", false)
			return errClosed
		}
		if n == 0 {
			break
		}
		if err := c.record(rec); err != nil {
			c.inbuf = nil
			return err
		}
		buf = buf[n:]
	}
	if int64(len(buf)) > c.s.opts.ReadLimit {
		c.inbuf = nil
		c.s.opts.Logger.Warn("signalr record over the read limit; connection closed", "conn", c.id, "limit", c.s.opts.ReadLimit)
		c.terminate(fmt.Sprintf("Connection closed with an error: a record is larger than the limit of %d bytes.", c.s.opts.ReadLimit), false)
		return errClosed
	}
	c.inbuf = append(c.inbuf[:0:0], buf...)
	if len(c.inbuf) == 0 {
		c.inbuf = nil
	}
	return nil
}

// record processes one complete record.
func (c *conn) record(rec []byte) error {
	log := c.s.opts.Logger
	c.mu.Lock()
	handshaken := c.handshaken
	c.mu.Unlock()
	if !handshaken {
		return c.handshake(rec)
	}
	if log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("signalr message in", "conn", c.id, "record", c.describe(rec))
	}
	m, err := c.parse(rec)
	if err != nil {
		log.Warn("signalr malformed record; connection closed", "conn", c.id, "err", err)
		c.terminate("Connection closed with an error: "+err.Error()+".", false)
		return errClosed
	}
	switch m.Type {
	case typeInvocation:
		c.invoke(m)
	case typeStreamInvocation:
		if m.InvocationID != nil {
			_ = c.enqueue(c.completionMessage(*m.InvocationID, "This hub has no streaming methods."))
		}
	case typeClose:
		c.terminate("", false)
		return errClosed
	default:
		// Pings, and stream items, completions and cancellations this hub
		// never asked for: nothing to do.
	}
	return nil
}

// handshake answers the first record and connects the hub.
func (c *conn) handshake(rec []byte) error {
	protocol, err := parseHandshake(rec)
	if err == nil {
		err = c.transportSupports(protocol)
	}
	if err != nil {
		c.s.opts.Logger.Warn("signalr handshake refused", "conn", c.id, "remote", c.remote, "err", err)
		_ = c.enqueue(handshakeError(err.Error()))
		c.terminate("", false)
		return errClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended || c.isDone() {
		return errClosed
	}
	info := &vm.Conn{ID: c.id, RemoteAddr: c.remote, Header: c.header, Query: c.query, Transport: "signalr-" + strings.ToLower(string(c.transport))}
	c.binary.Store(protocol == protocolMessagePack) // before the response: it decides the frame type
	_ = c.enqueue(handshakeOK)                      // before anything the hub sends
	hc, err := c.s.h.Connect(info, c)
	if err != nil {
		c.s.opts.Logger.Error("hub refused connection", "conn", c.id, "err", err)
		c.terminate("Connection closed with an error: the server refused the connection.", false)
		return errClosed
	}
	c.hc, c.handshaken = hc, true
	if c.s.relay != nil {
		c.s.relay.Attach(c.id, c)
	}
	c.s.opts.Logger.Debug("signalr connected", "conn", c.id, "transport", c.transport, "remote", c.remote)
	return nil
}

// invoke runs a hub method and answers with a completion when the client
// waits for one.
func (c *conn) invoke(m hubMessage) {
	method := strings.ToLower(m.Target)
	var msg hub.Message
	var errMsg string
	args := m.Arguments
	vmID, ok := "", false
	if len(args) > 0 {
		ok = json.Unmarshal(args[0], &vmID) == nil && vmID != ""
	}
	want := map[string][2]int{"request_vm": {1, 2}, "update_vm": {2, 2}, "dispose_vm": {1, 1}}[method]
	switch {
	case want == [2]int{}:
		errMsg = fmt.Sprintf("Unknown hub method '%s'.", truncate(m.Target, 60))
	case len(args) < want[0] || len(args) > want[1]:
		errMsg = fmt.Sprintf("Invocation of '%s' provides %d argument(s) but the method takes %d.", m.Target, len(args), want[1])
	case !ok:
		errMsg = fmt.Sprintf("Invocation of '%s': the first argument must be a non-empty vmId string.", m.Target)
	default:
		msg.VMID = vmID
		switch method {
		case "request_vm":
			msg.CallType = hub.RequestVM
			if len(args) > 1 {
				msg.VMArgs = args[1]
			}
		case "update_vm":
			msg.CallType, msg.Value = hub.UpdateVM, args[1]
		case "dispose_vm":
			msg.CallType = hub.DisposeVM
		}
	}
	c.mu.Lock()
	hc := c.hc
	c.mu.Unlock()
	if errMsg == "" {
		// The message runs in its VM's lane; the read loop goes on. The
		// completion, if asked for, follows the reaction.
		var done func()
		if m.InvocationID != nil {
			id := *m.InvocationID
			done = func() { _ = c.enqueue(c.completionMessage(id, "")) }
		}
		if c.s.relay != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			routed, err := c.s.relay.Route(ctx, hc.Info(), msg, false)
			cancel()
			if routed && err == nil {
				if done != nil {
					done()
				}
				return
			}
		}
		hc.Dispatch(msg, done)
		return
	}
	c.s.opts.Logger.Warn("signalr invocation refused", "conn", c.id, "err", errMsg)
	if m.InvocationID != nil {
		_ = c.enqueue(c.completionMessage(*m.InvocationID, errMsg))
	}
}

// supervise times the connection out and releases it when it ends.
func (c *conn) supervise() {
	o := c.s.opts
	defer c.s.wg.Done()
	interval := max(min(o.HandshakeTimeout, o.DisconnectTimeout, o.ClientTimeout)/3, 10*time.Millisecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	for !c.isDone() {
		select {
		case <-c.done:
		case now := <-t.C:
			if reason := c.expired(now); reason != "" {
				o.Logger.Info("signalr connection timed out", "conn", c.id, "reason", reason)
				c.terminate("Connection closed with an error: "+reason+".", false)
			}
		}
	}
	c.mu.Lock()
	c.ended = true
	hc, transport := c.hc, c.transport
	c.mu.Unlock()
	if hc != nil {
		hc.Close()
		if c.s.relay != nil {
			c.s.relay.Detach(c.id)
		}
	}
	if transport == LongPolling {
		// Keep answering polls until the client has seen the end.
		timer := time.NewTimer(o.DisconnectTimeout)
		select {
		case <-c.lpFinal:
		case <-timer.C:
		case <-c.s.stopping:
			// Shutting down: a waiting poll has the close message by now.
			timer.Reset(time.Second)
			select {
			case <-c.lpFinal:
			case <-timer.C:
			}
		}
		timer.Stop()
	}
	c.s.remove(c)
	o.Logger.Debug("signalr disconnected", "conn", c.id)
}

// expired returns why the connection has timed out, or "".
func (c *conn) expired(now time.Time) string {
	o := c.s.opts
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.transport == "":
		if now.Sub(c.created) > o.DisconnectTimeout {
			return "no transport connected after negotiate"
		}
	case !c.handshaken:
		if now.Sub(c.started) > o.HandshakeTimeout {
			return "no handshake received in time"
		}
	case c.transport == LongPolling:
		if !c.polling && now.Sub(c.lastPoll) > o.DisconnectTimeout {
			return "the client stopped polling"
		}
	default:
		if now.Sub(c.lastRecv) > o.ClientTimeout {
			return "nothing received from the client in time (it pings every 15 s)"
		}
	}
	return ""
}

// final tells the supervisor that a long polling client saw the end.
func (c *conn) final() {
	c.mu.Lock()
	ch := c.lpFinal
	c.mu.Unlock()
	if ch != nil {
		c.finalOnce.Do(func() { close(ch) })
	}
}
