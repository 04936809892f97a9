// Package gateway emulates an Amazon API Gateway WebSocket API locally, as
// configured by a CloudFormation template (deploy/cloudformation/gonetify.yaml):
// clients connect to ws://HOST/{stage}; $connect, client messages and
// $disconnect are sent to the template's HTTP integrations with their
// request templates rendered; the backend pushes through the SigV4-protected
// @connections API at /{stage}/@connections/{id}. Limits (frame and message
// sizes, idle and maximum connection time, integration timeout, connection
// rate) default to the AWS values and can be changed through Options.
//
// Delivery is AWS-like by default: a connection's integration calls may
// overlap and $disconnect is best effort; Options.OrderedDelivery is an
// orderly mode for tests. The idle timeout counts messages in both
// directions; $connect forwards the handshake headers AWS forwards;
// request and response templates are rendered by a VTL engine
// (renderTemplate) and all of them are rendered once by New, so that a
// template the emulator cannot render fails at start-up.
//
// Where AWS does not document a behaviour the emulator makes a choice; each
// one is marked "choice" in the comments of this package.
package gateway

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/gonetify/gonetify/internal/wsout"
)

// AWS limits, the defaults of Options.
const (
	DefaultMaxMessageBytes       = 128 << 10
	DefaultMaxFrameBytes         = 32 << 10
	DefaultMaxPostBytes          = 131072
	DefaultIdleTimeout           = 10 * time.Minute
	DefaultMaxConnectionDuration = 2 * time.Hour
	DefaultIntegrationTimeout    = 29 * time.Second
	DefaultConnectRate           = 500
	DefaultSendQueue             = 128
	DefaultMaxClockSkew          = 5 * time.Minute
)

// Options configures a Gateway. Zero values take the AWS defaults.
type Options struct {
	// Stage overrides the template's stage name (required when the
	// template has no AWS::ApiGatewayV2::Stage).
	Stage string
	// Credentials maps AWS access key ids to secret keys accepted on the
	// @connections API. With none, every @connections call is refused.
	Credentials map[string]string
	// HTTPClient calls the integrations (default: a fresh http.Client).
	HTTPClient *http.Client
	// Logger receives the emulator's logs (default slog.Default()).
	Logger *slog.Logger

	// MaxMessageBytes is the largest client message (128 KiB); bigger
	// closes the socket with 1009.
	MaxMessageBytes int64
	// MaxFrameBytes is the largest frame payload either way (32 KiB):
	// bigger client frames close the socket with 1009, bigger outgoing
	// messages are fragmented.
	MaxFrameBytes int
	// MaxPostBytes is the largest @connections POST body (131072); bigger
	// answers 413.
	MaxPostBytes int64
	// IdleTimeout closes (1001) a connection that has carried no message
	// in either direction (client messages, integration replies and
	// @connections pushes all count) for this long (10 min). Pings don't
	// count, as on AWS.
	IdleTimeout time.Duration
	// MaxConnectionDuration closes (1001) any connection this old (2 h).
	MaxConnectionDuration time.Duration
	// IntegrationTimeout caps every integration call (29 s); an
	// integration's own TimeoutInMillis applies when shorter.
	IntegrationTimeout time.Duration
	// ConnectRate is the number of new connections accepted per second
	// (500, with an equal burst); beyond it the handshake answers 429.
	ConnectRate float64
	// SendQueue is the number of frames queued per connection; when full,
	// @connections POST answers 429 LimitExceededException.
	SendQueue int
	// MaxClockSkew is how far X-Amz-Date may be from now (5 min).
	MaxClockSkew time.Duration

	// OrderedDelivery is the orderly mode, for tests that want it: each
	// connection's messages reach the backend one at a time, in order, and
	// its $disconnect waits for them and is retried until the backend
	// answers. By default, as on AWS, the integration calls for one
	// connection's messages may overlap (their order at the backend is not
	// guaranteed) and $disconnect is best effort: it is sent once, as soon
	// as the socket closes, possibly while message calls still run.
	OrderedDelivery bool
	// UnreachableAs404 sends the frame "404" instead of AWS's
	// {"message": "Internal server error", …} when the integration can't be
	// reached, times out or answers 404, so the dotNetify client logs
	// "couldn't reach the dotNetify server's integration endpoint". Not AWS
	// behaviour: AWS never sends that frame (by default a backend 404's
	// body is relayed like any other status's).
	UnreachableAs404 bool

	// ConnectIgnoresStatus accepts the connection whatever status the
	// $connect integration answers, as long as an integration response
	// matches it (the REST non-proxy analogy, where the integration
	// response, not the backend, decides the status). By default (choice,
	// docs/apigw-websocket.md §1.8) a non-2xx status refuses the handshake
	// with that status. With a wrong AppServerUrl this option lets the
	// client connect and then see the "404" frame.
	ConnectIgnoresStatus bool

	// Now is the clock (default time.Now), for SigV4 checks and timestamps.
	Now func() time.Time
	// NewID mints connection, request and message ids (default: 11 random
	// bytes in URL-safe base64, 16 characters ending in "=", like AWS).
	NewID func() string
}

