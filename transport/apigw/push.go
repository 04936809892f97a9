package apigw

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/encoding/httpbinding"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
)

// maxQueued bounds the frames waiting for one connection; past it new
// frames are dropped (and logged): the client is far behind or gone.
const maxQueued = 4096

// sender is a gateway connection's hub.Sender.
type sender struct {
	s     *Server
	id    string
	url   string       // its @connections URL (connectionURL)
	muted atomic.Int32 // >0 while VMs are restored: their frames are dropped
}

// newSender returns the sender of connection id.
func (s *Server) newSender(id string) *sender {
	return &sender{s: s, id: id, url: s.connectionURL(id)}
}

// connectionURL is the @connections URL of connection id: the id is one
// path segment, escaped as the SDK's REST binding does ('=' becomes %3D),
// and signed as escaped again (execute-api's canonical URI).
func (s *Server) connectionURL(id string) string {
	return s.endpoint + "/@connections/" + httpbinding.EscapePath(id, true)
}

// Send queues r for the connection; pushes to one connection are posted
// one at a time, in order. A broadcast hands every member the same r, so
// its frame (and the frame's SigV4 payload hash) is computed once, by the
// first push that needs it, and every member posts the same bytes.
func (p *sender) Send(r *hub.Response) error {
	if p.muted.Load() > 0 {
		return nil
	}
	return p.s.enqueue(p, r)
}

// queue is one connection's ordered pushes; a goroutine drains it while it
// is not empty.
type queue struct {
	snd     *sender
	frames  []*hub.Response
	running bool
	gone    bool
}

var errQueueFull = errors.New("apigw: push queue full")

func (s *Server) enqueue(snd *sender, r *hub.Response) error {
	id := snd.id
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[id]
	if q == nil {
		q = &queue{snd: snd}
		s.queues[id] = q
	}
	if q.gone {
		return nil
	}
	if len(q.frames) >= maxQueued {
		s.log.Error("push queue full: frame dropped", "conn", id, "queued", len(q.frames))
		return errQueueFull
	}
	q.frames = append(q.frames, r)
	if !q.running {
		q.running = true
		go s.drain(id, q)
	}
	return nil
}

func (s *Server) drain(id string, q *queue) {
	for {
		s.mu.Lock()
		if len(q.frames) == 0 || q.gone {
			q.running = false
			if s.queues[id] == q {
				delete(s.queues, id)
			}
			s.mu.Unlock()
			return
		}
		r := q.frames[0]
		q.frames[0] = nil
		q.frames = q.frames[1:]
		s.mu.Unlock()
		s.post(q.snd, r)
	}
}

// payloadHashKey names the hex SHA-256 of a Response's frame, the SigV4
// payload hash, cached on the Response like the frame itself.
type payloadHashKey struct{}

// emptyPayloadHash is the hex SHA-256 of an empty body (GET).
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// post sends one frame, retrying throttling, server and network errors
// with backoff.
func (s *Server) post(snd *sender, r *hub.Response) {
	id := snd.id
	frame := wire.Frame(r)
	hash := r.Encoded(payloadHashKey{}, func(*hub.Response) []byte {
		sum := sha256.Sum256(frame)
		return hex.AppendEncode(make([]byte, 0, 2*sha256.Size), sum[:])
	})
	for attempt := 0; ; attempt++ {
		s.sem <- struct{}{}
		start := time.Now()
		code, _, err := s.call(context.Background(), http.MethodPost, snd.url, frame, string(hash))
		took := time.Since(start)
		<-s.sem
		if s.opts.OnPush != nil {
			s.opts.OnPush(code, took)
		}
		if err == nil || code/100 == 2 {
			return // delivered (a cut answer to an accepted POST changes nothing)
		}
		var ce *credentialsError
		if errors.As(err, &ce) {
			// Not a network problem: retrying won't help until credentials
			// exist.
			s.log.Error("push failed: "+credentialsHint, "conn", id, "err", ce.err)
			return
		}
		switch {
		case code == http.StatusGone:
			s.log.Info("connection gone at the gateway (410): disposing its view models", "conn", id)
			s.forget(context.Background(), id)
			return
		case code == http.StatusTooManyRequests || code >= 500 || code == 0:
			if attempt < s.opts.Retries {
				time.Sleep(backoff(attempt))
				continue
			}
			if code == 0 {
				s.log.Error("push failed: the gateway's connection URL is unreachable (network or DNS: check --connection-url and that this host can reach it)", "conn", id, "url", s.opts.ConnectionURL, "attempts", attempt+1, "err", err)
			} else {
				s.log.Error(callbackError(code), "conn", id, "attempts", attempt+1, "err", err)
			}
			return
		default:
			var ge *gatewayError
			msg, typ := "", ""
			if errors.As(err, &ge) {
				msg, typ = ge.Message, ge.Type
			}
			s.log.Error(callbackError(code), "conn", id, "error", typ, "hint", s.hint(code, msg))
			return
		}
	}
}

