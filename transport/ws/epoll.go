package ws

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
	nbws "github.com/lesismal/nbio/nbhttp/websocket"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
)

// defaultEngine is EngineEpoll where nbio has a poller (epoll, kqueue),
// else EngineGorilla (nbio would fall back to a goroutine per connection).
var defaultEngine = func() string {
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "netbsd", "openbsd", "dragonfly":
		return EngineEpoll
	}
	return EngineGorilla
}()

// sendBufferPerFrame is how many bytes of unsent frames EngineEpoll allows
// per frame of Options.SendQueue.
const sendBufferPerFrame = 4 << 10

// epoll serves connections with nbio: net/http answers the handshake, then
// the socket moves to nbio's poller.
type epoll struct {
	s  *Server
	up *nbws.Upgrader

	once     sync.Once
	engine   *nbhttp.Engine
	startErr error
	stopOnce sync.Once

	// pending holds, by remote address, the connections whose handshake is
	// being answered: a first message can arrive before Upgrade returns.
	pending sync.Map // string → *epollConn

	// Test hooks, set before serving: they widen the window between a
	// connection's handshake and its session.
	hookAfterUpgrade, hookBetweenLookups func()
}

func newEpoll(s *Server) *epoll {
	o := s.opts
	e := &epoll{s: s}
	u := nbws.NewUpgrader()
	u.CheckOrigin = s.checkOrigin
	u.MessageLengthLimit = int(o.ReadLimit)
	// A client that sends nothing (not even the pong of a ping) for two
	// ping intervals is closed.
	u.KeepaliveTime = 2 * o.PingInterval
	u.OnMessage(e.onMessage)
	u.OnClose(e.onClose)
	e.up = u
	return e
}

// start starts the poller, once, on the first connection.
func (e *epoll) start() error {
	e.once.Do(func() {
		setNBIOLogger(e.s.opts.Logger)
		o := e.s.opts
		// Without a cluster, handing a message to the hub never blocks
		// (it decodes it and queues it in its VM's lane), so the poller
		// does it itself rather than waking a goroutine per message. A
		// clustered server may wait on Redis to route it: nbio's pool.
		var executor func(func())
		if e.s.relay == nil {
			executor = func(f func()) { f() }
		}
		eng := nbhttp.NewEngine(nbhttp.Config{
			ServerExecutor:               executor,
			Name:                         "gonetify-ws",
			MaxWriteBufferSize:           o.SendQueue * sendBufferPerFrame,
			MaxWebsocketFramePayloadSize: int(max(o.ReadLimit, 1<<20)),
			ReleaseWebsocketPayload:      true, // the hub copies what it keeps
			SupportServerOnly:            true,
		})
		if err := eng.Start(); err != nil {
			e.startErr = fmt.Errorf("starting the epoll engine (nbio): %w; run with --ws-engine %s instead", err, EngineGorilla)
			return
		}
		e.up.Engine = eng
		e.engine = eng
	})
	return e.startErr
}

// stop stops the poller (the server's Shutdown has ended every
// connection); it is idempotent.
func (e *epoll) stop() {
	e.stopOnce.Do(func() {
		e.once.Do(func() { e.startErr = errStopped }) // no start after a stop
		if e.engine != nil {
			e.engine.Stop()
		}
	})
}

var errStopped = errors.New("the WebSocket server has shut down")