// Gateway is the emulated WebSocket API stage. It is an http.Handler that
// serves /{stage} (WebSocket upgrades) and /{stage}/@connections/{id}.
type Gateway struct {
	api      *API
	opts     Options
	stage    string
	log      *slog.Logger
	client   *http.Client
	verifier *sigV4Verifier
	upgrader websocket.Upgrader
	limiter  *bucket

	mu      sync.Mutex
	conns   map[string]*conn
	closed  bool
	wg      sync.WaitGroup // connection handlers and $disconnect calls
	baseCtx context.Context
	cancel  context.CancelFunc
}

// New returns a Gateway serving api with opts.
func New(api *API, opts Options) (*Gateway, error) {
	if api == nil {
		return nil, errors.New("gateway.New: api is nil; load one with LoadTemplate or LoadTemplateFile")
	}
	stage := opts.Stage
	if stage == "" && api.Stage != nil {
		stage = api.Stage.Name
	}
	if stage == "" {
		return nil, errors.New("the template defines no AWS::ApiGatewayV2::Stage: set Options.Stage (gonetify gateway --stage NAME)")
	}
	if strings.ContainsAny(stage, "/?#@ ") {
		return nil, fmt.Errorf("stage name %q must not contain '/', '?', '#', '@' or spaces", stage)
	}
	if api.Routes["$default"] == nil && len(api.Routes) == 0 {
		return nil, errors.New("the API has no routes: add $connect, $default and $disconnect routes to the template")
	}
	if err := checkTemplates(api); err != nil {
		return nil, err
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.MaxFrameBytes <= 0 {
		opts.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if opts.MaxPostBytes <= 0 {
		opts.MaxPostBytes = DefaultMaxPostBytes
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxConnectionDuration <= 0 {
		opts.MaxConnectionDuration = DefaultMaxConnectionDuration
	}
	if opts.IntegrationTimeout <= 0 {
		opts.IntegrationTimeout = DefaultIntegrationTimeout
	}
	if opts.ConnectRate <= 0 {
		opts.ConnectRate = DefaultConnectRate
	}
	if opts.SendQueue <= 0 {
		opts.SendQueue = DefaultSendQueue
	}
	if opts.MaxClockSkew <= 0 {
		opts.MaxClockSkew = DefaultMaxClockSkew
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = newConnectionID
	}
	g := &Gateway{
		api:    api,
		opts:   opts,
		stage:  stage,
		log:    opts.Logger,
		client: opts.HTTPClient,
		conns:  map[string]*conn{},
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	g.log = g.log.With("component", "gateway", "api", api.ID, "stage", stage)
	if g.client == nil {
		// Keep-alive connections to the backend, enough for many clients
		// talking at once (the default transport keeps only 2 per host).
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 1024
		t.MaxIdleConnsPerHost = 1024
		g.client = &http.Client{Transport: t}
	}
	if len(opts.Credentials) == 0 {
		g.log.Warn("no credentials configured: every @connections call will be refused (set Options.Credentials / --credentials KEYID:SECRET)")
	}
	g.verifier = &sigV4Verifier{region: api.Region, secrets: opts.Credentials, skew: opts.MaxClockSkew, now: opts.Now}
	g.limiter = newBucket(opts.ConnectRate, opts.Now)
	g.upgrader = websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: opts.MaxFrameBytes,
		// API Gateway accepts every Origin.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	g.baseCtx, g.cancel = context.WithCancel(context.Background())
	return g, nil
}

// API returns the API the gateway serves.
func (g *Gateway) API() *API { return g.api }

// Stage returns the stage name (the first path segment of both URLs).
func (g *Gateway) Stage() string { return g.stage }

// WebSocketURL returns the URL clients connect to when the gateway is
// served at host ("127.0.0.1:8081"): ws://HOST/STAGE.
func (g *Gateway) WebSocketURL(host string) string { return "ws://" + host + "/" + g.stage }

// ConnectionURL returns the @connections base URL for host:
// http://HOST/STAGE/@connections (append "/" + connectionId).
func (g *Gateway) ConnectionURL(host string) string {
	return "http://" + host + "/" + g.stage + "/@connections"
}

// ConnectionIDs returns the ids of the open connections.
func (g *Gateway) ConnectionIDs() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return sortedKeys(g.conns)
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := "/" + g.stage
	switch p := r.URL.Path; {
	case p == prefix || p == prefix+"/":
		g.serveWebSocket(w, r)
	case strings.HasPrefix(p, prefix+"/@connections/"):
		id := strings.TrimPrefix(p, prefix+"/@connections/")
		if id == "" || strings.Contains(id, "/") {
			writeAWSError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
			return
		}
		g.serveConnections(w, r, id)
	default:
		// Choice: like execute-api for a path outside the stage (for
		// example /@connections/{id} without the stage: see the
		// trailing-slash trap in docs/apigw-websocket.md §2.4).
		writeAWSError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
	}
}

// Shutdown stops accepting connections, closes every open one with 1001
// ("Going away"), and waits for their $disconnect integrations or ctx.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	conns := make([]*conn, 0, len(g.conns))
	for _, c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.closeWith(websocket.CloseGoingAway, "Going away")
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		g.cancel()
		return nil
	case <-ctx.Done():
		g.cancel()
		return fmt.Errorf("gateway shutdown: %w (some $disconnect integrations were still running)", ctx.Err())
	}
}

// Close shuts the gateway down without waiting for $disconnect calls
// beyond their own timeout.
func (g *Gateway) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), g.opts.IntegrationTimeout+time.Second)
	defer cancel()
	return g.Shutdown(ctx)
}

