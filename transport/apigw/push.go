package apigw

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/smithy-go"

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
	muted atomic.Int32 // >0 while VMs are restored: their frames are dropped
}

// Send queues the response_vm frame of r for the connection; pushes to one
// connection are posted one at a time, in order.
func (p *sender) Send(r *hub.Response) error {
	if p.muted.Load() > 0 {
		return nil
	}
	return p.s.enqueue(p.id, wire.Frame(r))
}

// queue is one connection's ordered pushes; a goroutine drains it while it
// is not empty.
type queue struct {
	frames  [][]byte
	running bool
	gone    bool
}

var errQueueFull = errors.New("apigw: push queue full")

func (s *Server) enqueue(id string, frame []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[id]
	if q == nil {
		q = &queue{}
		s.queues[id] = q
	}
	if q.gone {
		return nil
	}
	if len(q.frames) >= maxQueued {
		s.log.Error("push queue full: frame dropped", "conn", id, "queued", len(q.frames))
		return errQueueFull
	}
	q.frames = append(q.frames, frame)
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
		f := q.frames[0]
		q.frames[0] = nil
		q.frames = q.frames[1:]
		s.mu.Unlock()
		s.post(id, f)
	}
}

// post sends one frame, retrying throttling and server errors with backoff.
func (s *Server) post(id string, frame []byte) {
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s.sem <- struct{}{}
		start := time.Now()
		_, err := s.client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: frame})
		took := time.Since(start)
		<-s.sem
		cancel()
		code := http.StatusOK
		if err != nil {
			code = 0
			var re *awshttp.ResponseError
			if errors.As(err, &re) {
				code = re.HTTPStatusCode()
			}
		}
		if s.opts.OnPush != nil {
			s.opts.OnPush(code, took)
		}
		if err == nil {
			return
		}
		if code == 0 && isCredentialsError(err) {
			// Not a network problem: retrying won't help until credentials
			// exist.
			s.log.Error("push failed: "+credentialsHint, "conn", id, "err", err)
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
				s.log.Error(callbackError(code), "conn", id, "attempts", attempt+1)
			}
			return
		default:
			s.log.Error(callbackError(code), "conn", id, "hint", s.hint(code, err))
			return
		}
	}
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

// isCredentialsError reports whether err is the SDK failing to find or
// refresh credentials (for example "no EC2 IMDS role found"), rather than
// a failure to reach the gateway.
func isCredentialsError(err error) bool {
	var se *v4.SigningError
	if errors.As(err, &se) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "get identity") || strings.Contains(msg, "retrieve credentials") ||
		strings.Contains(msg, "refresh cached credentials") || strings.Contains(msg, "no EC2 IMDS role found")
}

func (s *Server) hint(code int, err error) string {
	switch code {
	case http.StatusForbidden:
		var ae smithy.APIError
		if errors.As(err, &ae) {
			msg := ae.ErrorMessage()
			switch {
			case strings.Contains(msg, "scoped to a valid region") || strings.Contains(msg, "Credential should be scoped"):
				return fmt.Sprintf("the pushes are signed for region %s but the gateway is in another: pass --aws-region with the region in the Connection URL (%s)", s.region, msg)
			case strings.Contains(msg, "security token") || strings.Contains(msg, "InvalidSignature") || strings.Contains(msg, "signature we calculated"):
				return "the gateway does not know this access key or its secret is wrong: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (" + msg + ")"
			case strings.Contains(msg, "not authorized") || strings.Contains(msg, "explicit deny"):
				return "the credentials lack execute-api:ManageConnections on this stage: use the stack's AppServerUser or attach its policy (" + msg + ")"
			}
		}
		return "check the AWS credentials (execute-api:ManageConnections), --aws-region, and that --connection-url names the stage"
	case http.StatusRequestEntityTooLarge:
		return "a frame over API Gateway's 128 KB limit: send less state at once"
	}
	return ""
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
