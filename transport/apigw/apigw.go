// Package apigw serves the hub behind an Amazon API Gateway WebSocket API,
// the way dotNetify's integration endpoints do: the gateway holds the
// sockets and POSTs each client event to the app server
//
//	POST /api/dotnetify/vm             $connect  {"connectionId"}
//	                                   $default  {"connectionId","payload":{client message}}
//	POST /api/dotnetify/vm/disconnect  $disconnect {"connectionId"}
//
// and the server pushes response_vm frames back by POSTing to the stage's
// Connection URL (…/@connections/{connectionId}), signed with SigV4 by the
// AWS SDK's signer (aws/signer/v4) on a reused keep-alive HTTP client, with
// credentials from the SDK's default chain.
package apigw

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/vm"
)

// SecretHeader carries the integration secret from the gateway (see the
// CloudFormation template's IntegrationSecret parameter).
const SecretHeader = "X-Gonetify-Secret" //nolint:gosec // a header name, not a credential

// Options configure a [Server].
type Options struct {
	// ConnectionURL is the stage's Connection URL,
	// https://{api}.execute-api.{region}.amazonaws.com/{stage}/@connections,
	// with or without a trailing slash. Required.
	ConnectionURL string
	// Region signs the pushes (service execute-api). Default: the SDK's
	// configured region, else us-east-1.
	Region string
	// Credentials sign the pushes; nil means the AWS SDK's default chain
	// (environment, shared config and credentials files, roles).
	Credentials aws.CredentialsProvider
	// MaxInFlight bounds the pushes in flight at once, process-wide.
	// Default 1000 (dotNetify's MaxParallelHttpRequests).
	MaxInFlight int
	// Retries is how many times a push answered 429 or 5xx (or failing in
	// transport) is retried with exponential backoff. Default 5.
	Retries int
	// Secret, when set, is required in header X-Gonetify-Secret of every
	// integration call (compared in constant time); others get 401.
	Secret string
	// MaxBody bounds an integration request body. Default 256 KiB (a
	// client message is at most 128 KB).
	MaxBody int64
	// Store keeps connections and groups; nil means an in-memory store.
	Store store.Store
	// HTTPClient posts the pushes; nil means a keep-alive client keeping
	// MaxInFlight idle connections to the gateway.
	HTTPClient *http.Client
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// Router, if set, sends the messages of multicast VMs to the server
	// that owns them (several servers behind one gateway; see package
	// cluster). The Server is then the Router's handler.
	Router Router
	// DisconnectedTTL is how long a connection id is remembered after its
	// $disconnect, so that a message arriving later (AWS does not order
	// them) is refused rather than re-creating the connection. Default
	// DefaultDisconnectedTTL.
	DisconnectedTTL time.Duration
	// Tombstones, if set, shares the disconnected ids with the other
	// servers and across restarts (NewRedisTombstones); the in-memory set
	// is always used too.
	Tombstones Tombstones
	// OnPush, if set, is told the outcome of every push attempt: the HTTP
	// status the gateway answered (0 when it could not be reached) and how
	// long the attempt took. For metrics.
	OnPush func(status int, took time.Duration)
}

// Server is the integration endpoint handler and the push client.
type Server struct {
	region string // the region pushes are signed for
	h      *hub.Hub
	opts   Options
	log    *slog.Logger
	store  store.Store
	sem    chan struct{}

	endpoint string                  // the stage endpoint, without "/@connections"
	creds    aws.CredentialsProvider // an aws.CredentialsCache, or nil
	signer   *v4.Signer
	httpc    aws.HTTPClient

	gone *tombstones // recently disconnected ids

	mu      sync.Mutex
	queues  map[string]*queue
	senders map[string]*sender

	acks cluster.Acks // forwarded messages waiting for their connection's home
}