// newConnectionID returns an id shaped like API Gateway's: 11 random bytes
// in URL-safe base64, 16 characters ending in "=".
func newConnectionID() string {
	var b [11]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("gateway: crypto/rand failed: " + err.Error())
	}
	return base64.URLEncoding.EncodeToString(b[:])
}

// ---------------------------------------------------------------------------
// WebSocket side

type conn struct {
	g           *Gateway
	id          string
	ws          *websocket.Conn
	fc          *frameConn
	connectedAt time.Time
	sourceIP    string
	userAgent   string
	domain      string

	mu           sync.Mutex // guards ws, fc, pendingClose, lastActive, idle
	pendingClose *closeRequest
	lastActive   time.Time
	out          *wsout.Queue
	done         chan struct{}
	closeOnce    sync.Once
	idle         *time.Timer
	maxLife      *time.Timer
}

func (g *Gateway) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, "Upgrade Required", http.StatusUpgradeRequired)
		return
	}
	g.mu.Lock()
	closed := g.closed
	if !closed {
		g.wg.Add(1)
	}
	g.mu.Unlock()
	if closed {
		http.Error(w, "gateway is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer g.wg.Done()
	if !g.limiter.allow() {
		g.log.Warn("connection refused: new-connection rate limit", "rate", g.opts.ConnectRate)
		writeAWSError(w, http.StatusTooManyRequests, "LimitExceededException", "Too Many Requests")
		return
	}
	now := g.opts.Now()
	c := &conn{
		g:           g,
		id:          g.opts.NewID(),
		connectedAt: now,
		lastActive:  now,
		sourceIP:    remoteIP(r),
		userAgent:   r.UserAgent(),
		domain:      hostOnly(r.Host),
		done:        make(chan struct{}),
	}
	c.out = wsout.New(g.opts.SendQueue, c.done)
	log := g.log.With("connectionId", c.id)

	// $connect runs while the upgrade is pending; @connections calls for
	// this id answer 410 until it succeeds (c is not registered yet).
	respHeader := http.Header{}
	if route := g.api.Routes["$connect"]; route != nil && route.Integration != nil {
		ctxVars := c.contextVars("CONNECT", "$connect", g.opts.NewID(), "")
		if missing := route.MissingParameters(r); len(missing) > 0 {
			log.Warn("connection refused: required route request parameters missing", "missing", strings.Join(missing, ", "))
			writeAWSError(w, http.StatusBadRequest, "BadRequestException", "Missing required request parameters: ["+strings.Join(missing, ", ")+"]")
			return
		}
		res, err := g.invoke(r.Context(), route, ctxVars, nil, r, c.forwardedHeaders(r))
		if err != nil {
			log.Error("connection refused: $connect integration failed", "uri", route.Integration.URI, "err", err)
			writeAWSError(w, http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
			return
		}
		ctxVars["status"] = strconv.Itoa(res.status)
		accept := res.status >= 200 && res.status <= 299
		if !accept && g.opts.ConnectIgnoresStatus && route.Integration.ResponseMatches(res.status) {
			log.Warn("$connect integration answered non-2xx; accepting anyway (ConnectIgnoresStatus)", "status", res.status)
			accept = true
		}
		if !accept {
			log.Warn("connection refused by the $connect integration", "status", res.status)
			// Choice (non-proxy HTTP): the backend's status, no body frames.
			http.Error(w, http.StatusText(res.status), res.status)
			return
		}
		if p := res.header.Get("Sec-WebSocket-Protocol"); p != "" && len(websocket.Subprotocols(r)) > 0 {
			respHeader.Set("Sec-WebSocket-Protocol", p)
		}
	}
	// Register before the 101 goes out, so that a push right after the
	// client sees the handshake finds the connection.
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		http.Error(w, "gateway is shutting down", http.StatusServiceUnavailable)
		return
	}
	g.conns[c.id] = c
	g.mu.Unlock()
	fw := &frameLimitWriter{ResponseWriter: w, max: uint64(g.opts.MaxFrameBytes)} //nolint:gosec // New makes MaxFrameBytes positive
	ws, err := g.upgrader.Upgrade(fw, r, respHeader)
	if err != nil {
		g.mu.Lock()
		delete(g.conns, c.id)
		g.mu.Unlock()
		c.shutdown()
		log.Warn("WebSocket upgrade failed after $connect succeeded; no $disconnect will be sent", "err", err)
		return
	}
	ws.SetReadLimit(g.opts.MaxMessageBytes)
	c.mu.Lock()
	c.ws, c.fc = ws, fw.fc
	pending := c.pendingClose
	c.mu.Unlock()
	if pending != nil {
		c.closeWith(pending.code, pending.reason)
	}
	log.Info("connected", "sourceIp", c.sourceIP)

	idle := time.AfterFunc(g.opts.IdleTimeout, func() {
		log.Info("closing idle connection", "idleTimeout", g.opts.IdleTimeout)
		c.closeWith(websocket.CloseGoingAway, "Going away")
	})
	c.mu.Lock()
	c.idle = idle
	c.mu.Unlock()
	c.maxLife = time.AfterFunc(g.opts.MaxConnectionDuration, func() {
		log.Info("closing connection at the maximum duration", "maxDuration", g.opts.MaxConnectionDuration)
		c.closeWith(websocket.CloseGoingAway, "Going away")
	})
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writer() }()
	var handlers sync.WaitGroup
	c.readLoop(log, &handlers)

	c.mu.Lock()
	c.idle = nil // a last write must not restart it
	c.mu.Unlock()
	idle.Stop()
	c.maxLife.Stop()
	g.mu.Lock()
	delete(g.conns, c.id)
	g.mu.Unlock()
	c.shutdown()
	<-writerDone
	ws.Close()
	log.Info("disconnected")
	if g.opts.OrderedDelivery {
		// Orderly mode: $disconnect follows every message call.
		handlers.Wait()
	}
	g.disconnect(log, c)
	handlers.Wait()
}