// serve answers the handshake and moves the socket to the poller; release
// is called once the connection has ended.
func (e *epoll) serve(w http.ResponseWriter, r *http.Request, release func()) {
	s := e.s
	if err := e.start(); err != nil {
		release()
		s.opts.Logger.Error("websocket refused: the epoll engine did not start", "err", err)
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	c := &epollConn{s: s, upgraded: make(chan struct{}), ready: make(chan struct{}), release: release}
	e.pending.Store(r.RemoteAddr, c)
	sock, err := e.up.UpgradeAndTransferConnToPoller(w, r, nil)
	if e.hookAfterUpgrade != nil {
		e.hookAfterUpgrade()
	}
	if err == nil {
		sock.SetSession(c) // before it leaves pending: a message may be waiting for it
	}
	e.pending.Delete(r.RemoteAddr)
	if err != nil {
		close(c.upgraded)
		close(c.ready)
		c.end()
		s.opts.Logger.Warn("websocket upgrade refused", "remote", r.RemoteAddr, "err", err)
		return // the upgrader has answered
	}
	c.sock = sock
	// Oversized messages: see onData.
	if nc, ok := sock.Conn.(*nbio.Conn); ok {
		nc.OnData(c.onData)
	}
	close(c.upgraded)
	hc, err := s.connect(r, c, c)
	if err != nil {
		close(c.ready)
		_ = sock.Close()
		return
	}
	c.hc = hc
	c.ping = time.AfterFunc(s.opts.PingInterval, c.sendPing)
	close(c.ready)
}

// conn returns the connection of sock, waiting until its handshake is done.
// Once the session is set (every message but a first one racing the
// handshake) that is one read. Otherwise it looks in pending, and then at
// the session again: serve sets the session before it removes the
// connection from pending, so a connection missing from pending has its
// session set (serve may have done both since the first read).
func (e *epoll) conn(sock *nbws.Conn) *epollConn {
	c, _ := sock.Session().(*epollConn)
	if c == nil {
		if e.hookBetweenLookups != nil {
			e.hookBetweenLookups()
		}
		if p, ok := e.pending.Load(sock.RemoteAddr().String()); ok {
			c = p.(*epollConn)
		} else {
			c, _ = sock.Session().(*epollConn)
		}
	}
	if c != nil {
		<-c.ready
	}
	return c
}

func (e *epoll) onMessage(sock *nbws.Conn, typ nbws.MessageType, data []byte) {
	c := e.conn(sock)
	if c == nil || c.hc == nil || c.refused.Load() {
		return
	}
	if typ != nbws.TextMessage {
		c.s.opts.Logger.Warn("binary frame refused; connection closed", "conn", c.hc.ID())
		c.refused.Store(true)
		c.closeWith(websocket.CloseUnsupportedData, errBinary)
		return
	}
	if err := c.s.receive(c.hc, data); err != nil {
		c.refused.Store(true)
		c.closeWith(refusal(err))
	}
}

// onClose is called by nbio on a goroutine of its own (its timer's Async),
// not on the poller: the hub's side of the end waits for the connection's
// running commands and disposes its VMs, and holds up no other connection
// meanwhile (TestCloseDuringCommand).
func (e *epoll) onClose(sock *nbws.Conn, err error) {
	c := e.conn(sock)
	if c == nil {
		return
	}
	if c.hc == nil {
		c.end()
		return
	}
	if err != nil && !errors.Is(err, nbio.ErrReadTimeout) && !c.closing.Load() {
		c.s.opts.Logger.Debug("websocket read ended", "conn", c.hc.ID(), "err", err)
	}
	c.ping.Stop()
	c.s.disconnect(c, c.hc)
	c.end()
}

// epollConn is a connection served by the epoll engine: no goroutine while
// it is idle.
type epollConn struct {
	s    *Server
	sock *nbws.Conn
	hc   *hub.Client
	// upgraded is closed once sock is set, ready once hc is (or either
	// failed): the poller and the pool wait for them, as a client may
	// send before Upgrade has returned.
	upgraded, ready chan struct{}
	ping            *time.Timer
	closing         atomic.Bool // a close frame was sent (or the socket closed)
	refused         atomic.Bool // a frame was refused: ignore further messages
	discard         atomic.Bool // an oversized message came: ignore further bytes

	once    sync.Once
	release func()
}

// end releases the connection's slot in the server, once.
func (c *epollConn) end() { c.once.Do(c.release) }

// Send implements hub.Sender: it writes the response_vm frame of r now;
// nbio keeps what the socket does not take, up to the send buffer.
func (c *epollConn) Send(r *hub.Response) error {
	err := c.sock.WriteMessage(nbws.TextMessage, wire.Frame(r))
	switch {
	case err == nil || c.closing.Load():
		return nil
	case errors.Is(err, nbio.ErrOverflow):
		c.s.opts.Logger.Warn("send buffer full: closing a client that reads too slowly",
			"conn", c.hc.ID(), "buffer_bytes", c.s.opts.SendQueue*sendBufferPerFrame)
		c.closing.Store(true)
		_ = c.sock.Close()
		return errQueueFull
	default:
		return nil // closed meanwhile: frames for it are dropped
	}
}

// onData parses what the poller read from the socket. nbio's own handler
// would close the socket as soon as a message is over the limit, after
// writing a 1009 close frame: with the rest of the message unread, the
// client could get a reset instead of the frame. This one stops reading
// and closes a second later.
func (c *epollConn) onData(_ *nbio.Conn, data []byte) {
	<-c.upgraded
	if c.discard.Load() {
		return // the rest of an oversized message: not read
	}
	err := c.sock.Parse(data)
	switch {
	case err == nil:
	case errors.Is(err, nbws.ErrMessageTooLarge), errors.Is(err, nbws.ErrControlMessageTooBig):
		// Parse has written the 1009 close frame.
		c.discard.Store(true)
		c.closing.Store(true)
		<-c.ready
		id := ""
		if c.hc != nil {
			id = c.hc.ID()
		}
		c.s.opts.Logger.Warn("client message over the read limit; connection closed", "conn", id, "limit", c.s.opts.ReadLimit)
		c.closeLater()
	default:
		c.sock.CloseWithError(err)
	}
}

// closeWith sends a close frame after what was sent before it, and closes
// the socket when the client answers it or a second later. Messages the
// client sent before it saw the close are still served (unless refused).
func (c *epollConn) closeWith(code int, text string) {
	if c.closing.Swap(true) {
		return
	}
	if err := c.sock.WriteClose(code, text); err != nil {
		_ = c.sock.Close()
		return
	}
	c.closeLater()
}

// closeLater closes the socket a second after a close frame, unless the
// client's answer closed it first.
func (c *epollConn) closeLater() { time.AfterFunc(time.Second, func() { _ = c.sock.Close() }) }

func (c *epollConn) goAway() { c.closeWith(websocket.CloseGoingAway, "server shutting down") }

func (c *epollConn) kill() { _ = c.sock.Close() }

// sendPing pings the client and schedules the next ping; the client's
// answer (or any frame) moves its read deadline.
func (c *epollConn) sendPing() {
	<-c.ready // c.ping is set
	if c.sock.WriteMessage(nbws.PingMessage, nil) == nil {
		c.ping.Reset(c.s.opts.PingInterval)
	}
}

// setNBIOLogger sends nbio's logs to l, once per process (nbio's logger is
// global): its Info lines at Debug.
var setNBIOLogger = func() func(*slog.Logger) {
	var once sync.Once
	return func(l *slog.Logger) {
		once.Do(func() { logging.SetLogger(nbioLog{l.With("lib", "nbio")}) })
	}
}()

type nbioLog struct{ l *slog.Logger }

func (n nbioLog) Debug(format string, v ...any) { n.l.Debug(fmt.Sprintf(format, v...)) }
func (n nbioLog) Info(format string, v ...any)  { n.l.Debug(fmt.Sprintf(format, v...)) }
func (n nbioLog) Warn(format string, v ...any)  { n.l.Warn(fmt.Sprintf(format, v...)) }
func (n nbioLog) Error(format string, v ...any) { n.l.Error(fmt.Sprintf(format, v...)) }