// New returns a server delivering h's frames through the gateway.
func New(ctx context.Context, h *hub.Hub, opts Options) (*Server, error) {
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 1000
	}
	if opts.Retries <= 0 {
		opts.Retries = 5
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 256 << 10
	}
	if opts.DisconnectedTTL <= 0 {
		opts.DisconnectedTTL = DefaultDisconnectedTTL
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Store == nil {
		opts.Store = store.NewMemory()
	}
	endpoint, err := StageEndpoint(opts.ConnectionURL)
	if err != nil {
		return nil, err
	}
	if endpoint+"/@connections/" != opts.ConnectionURL {
		opts.Logger.Info("connection URL normalized", "given", opts.ConnectionURL, "using", endpoint+"/@connections/")
	}
	var httpClient aws.HTTPClient = opts.HTTPClient
	if opts.HTTPClient == nil {
		httpClient = newHTTPClient(opts.MaxInFlight)
	}
	// The SDK may adjust the client (AWS_CA_BUNDLE) and uses it for the
	// credential chain too (roles, SSO); the pushes use cfg.HTTPClient.
	loadOpts := []func(*config.LoadOptions) error{config.WithHTTPClient(httpClient)}
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	if opts.Credentials != nil {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(opts.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("apigw: loading AWS configuration (environment, ~/.aws/config, ~/.aws/credentials): %w; fix or move the file, or set AWS_REGION and the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair", err)
	}
	if urlRegion := RegionOf(endpoint); urlRegion != "" && cfg.Region != urlRegion {
		// The Connection URL names the only region the gateway accepts
		// signatures for.
		if opts.Region != "" {
			return nil, fmt.Errorf("apigw: region %q does not match the Connection URL %s (region %s): AWS would refuse every push with 403 \"Credential should be scoped to a valid region\"; drop --aws-region or set it to %s", opts.Region, opts.ConnectionURL, urlRegion, urlRegion)
		}
		if cfg.Region != "" {
			opts.Logger.Warn("the AWS SDK's region differs from the Connection URL's; signing for the URL's region", "sdkRegion", cfg.Region, "region", urlRegion)
		}
		cfg.Region = urlRegion
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	s := &Server{
		region:  cfg.Region,
		h:       h,
		opts:    opts,
		log:     opts.Logger,
		store:   opts.Store,
		sem:     make(chan struct{}, opts.MaxInFlight),
		gone:    newTombstones(opts.DisconnectedTTL),
		queues:  map[string]*queue{},
		senders: map[string]*sender{},
	}
	s.endpoint, s.signer, s.httpc = endpoint, v4.NewSigner(), cfg.HTTPClient
	s.creds = cfg.Credentials
	if _, cached := s.creds.(*aws.CredentialsCache); s.creds != nil && !cached {
		s.creds = aws.NewCredentialsCache(s.creds)
	}
	return s, nil
}

// RegionOf returns the region in an AWS execute-api URL
// (https://{api}.execute-api.{region}.amazonaws.com/…), or "" for other
// hosts (a local emulator, a custom domain).
func RegionOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	labels := strings.Split(u.Hostname(), ".")
	for i := 0; i+2 < len(labels); i++ {
		if labels[i] == "execute-api" && labels[i+2] == "amazonaws" {
			return labels[i+1]
		}
	}
	return ""
}

// CheckCredentials asks the SDK's credential chain for credentials once
// and returns an error naming the cause and the fix when there are none
// (the server still starts: credentials may appear later, for example
// when a role is attached).
func (s *Server) CheckCredentials(ctx context.Context) error {
	creds := s.creds
	if creds == nil {
		return errors.New(credentialsHint)
	}
	if _, err := creds.Retrieve(ctx); err != nil {
		return fmt.Errorf("%s (%v)", credentialsHint, err)
	}
	return nil
}

// Region returns the region the pushes are signed for.
func (s *Server) Region() string { return s.region }

// StageEndpoint turns a Connection URL (with or without "/@connections",
// with or without a trailing slash) into the stage endpoint the SDK joins
// "/@connections/{id}" to. Joining paths, unlike resolving a relative URL,
// never drops the stage: dotNetify's "must end with a slash" trap is gone.
func StageEndpoint(connectionURL string) (string, error) {
	u := strings.TrimSpace(connectionURL)
	if u == "" {
		return "", errors.New("apigw: no connection URL: pass the stage's Connection URL (https://{api}.execute-api.{region}.amazonaws.com/{stage}/@connections) with --connection-url")
	}
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return "", fmt.Errorf("apigw: connection URL %q must start with https:// (or http:// for a local gateway)", connectionURL)
	}
	u = strings.TrimRight(u, "/")
	u = strings.TrimSuffix(u, "/@connections")
	return strings.TrimRight(u, "/"), nil
}

// Handler returns the integration endpoints, to mount at the root of the
// app server (they answer /api/dotnetify/vm and /api/dotnetify/vm/disconnect).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/dotnetify/vm", s.serveVM)
	mux.HandleFunc("POST /api/dotnetify/vm/disconnect", s.serveDisconnect)
	return mux
}

// integrationBody is what the gateway's request templates send. Field
// names match case-insensitively, as in ASP.NET.
type integrationBody struct {
	ConnectionID string          `json:"connectionId"`
	Payload      json.RawMessage `json:"payload"`
}