// disconnect calls the $disconnect integration. By default it is sent
// once, best effort, possibly while calls for the connection's messages
// still run (as on AWS, which documents $disconnect as best effort). In
// orderly mode a failed call is retried a few times.
func (g *Gateway) disconnect(log *slog.Logger, c *conn) {
	route := g.api.Routes["$disconnect"]
	if route == nil || route.Integration == nil {
		return
	}
	attempts := 1
	if g.opts.OrderedDelivery {
		attempts = 4
	}
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-g.baseCtx.Done():
				return
			case <-time.After(time.Duration(i) * 100 * time.Millisecond):
			}
		}
		ctxVars := c.contextVars("DISCONNECT", "$disconnect", g.opts.NewID(), "")
		res, err := g.invoke(g.baseCtx, route, ctxVars, nil, nil, nil)
		switch {
		case err != nil:
			log.Error("$disconnect integration failed", "uri", route.Integration.URI, "attempt", i+1, "err", err)
			continue
		case res.status >= 500:
			log.Warn("$disconnect integration answered 5xx", "status", res.status, "attempt", i+1)
			continue
		case res.status < 200 || res.status > 299:
			log.Warn("$disconnect integration answered non-2xx", "status", res.status)
		}
		return
	}
}

func (c *conn) readLoop(log *slog.Logger, handlers *sync.WaitGroup) {
	var serial chan []byte
	defer func() {
		if serial != nil {
			close(serial)
		}
	}()
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			switch {
			case c.fc != nil && c.fc.tooBig():
				log.Warn("closing: client frame larger than the frame limit", "maxFrameBytes", c.g.opts.MaxFrameBytes)
				c.closeWith(websocket.CloseMessageTooBig, "Frame size exceeds limit")
			case errors.Is(err, websocket.ErrReadLimit):
				log.Warn("closing: client message larger than the message limit", "maxMessageBytes", c.g.opts.MaxMessageBytes)
				c.closeWith(websocket.CloseMessageTooBig, "Message too big")
			}
			return
		}
		if mt == websocket.BinaryMessage {
			log.Warn("closing: binary frame (API Gateway accepts text only)")
			c.closeWith(websocket.CloseUnsupportedData, "Binary frames are not supported")
			return
		}
		c.active()
		handlers.Add(1)
		if !c.g.opts.OrderedDelivery {
			// As on AWS: every message is its own integration call, and
			// calls for one connection may overlap.
			go func() { defer handlers.Done(); c.handleMessage(log, data) }()
			continue
		}
		// Orderly mode: a connection's messages reach the backend one at a
		// time, in order, while this loop keeps reading (control frames,
		// limits).
		if serial == nil {
			serial = make(chan []byte, 64)
			go func() {
				for d := range serial {
					c.handleMessage(log, d)
					handlers.Done()
				}
			}()
		}
		serial <- data
	}
}