// call makes one signed request to a connection's @connections URL (POST
// a frame, GET the connection) and returns the status the gateway answered (0 when it could
// not be reached) and, for a 2xx answer, its body. A non-2xx answer is a
// *gatewayError; a failure to get credentials a *credentialsError; a 2xx
// status with an error means the answer could not be read.
//
// The request is signed with the SDK's SigV4 signer, which caches the
// derived signing key (per access key, region, service and day), with
// credentials from an aws.CredentialsCache, and sent on the Server's
// keep-alive client: no SDK operation stack per push.
func (s *Server) call(ctx context.Context, method, url string, body []byte, payloadHash string) (int, []byte, error) {
	if s.creds == nil {
		return 0, nil, &credentialsError{errors.New("no credentials provider")}
	}
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return 0, nil, &credentialsError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	if err := s.signer.SignHTTP(ctx, creds, req, payloadHash, signingService, s.region, time.Now()); err != nil {
		return 0, nil, &credentialsError{err}
	}
	resp, err := s.httpc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	// Read the whole body, so the connection goes back to the idle pool.
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode/100 == 2 {
		if err != nil {
			// Accepted, but the answer was cut: a POST is done, a GET
			// has no answer to read.
			return resp.StatusCode, nil, fmt.Errorf("reading the gateway's answer to %s %s: %w", method, url, err)
		}
		return resp.StatusCode, data, nil
	}
	return resp.StatusCode, nil, newGatewayError(resp, data)
}

const (
	// signingService is the SigV4 service of the @connections API.
	signingService = "execute-api"
	// pushTimeout bounds one attempt (connecting, sending, the answer).
	pushTimeout = 30 * time.Second
	// maxAnswer bounds how much of an answer is read.
	maxAnswer = 1 << 20
)

// credentialsError is a failure to get credentials to sign with.
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return credentialsHint + " (" + e.err.Error() + ")" }
func (e *credentialsError) Unwrap() error { return e.err }

// gatewayError is a non-2xx answer of the @connections API: its status,
// its X-Amzn-ErrorType and the message of its JSON body {"message": …}.
type gatewayError struct {
	Status  int
	Type    string
	Message string
}

func newGatewayError(resp *http.Response, body []byte) *gatewayError {
	e := &gatewayError{Status: resp.StatusCode}
	// restJson1: "Type" or "Type:url" in the header; the body may name
	// it too (__type, code).
	e.Type, _, _ = strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
	var b struct {
		Message  *string `json:"message"`
		Message2 *string `json:"Message"`
		Type     string  `json:"__type"`
		Code     string  `json:"code"`
	}
	if json.Unmarshal(body, &b) == nil {
		switch {
		case b.Message != nil:
			e.Message = *b.Message
		case b.Message2 != nil:
			e.Message = *b.Message2
		}
		if e.Type == "" {
			e.Type = b.Type
			if e.Type == "" {
				e.Type = b.Code
			}
			if i := strings.LastIndexByte(e.Type, '#'); i >= 0 {
				e.Type = e.Type[i+1:]
			}
		}
	}
	return e
}

func (e *gatewayError) Error() string {
	s := fmt.Sprintf("the gateway answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Type != "" {
		s += ": " + e.Type
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// callbackError is dotNetify's log text for a refused push, which its AWS
// guide tells users to look for.
func callbackError(code int) string {
	return fmt.Sprintf("Integration callback responds with %d %s", code, http.StatusText(code))
}

// credentialsHint names the cause and the fix when the SDK finds no
// credentials to sign with.
const credentialsHint = "no AWS credentials to sign the push with (the SDK tried the environment, ~/.aws and the EC2/ECS role): " +
	"create an access key for the stack's AppServerUserName output (aws iam create-access-key --user-name <AppServerUserName>) " +
	"and set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run the server with a role allowed execute-api:ManageConnections"

// hint names the likely cause and fix of a refused push, from its status
// and the message of the gateway's answer.
func (s *Server) hint(code int, msg string) string {
	switch code {
	case http.StatusForbidden:
		switch {
		case strings.Contains(msg, "scoped to a valid region") || strings.Contains(msg, "Credential should be scoped"):
			return fmt.Sprintf("the pushes are signed for region %s but the gateway is in another: pass --aws-region with the region in the Connection URL (%s)", s.region, msg)
		case strings.Contains(msg, "security token") || strings.Contains(msg, "InvalidSignature") || strings.Contains(msg, "signature we calculated"):
			return "the gateway does not know this access key or its secret is wrong: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (" + msg + ")"
		case strings.Contains(msg, "not authorized") || strings.Contains(msg, "explicit deny"):
			return "the credentials lack execute-api:ManageConnections on this stage: use the stack's AppServerUser or attach its policy (" + msg + ")"
		}
		return "check the AWS credentials (execute-api:ManageConnections), --aws-region, and that --connection-url names the stage"
	case http.StatusRequestEntityTooLarge:
		return "a frame over API Gateway's 128 KB limit: send less state at once"
	}
	return ""
}

// newHTTPClient is the pushes' default client, the SDK's buildable
// client tuned for them: keep-alive, with as many idle connections to the
// gateway as pushes may be in flight, so that a steady load reuses its
// connections instead of dialing (and TLS handshaking) anew. Each attempt
// is bounded by pushTimeout.
func newHTTPClient(maxInFlight int) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) {
			d.Timeout = 10 * time.Second
			d.KeepAlive = 30 * time.Second
		}).
		WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConns = maxInFlight
			t.MaxIdleConnsPerHost = maxInFlight
			t.IdleConnTimeout = 90 * time.Second
			t.TLSHandshakeTimeout = 10 * time.Second
			t.ResponseHeaderTimeout = pushTimeout
			t.ExpectContinueTimeout = time.Second
		})
}

// backoff is exponential with full jitter: up to 50ms, 100ms, 200ms, … 3.2s.
func backoff(attempt int) time.Duration {
	max := 50 * time.Millisecond << min(attempt, 6)
	return time.Duration(rand.Int64N(int64(max))) + time.Millisecond //nolint:gosec // retry jitter needs no unpredictability
}

// Drain waits until every queued push has been posted (or given up), for
// a graceful shutdown, or until ctx ends.
func (s *Server) Drain(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		n := len(s.queues)
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