func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (*integrationBody, bool) {
	if s.opts.Secret != "" {
		got := r.Header.Get(SecretHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Secret)) != 1 {
			s.log.Warn("integration call refused: missing or wrong "+SecretHeader, "remote", r.RemoteAddr, "path", r.URL.Path)
			fail(w, http.StatusUnauthorized, "missing or wrong "+SecretHeader+" header: the gateway's integration must send the app server's integration secret")
			return nil, false
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.log.Warn("integration call refused: body too large", "remote", r.RemoteAddr, "limit", s.opts.MaxBody)
			fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", s.opts.MaxBody))
			return nil, false
		}
		fail(w, http.StatusBadRequest, "unreadable body: "+err.Error())
		return nil, false
	}
	var b integrationBody
	if err := json.Unmarshal(data, &b); err != nil {
		s.log.Warn("integration call refused: body is not JSON", "remote", r.RemoteAddr, "err", err)
		fail(w, http.StatusBadRequest, "body must be JSON {\"connectionId\":…,\"payload\":…}: "+err.Error())
		return nil, false
	}
	if strings.TrimSpace(b.ConnectionID) == "" {
		s.log.Warn("integration call refused: no connectionId", "remote", r.RemoteAddr)
		fail(w, http.StatusBadRequest, "body has no connectionId: check the integration's request template")
		return nil, false
	}
	return &b, true
}

// fail answers an integration error. The gateway relays a $default route's
// response body to the client, so it is JSON the official client ignores
// (it has no callType).
func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"message": msg})
	_, _ = w.Write(b)
}