func (c *conn) handleMessage(log *slog.Logger, data []byte) {
	g := c.g
	requestID := g.opts.NewID()
	key, ok := selectRoute(g.api, data)
	if !ok {
		log.Warn("no route matches the message and there is no $default route")
		c.reply(log, errorFrame("Forbidden", c.id, requestID))
		return
	}
	route := g.api.Routes[key]
	if route.Integration == nil {
		log.Warn("route has no integration", "route", key)
		c.reply(log, errorFrame("Internal server error", c.id, requestID))
		return
	}
	ctxVars := c.contextVars("MESSAGE", key, requestID, g.opts.NewID())
	res, err := g.invoke(g.baseCtx, route, ctxVars, data, nil, nil)
	if err != nil {
		log.Error("integration call failed", "route", key, "uri", route.Integration.URI, "err", err)
		switch {
		case g.opts.UnreachableAs404:
			c.reply(log, []byte("404"))
		case errors.Is(err, errIntegrationTimeout):
			c.reply(log, errorFrame("Endpoint request timed out", c.id, requestID))
		default:
			c.reply(log, errorFrame("Internal server error", c.id, requestID))
		}
		return
	}
	log.Debug("integration answered", "route", key, "status", res.status, "bytes", len(res.body))
	if !route.TwoWay() {
		return
	}
	ir := route.Integration.Response(res.status)
	if ir == nil {
		log.Error("no integration response matches the backend status; add an IntegrationResponse with key $default", "status", res.status)
		c.reply(log, errorFrame("Internal server error", c.id, requestID))
		return
	}
	if res.status == http.StatusNotFound {
		log.Error("integration answered 404: check the IntegrationUri (AppServerUrl)", "uri", route.Integration.URI)
		if g.opts.UnreachableAs404 {
			c.reply(log, []byte("404"))
			return
		}
	}
	ctxVars["status"] = strconv.Itoa(res.status)
	body, err := ir.Render(res, data, ctxVars, g.stageVariables())
	if err != nil {
		log.Error("integration response template failed", "route", key, "err", err)
		c.reply(log, errorFrame("Internal server error", c.id, requestID))
		return
	}
	res.body = body
	switch {
	case int64(len(res.body)) > g.opts.MaxMessageBytes:
		log.Error("integration response larger than the message limit; not relayed", "bytes", len(res.body))
		c.reply(log, errorFrame("Internal server error", c.id, requestID))
	case len(res.body) > 0:
		// Choice: nothing is sent for an empty body.
		c.reply(log, res.body)
	}
}

// errorFrame is the text API Gateway sends when a message fails.
func errorFrame(msg, connID, requestID string) []byte {
	return []byte(`{"message": "` + msg + `", "connectionId":"` + connID + `", "requestId":"` + requestID + `"}`)
}

func (c *conn) contextVars(event, routeKey, requestID, messageID string) map[string]string {
	g := c.g
	now := g.opts.Now()
	prefix, _, _ := strings.Cut(c.domain, ".")
	m := map[string]string{
		"connectionId":       c.id,
		"connectedAt":        strconv.FormatInt(c.connectedAt.UnixMilli(), 10),
		"eventType":          event,
		"routeKey":           routeKey,
		"requestId":          requestID,
		"extendedRequestId":  requestID,
		"requestTimeEpoch":   strconv.FormatInt(now.UnixMilli(), 10),
		"requestTime":        now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		"domainName":         c.domain,
		"domainPrefix":       prefix,
		"stage":              g.stage,
		"apiId":              g.api.ID,
		"messageDirection":   "IN",
		"identity.sourceIp":  c.sourceIP,
		"identity.userAgent": c.userAgent,
		// Without IAM or Lambda authorizers (only NONE is emulated) these
		// are empty on AWS too; listed so that templates see them defined.
		"identity.accountId":                     "",
		"identity.apiKey":                        "",
		"identity.apiKeyId":                      "",
		"identity.caller":                        "",
		"identity.cognitoAuthenticationProvider": "",
		"identity.cognitoAuthenticationType":     "",
		"identity.cognitoIdentityId":             "",
		"identity.cognitoIdentityPoolId":         "",
		"identity.user":                          "",
		"identity.userArn":                       "",
		"authorizer.principalId":                 "",
		"error.message":                          "",
		"error.messageString":                    `""`,
		"error.validationErrorString":            "",
		"status":                                 "",
	}
	if messageID != "" {
		m["messageId"] = messageID
	}
	return m
}

var (
	errConnGone  = wsout.ErrClosed
	errQueueFull = wsout.ErrFull
)

// enqueue queues a text frame; frames leave in order. It fails with
// errConnGone or errQueueFull.
func (c *conn) enqueue(b []byte) error { return c.out.Push(b) }

// reply queues the answer to a client's message; one that cannot be queued
// (the connection is gone, or its queue is full) is logged and dropped, as
// API Gateway drops what it cannot deliver.
func (c *conn) reply(log *slog.Logger, b []byte) {
	if err := c.enqueue(b); err != nil {
		log.Warn("reply to the client dropped", "err", err, "bytes", len(b))
	}
}

func (c *conn) writer() {
	err := c.out.Run(wsout.Writer{Write: func(b []byte) error {
		if err := c.writeText(b); err != nil {
			return err
		}
		// A message to the client counts as activity, as on AWS.
		c.active()
		return nil
	}})
	if err != nil {
		c.g.log.Debug("write failed; closing", "connectionId", c.id, "err", err)
		c.closeWith(websocket.CloseGoingAway, "Going away")
	}
}

// writeText writes one message as frames of at most MaxFrameBytes.
func (c *conn) writeText(b []byte) error {
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	w, err := c.ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	// Chunks no larger than the write buffer keep gorilla from emitting
	// one oversized frame.
	const chunk = 4096
	for len(b) > 0 {
		n := min(chunk, len(b))
		if _, err := w.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return w.Close()
}

// active records a message in either direction: it restarts the idle
// timer.
func (c *conn) active() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastActive = c.g.opts.Now()
	if c.idle != nil {
		c.idle.Reset(c.g.opts.IdleTimeout)
	}
}

// closeWith sends a close frame and makes the read loop end soon. Before
// the upgrade has finished, the close is remembered and sent right after.
func (c *conn) closeWith(code int, reason string) {
	c.mu.Lock()
	ws := c.ws
	if ws == nil {
		if c.pendingClose == nil {
			c.pendingClose = &closeRequest{code, reason}
		}
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.closeOnce.Do(func() {
		deadline := time.Now().Add(time.Second)
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline)
		// Give the client a moment to answer the close, then stop reading.
		_ = ws.SetReadDeadline(deadline)
	})
}