func (s *Server) serveVM(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	payload := bytes.TrimSpace(b.Payload)
	var msg hub.Message
	if len(payload) > 0 && string(payload) != "null" {
		if err := json.Unmarshal(payload, &msg); err != nil {
			s.log.Warn("integration call refused: payload is not a dotNetify message", "conn", b.ConnectionID, "err", err)
			fail(w, http.StatusBadRequest, "payload is not a JSON message object")
			return
		}
	}
	if msg.CallType != "" && msg.VMID == "" {
		s.log.Warn("integration call refused: message has no vmId", "conn", b.ConnectionID)
		fail(w, http.StatusBadRequest, "message has no vmId")
		return
	}
	if msg.CallType != "" {
		routed, err := s.route(ctx, b.ConnectionID, r, msg)
		if err != nil {
			// Redis is down: serve it here rather than lose it.
			s.log.Error("cluster: message not routed to its view model's owner (Redis unreachable): serving it on this server", "conn", b.ConnectionID, "vm", msg.VMID, "err", err)
		}
		if routed && err == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	if handled, err := s.serveAtHome(ctx, b.ConnectionID, r, msg); handled {
		if err != nil {
			s.log.Error("cluster: message not applied by its connection's home server", "conn", b.ConnectionID, "vm", msg.VMID, "err", err)
			fail(w, http.StatusServiceUnavailable, err.Error())
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	c, err := s.conn(ctx, b.ConnectionID, r)
	if errors.Is(err, errDisconnected) {
		s.log.Info("message after $disconnect ignored (API Gateway does not order them)", "conn", b.ConnectionID, "callType", msg.CallType, "vm", msg.VMID)
		fail(w, http.StatusGone, err.Error())
		return
	}
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	if msg.CallType != "" { // else $connect
		s.apply(ctx, c, msg)
	}
	w.WriteHeader(http.StatusOK) // empty: the gateway relays nothing
}

func (s *Server) serveDisconnect(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	s.bury(r.Context(), b.ConnectionID)
	s.forget(r.Context(), b.ConnectionID)
	if hs := s.homes(); hs != nil {
		hs.LeaveHome(r.Context(), b.ConnectionID)
	}
	if s.opts.Router != nil { // the owners of its shared VMs let it go too
		if err := s.opts.Router.Publish(r.Context(), "disconnect "+b.ConnectionID); err != nil {
			s.log.Warn("cluster: disconnect not published", "conn", b.ConnectionID, "err", err)
		}
	}
	w.WriteHeader(http.StatusOK)
}

// conn returns the hub connection for a gateway connection id, creating it
// (and marking it live in the store) on first sight.
func (s *Server) conn(ctx context.Context, id string, r *http.Request) (*hub.Client, error) {
	if c := s.h.Client(id); c != nil {
		return c, nil
	}
	// The query is what the $connect integration maps into it (the
	// client's access_token, see deploy/cloudformation/gonetify.yaml).
	var query url.Values
	if r.URL.RawQuery != "" {
		query = r.URL.Query()
	}
	info := &vm.Conn{ID: id, RemoteAddr: clientAddr(r), Header: connHeader(r.Header), Query: query, Transport: "apigw", Persistent: true}
	return s.connFor(ctx, info)
}

// integrationOnly are the headers of an integration request that say
// nothing about the client: the integration secret and how the gateway's
// POST is framed. A connection, held for as long as the client stays, keeps
// the others (the ones the integration maps: the client's address,
// Authorization, User-Agent; and AWS's own, X-Amzn-Trace-Id, X-Forwarded-*).
var integrationOnly = map[string]bool{
	SecretHeader: true, "Content-Length": true, "Content-Type": true, "Accept-Encoding": true,
	"Connection": true, "Keep-Alive": true, "Te": true, "Trailer": true, "Transfer-Encoding": true,
	"Upgrade": true, "Expect": true,
}

// connHeader copies the client's headers out of an integration request's
// h, all values in one slice, as http.Header.Clone does.
func connHeader(h http.Header) http.Header {
	keys, vals := 0, 0
	for k, v := range h {
		if !integrationOnly[k] {
			keys++
			vals += len(v)
		}
	}
	out := make(http.Header, keys)
	all := make([]string, 0, vals)
	for k, v := range h {
		if !integrationOnly[k] {
			all = append(all, v...)
			out[k] = all[len(all)-len(v) : len(all) : len(all)]
		}
	}
	return out
}

// apply runs a client message on this server and records it in the store.
// A new VM is recorded before its state is sent: a client that got it can
// update it after a crash (the VM is re-created from the record).
func (s *Server) apply(ctx context.Context, c *hub.Client, msg hub.Message) {
	record := func() {
		if s.gone.buried(c.ID()) {
			return // its $disconnect came meanwhile: nothing to remember
		}
		if err := store.Record(ctx, s.store, c.ID(), string(msg.CallType), msg.VMID, msg.VMArgs); err != nil {
			s.log.Warn("store update failed", "conn", c.ID(), "err", err)
		}
		if s.gone.buried(c.ID()) {
			// The $disconnect's removal may have run before our write: undo it.
			if err := s.store.RemoveConnection(ctx, c.ID()); err != nil {
				s.log.Warn("store: removing connection failed", "conn", c.ID(), "err", err)
			}
		}
	}
	switch msg.CallType {
	case hub.UpdateVM:
		s.ensureVM(ctx, c, msg.VMID)
	case hub.RequestVM:
		record()
		c.Handle(msg)
		return
	}
	c.Handle(msg)
	record()
}

// connFor returns the hub connection for info.ID, creating it (and
// marking it live in the store) on first sight.
// A connection whose $disconnect has arrived is not re-created
// (errDisconnected).
func (s *Server) connFor(ctx context.Context, info *vm.Conn) (*hub.Client, error) {
	if c := s.h.Client(info.ID); c != nil {
		return c, nil
	}
	if s.disconnected(ctx, info.ID) {
		return nil, errDisconnected
	}
	c, _, err := s.connect(info.ID, info)
	if err != nil {
		return nil, err
	}
	if err := s.store.AddConnection(ctx, info.ID); err != nil {
		s.log.Warn("store: adding connection failed", "conn", info.ID, "err", err)
	}
	if s.gone.buried(info.ID) {
		// $disconnect arrived while we were creating it: undo.
		s.forget(ctx, info.ID)
		return nil, errDisconnected
	}
	return c, nil
}

// ClientIPHeader carries the client's address on every integration call:
// our template maps it from context.identity.sourceIp (X-Forwarded-For is
// reserved by API Gateway and cannot be mapped; AWS sets it on $connect
// only).
const ClientIPHeader = "X-Gonetify-Client-Ip"

// clientAddr is the client's address as the gateway reports it (header
// X-Gonetify-Client-Ip, else the first entry of X-Forwarded-For), else the
// caller's (the gateway's own) address.
func clientAddr(r *http.Request) string {
	if ip := strings.TrimSpace(r.Header.Get(ClientIPHeader)); ip != "" {
		return net.JoinHostPort(ip, "0")
	}
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		ip, _, _ := strings.Cut(xff, ",")
		return net.JoinHostPort(strings.TrimSpace(ip), "0")
	}
	return r.RemoteAddr
}

// connect returns the hub connection for id and its sender, creating both
// when the hub has none.
//
// Every path that creates a connection comes here, and a buried
// (disconnected) id is refused under s.mu, which bury also takes: either
// the $disconnect is seen here, or the connection is registered before the
// $disconnect's forget looks for it.
func (s *Server) connect(id string, info *vm.Conn) (*hub.Client, *sender, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.h.Client(id); c != nil {
		if snd := s.senders[id]; snd != nil {
			return c, snd, nil
		}
	}
	if s.gone.buried(id) {
		return nil, nil, errDisconnected
	}
	snd := s.newSender(id)
	c, err := s.h.Connect(info, snd)
	if err != nil {
		return nil, nil, err
	}
	s.senders[id] = snd
	return c, snd, nil
}

// forget disposes a connection's VMs and removes it from the store.
func (s *Server) forget(ctx context.Context, id string) {
	if c := s.h.Client(id); c != nil {
		c.Close()
	}
	if err := s.store.RemoveConnection(ctx, id); err != nil {
		s.log.Warn("store: removing connection failed", "conn", id, "err", err)
	}
	s.mu.Lock()
	if q := s.queues[id]; q != nil {
		q.gone = true
	}
	delete(s.senders, id)
	s.mu.Unlock()
}