type closeRequest struct {
	code   int
	reason string
}

func (c *conn) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
	default:
		close(c.done)
	}
}

// hostOnly is a Host header without its port: $context.domainName on AWS
// is a bare host name.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// forwardedHeaders are the handshake headers AWS forwards to the $connect
// integration, plus the proxy headers it adds. Choice: the X-Forwarded
// values are those of AWS's TLS endpoint (https, 443) even though the
// emulator serves plain ws://, since that is what the backend sees in
// production.
func (c *conn) forwardedHeaders(r *http.Request) http.Header {
	h := http.Header{}
	for _, k := range []string{"Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions"} {
		if v := r.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	xff := c.sourceIP
	if prev := r.Header.Get("X-Forwarded-For"); prev != "" {
		xff = prev + ", " + c.sourceIP
	}
	h.Set("X-Forwarded-For", xff)
	h.Set("X-Forwarded-Proto", "https")
	h.Set("X-Forwarded-Port", "443")
	h.Set("X-Amzn-Trace-Id", newTraceID(c.g.opts.Now()))
	return h
}

// newTraceID returns an X-Ray trace header: Root=1-{epoch hex}-{96 random bits}.
func newTraceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%x", now.Unix(), b)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ---------------------------------------------------------------------------
// Frame-size enforcement: gorilla/websocket limits whole messages only, so
// the hijacked connection is wrapped with a scanner of client frame headers.

type frameLimitWriter struct {
	http.ResponseWriter
	max uint64
	fc  *frameConn
}

func (w *frameLimitWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.fc = &frameConn{Conn: nc, src: brw.Reader, scan: frameScanner{max: w.max}}
	return w.fc, bufio.NewReadWriter(bufio.NewReader(w.fc), bufio.NewWriter(w.fc)), nil
}

var errFrameTooLarge = errors.New("client frame exceeds the frame size limit")

type frameConn struct {
	net.Conn
	src  io.Reader
	mu   sync.Mutex
	scan frameScanner
}

func (f *frameConn) Read(p []byte) (int, error) {
	n, err := f.src.Read(p)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.scan.feed(p[:n]) {
		return 0, errFrameTooLarge
	}
	return n, err
}

func (f *frameConn) tooBig() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.scan.over
}

// frameScanner follows WebSocket frame boundaries in a byte stream and
// flags a frame whose payload exceeds max.
type frameScanner struct {
	max       uint64
	hdr       [14]byte
	hn, need  int
	remaining uint64
	over      bool
}

// feed consumes b and reports whether an oversized frame was seen.
func (s *frameScanner) feed(b []byte) bool {
	for len(b) > 0 && !s.over {
		if s.remaining > 0 {
			k := uint64(len(b))
			if k > s.remaining {
				k = s.remaining
			}
			s.remaining -= k
			b = b[k:]
			continue
		}
		s.hdr[s.hn] = b[0]
		s.hn++
		b = b[1:]
		if s.hn == 2 {
			s.need = 2
			switch s.hdr[1] & 0x7f {
			case 126:
				s.need += 2
			case 127:
				s.need += 8
			}
			if s.hdr[1]&0x80 != 0 {
				s.need += 4
			}
		}
		if s.hn >= 2 && s.hn == s.need {
			var n uint64
			switch l := s.hdr[1] & 0x7f; l {
			case 126:
				n = uint64(s.hdr[2])<<8 | uint64(s.hdr[3])
			case 127:
				for i := 2; i < 10; i++ {
					n = n<<8 | uint64(s.hdr[i])
				}
			default:
				n = uint64(l)
			}
			if n > s.max {
				s.over = true
			}
			s.remaining = n
			s.hn, s.need = 0, 0
		}
	}
	return s.over
}

// ---------------------------------------------------------------------------
// Connection-rate limiting (token bucket).

// bucket limits new connections: a burst of max(rate, 1), refilled at
// rate per second, on the gateway's clock (Options.Now).
type bucket struct {
	lim *rate.Limiter
	now func() time.Time
}

func newBucket(r float64, now func() time.Time) *bucket {
	return &bucket{lim: rate.NewLimiter(rate.Limit(r), int(max(r, 1))), now: now}
}

func (b *bucket) allow() bool { return b.lim.AllowN(b.now(), 1) }
