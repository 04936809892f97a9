package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/smithy-go"
	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/internal/wsout"

	"github.com/gonetify/gonetify/deploy/cloudformation"
)

// backendCall is one request the fake app server received.
type backendCall struct {
	Path, Secret, ContentType string
	Header                    http.Header
	Body                      map[string]any
	Raw                       string
}

// backend is a fake gonetify app server. reply decides the answer to each
// call; calls are recorded on a channel.
type backend struct {
	*httptest.Server
	calls chan backendCall
	mu    sync.Mutex
	reply func(c backendCall) (int, string)
}

func newBackend(t *testing.T) *backend {
	b := &backend{calls: make(chan backendCall, 100)}
	b.reply = func(backendCall) (int, string) { return 200, "" }
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		c := backendCall{Path: r.URL.Path, Secret: r.Header.Get("X-Gonetify-Secret"), ContentType: r.Header.Get("Content-Type"), Header: r.Header.Clone(), Raw: string(raw)}
		_ = json.Unmarshal(raw, &c.Body)
		b.mu.Lock()
		reply := b.reply
		b.mu.Unlock()
		status, body := reply(c)
		b.calls <- c
		if status < 0 { // simulate a broken backend
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) setReply(f func(c backendCall) (int, string)) {
	b.mu.Lock()
	b.reply = f
	b.mu.Unlock()
}

func (b *backend) next(t *testing.T) backendCall {
	t.Helper()
	select {
	case c := <-b.calls:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("backend was not called")
		return backendCall{}
	}
}

type testGateway struct {
	*Gateway
	srv *httptest.Server
}

func (g *testGateway) host() string { return strings.TrimPrefix(g.srv.URL, "http://") }

func newTestGateway(t *testing.T, appURL string, opts Options) *testGateway {
	t.Helper()
	api, err := LoadTemplate(cloudformation.Template, map[string]string{"AppServerUrl": appURL, "IntegrationSecret": testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Credentials == nil {
		opts.Credentials = map[string]string{testKeyID: testSecKey}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	g, err := New(api, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = g.Shutdown(ctx)
		srv.Close()
	})
	return &testGateway{g, srv}
}

func dial(t *testing.T, g *testGateway) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(g.WebSocketURL(g.host()), http.Header{"User-Agent": {"gateway-test/1.0"}})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial: %v (status %d)", err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readText(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	mt, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if mt != websocket.TextMessage {
		t.Fatalf("got message type %d, want text", mt)
	}
	return string(b)
}

func readClose(t *testing.T, c *websocket.Conn) *websocket.CloseError {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("read ended with %v, want a close frame", err)
		}
		return ce
	}
}

// mgmt returns an SDK client for the gateway's @connections API.
func mgmt(g *testGateway, keyID, secret string) *apigatewaymanagementapi.Client {
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, nil
		}),
	}
	return apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		// The SDK appends /@connections/{id} to the stage URL.
		o.BaseEndpoint = aws.String("http://" + g.host() + "/" + g.Stage())
		o.RetryMaxAttempts = 1
	})
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`)

func TestEndToEnd(t *testing.T) {
	be := newBackend(t)
	g := newTestGateway(t, be.URL, Options{})
	ctx := context.Background()

	ws := dial(t, g)
	conn := be.next(t)
	id, _ := conn.Body["connectionId"].(string)
	if conn.Path != "/api/dotnetify/vm" || !idPattern.MatchString(id) || conn.Secret != testSecret || len(conn.Body) != 1 {
		t.Fatalf("$connect call = %+v", conn)
	}
	if got := g.ConnectionIDs(); len(got) != 1 || got[0] != id {
		t.Fatalf("ConnectionIDs = %v", got)
	}

	// A message: routed to $default, body wrapped by the request template.
	msg := `{"callType":"request_vm","vmId":"HelloWorld","vmArgs":"{}"}`
	be.setReply(func(c backendCall) (int, string) {
		if strings.Contains(c.Raw, "second") {
			return 200, `{"reply":"second"}`
		}
		return 200, "" // empty body: no frame
	})
	if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	call := be.next(t)
	if call.Raw != `{"connectionId":"`+id+`","payload":`+msg+`}` || call.Secret != testSecret || call.Path != "/api/dotnetify/vm" {
		t.Fatalf("message call = %+v", call)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"n":"second"}`)); err != nil {
		t.Fatal(err)
	}
	be.next(t)
	if got := readText(t, ws); got != `{"reply":"second"}` {
		t.Fatalf("relayed frame = %q (an empty body must send nothing)", got)
	}

	// @connections through the AWS SDK.
	cl := mgmt(g, testKeyID, testSecKey)
	push := `{"callType":"response_vm","vmId":"HelloWorld","data":"{}"}`
	if _, err := cl.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(push)}); err != nil {
		t.Fatalf("PostToConnection: %v", err)
	}
	if got := readText(t, ws); got != push {
		t.Fatalf("pushed frame = %q", got)
	}
	big := bytes.Repeat([]byte("x"), 100<<10) // > 32 KB: sent as several frames
	if _, err := cl.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: big}); err != nil {
		t.Fatalf("PostToConnection (100 KiB): %v", err)
	}
	if got := readText(t, ws); got != string(big) {
		t.Fatalf("big push arrived with %d bytes", len(got))
	}
	info, err := cl.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetConnection: %v", err)
	}
	if aws.ToString(info.Identity.SourceIp) != "127.0.0.1" || aws.ToString(info.Identity.UserAgent) != "gateway-test/1.0" || info.ConnectedAt == nil || info.LastActiveAt.Before(*info.ConnectedAt) {
		t.Fatalf("GetConnection = ip %q ua %q connected %v last %v", aws.ToString(info.Identity.SourceIp), aws.ToString(info.Identity.UserAgent), info.ConnectedAt, info.LastActiveAt)
	}
	_, err = cl.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: make([]byte, DefaultMaxPostBytes+1)})
	var tooLarge *types.PayloadTooLargeException
	if !errors.As(err, &tooLarge) {
		t.Fatalf("131073-byte post: err = %v, want PayloadTooLargeException", err)
	}

	if _, err := cl.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteConnection: %v", err)
	}
	if ce := readClose(t, ws); ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("close code = %d", ce.Code)
	}
	ws.Close()
	disc := be.next(t)
	if disc.Path != "/api/dotnetify/vm/disconnect" || disc.Raw != `{"connectionId":"`+id+`"}` || disc.Secret != testSecret {
		t.Fatalf("$disconnect call = %+v", disc)
	}
	_, err = cl.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("x")})
	var gone *types.GoneException
	if !errors.As(err, &gone) {
		t.Fatalf("post after close: err = %v, want GoneException", err)
	}
}

func TestConnectionsAuth(t *testing.T) {
	be := newBackend(t)
	g := newTestGateway(t, be.URL, Options{})
	ctx := context.Background()
	dial(t, g)
	id := be.next(t).Body["connectionId"].(string)
	url := g.ConnectionURL(g.host()) + "/" + id

	// Unsigned.
	resp, err := http.Post(url, "application/json", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" || !strings.Contains(string(body), `"Missing Authentication Token"`) {
		t.Fatalf("unsigned: %d %s %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
	}

	// Wrong secret (signed by the SDK).
	_, err = mgmt(g, testKeyID, "wrong").PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("x")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidSignatureException" || !strings.Contains(apiErr.ErrorMessage(), "Canonical String") {
		t.Fatalf("wrong secret: %v", err)
	}
	// Unknown key.
	_, err = mgmt(g, "AKIDUNKNOWN", testSecKey).GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnrecognizedClientException" {
		t.Fatalf("unknown key: %v", err)
	}
	// Unknown connection.
	_, err = mgmt(g, testKeyID, testSecKey).GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("AAAAAAAAAAAAAAA=")})
	var gone *types.GoneException
	if !errors.As(err, &gone) {
		t.Fatalf("unknown id: %v", err)
	}

	// A signed request with v4.Signer directly, raw '=' in the path.
	req, _ := http.NewRequest("POST", url, strings.NewReader("raw"))
	h := hexSHA256([]byte("raw"))
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecKey}, req, h, "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("SignHTTP POST: %d", resp.StatusCode)
	}

	// Without the stage: the trailing-slash trap.
	resp, err = http.Post(g.srv.URL+"/@connections/"+id, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("path without stage: %d", resp.StatusCode)
	}
}

func TestPlainGETIs426(t *testing.T) {
	g := newTestGateway(t, "http://127.0.0.1:1", Options{})
	resp, err := http.Get(g.srv.URL + "/prod")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("status %d, want 426", resp.StatusCode)
	}
}

func TestConnectRefused(t *testing.T) {
	be := newBackend(t)
	be.setReply(func(backendCall) (int, string) { return 401, "no" })
	g := newTestGateway(t, be.URL, Options{})
	_, resp, err := websocket.DefaultDialer.Dial(g.WebSocketURL(g.host()), nil)
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("dial: err %v resp %v, want 401", err, resp)
	}
	be.next(t)
	if n := len(g.ConnectionIDs()); n != 0 {
		t.Fatalf("%d connections registered", n)
	}
}

func TestConnectBackendDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	g := newTestGateway(t, url, Options{})
	_, resp, err := websocket.DefaultDialer.Dial(g.WebSocketURL(g.host()), nil)
	if err == nil || resp == nil || resp.StatusCode != 500 {
		t.Fatalf("dial: err %v resp %v, want 500", err, resp)
	}
}

func TestMessageErrors(t *testing.T) {
	be := newBackend(t)
	g := newTestGateway(t, be.URL, Options{})
	ws := dial(t, g)
	id := be.next(t).Body["connectionId"].(string)

	// Backend breaks the connection: AWS's error frame.
	be.setReply(func(backendCall) (int, string) { return -1, "" })
	send(t, ws, websocket.TextMessage, []byte(`{"x":1}`))
	be.next(t)
	frame := readText(t, ws)
	m := regexp.MustCompile(`^\{"message": "Internal server error", "connectionId":"([^"]+)", "requestId":"([^"]+)"\}$`).FindStringSubmatch(frame)
	if m == nil || m[1] != id || !idPattern.MatchString(m[2]) {
		t.Fatalf("error frame = %s", frame)
	}

	// Backend answers 404 (wrong IntegrationUri): like any status, its body
	// is relayed; AWS never sends a bare "404" frame.
	be.setReply(func(backendCall) (int, string) { return 404, "404 page not found\n" })
	send(t, ws, websocket.TextMessage, []byte(`{"x":2}`))
	be.next(t)
	if got := readText(t, ws); got != "404 page not found\n" {
		t.Fatalf("404 body frame = %q", got)
	}

	// Backend 500 with a body: relayed (catch-all integration response).
	be.setReply(func(backendCall) (int, string) { return 500, `{"error":"boom"}` })
	send(t, ws, websocket.TextMessage, []byte(`not json`))
	call := be.next(t)
	if call.Raw != `{"connectionId":"`+id+`","payload":not json}` {
		t.Fatalf("non-JSON message rendered as %q", call.Raw)
	}
	if got := readText(t, ws); got != `{"error":"boom"}` {
		t.Fatalf("500 body frame = %q", got)
	}
}

func TestUnreachableAs404(t *testing.T) {
	be := newBackend(t)
	g := newTestGateway(t, be.URL, Options{UnreachableAs404: true})
	ws := dial(t, g)
	be.next(t)
	be.setReply(func(backendCall) (int, string) { return -1, "" })
	send(t, ws, websocket.TextMessage, []byte(`{}`))
	be.next(t)
	if got := readText(t, ws); got != "404" {
		t.Fatalf("frame = %q, want 404", got)
	}
	// A backend 404 too, under the flag.
	be.setReply(func(backendCall) (int, string) { return 404, "not found" })
	send(t, ws, websocket.TextMessage, []byte(`{}`))
	be.next(t)
	if got := readText(t, ws); got != "404" {
		t.Fatalf("frame = %q, want 404", got)
	}
}

func TestLimits(t *testing.T) {
	be := newBackend(t)
	t.Run("message too big", func(t *testing.T) {
		g := newTestGateway(t, be.URL, Options{MaxMessageBytes: 1024})
		ws := dial(t, g)
		be.next(t)
		send(t, ws, websocket.TextMessage, bytes.Repeat([]byte("a"), 1025))
		if ce := readClose(t, ws); ce.Code != websocket.CloseMessageTooBig {
			t.Fatalf("close %d, want 1009", ce.Code)
		}
		be.next(t) // $disconnect
	})
	t.Run("default 128 KiB", func(t *testing.T) {
		g := newTestGateway(t, be.URL, Options{MaxFrameBytes: 1 << 20})
		ws := dial(t, g)
		be.next(t)
		send(t, ws, websocket.TextMessage, bytes.Repeat([]byte("a"), 128<<10+1))
		if ce := readClose(t, ws); ce.Code != websocket.CloseMessageTooBig {
			t.Fatalf("close %d, want 1009", ce.Code)
		}
		be.next(t)
	})
	t.Run("frame too big", func(t *testing.T) {
		g := newTestGateway(t, be.URL, Options{MaxFrameBytes: 512})
		ws := dial(t, g)
		be.next(t)
		send(t, ws, websocket.TextMessage, bytes.Repeat([]byte("a"), 600))
		ce := readClose(t, ws)
		if ce.Code != websocket.CloseMessageTooBig || !strings.Contains(ce.Text, "Frame") {
			t.Fatalf("close %d %q, want 1009 for the frame", ce.Code, ce.Text)
		}
		be.next(t)
	})
	t.Run("fragmented message under the frame limit", func(t *testing.T) {
		g := newTestGateway(t, be.URL, Options{MaxFrameBytes: 512})
		d := websocket.Dialer{WriteBufferSize: 256}
		ws, _, err := d.Dial(g.WebSocketURL(g.host()), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		be.next(t)
		payload := `"` + strings.Repeat("b", 2000) + `"`
		send(t, ws, websocket.TextMessage, []byte(payload))
		if c := be.next(t); !strings.HasSuffix(c.Raw, `"payload":`+payload+`}`) {
			t.Fatalf("fragmented message arrived as %d bytes", len(c.Raw))
		}
	})
	t.Run("binary frame", func(t *testing.T) {
		g := newTestGateway(t, be.URL, Options{})
		ws := dial(t, g)
		be.next(t)
		send(t, ws, websocket.BinaryMessage, []byte{1, 2})
		if ce := readClose(t, ws); ce.Code != websocket.CloseUnsupportedData {
			t.Fatalf("close %d, want 1003", ce.Code)
		}
		be.next(t)
	})
	t.Run("idle timeout", func(t *testing.T) {
		g := newTestGateway(t, be.URL, Options{IdleTimeout: 50 * time.Millisecond})
		ws := dial(t, g)
		be.next(t)
		if ce := readClose(t, ws); ce.Code != websocket.CloseGoingAway {
			t.Fatalf("close %d, want 1001", ce.Code)
		}
		be.next(t)
	})
	t.Run("connection rate", func(t *testing.T) {
		fixed := time.Now()
		g := newTestGateway(t, be.URL, Options{ConnectRate: 1, Now: func() time.Time { return fixed }})
		dial(t, g)
		be.next(t)
		_, resp, err := websocket.DefaultDialer.Dial(g.WebSocketURL(g.host()), nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("second connection: %v %v, want 429", err, resp)
		}
	})
}

func TestSendQueueFull(t *testing.T) {
	c := &conn{done: make(chan struct{})}
	c.out = wsout.New(1, c.done)
	if err := c.enqueue([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := c.enqueue([]byte("b")); err != errQueueFull {
		t.Fatalf("second enqueue: %v, want errQueueFull", err)
	}
	close(c.done)
	if err := c.enqueue([]byte("c")); err != errConnGone {
		t.Fatalf("after close: %v, want errConnGone", err)
	}
}

func TestShutdownClosesClients(t *testing.T) {
	be := newBackend(t)
	g := newTestGateway(t, be.URL, Options{})
	ws := dial(t, g)
	id := be.next(t).Body["connectionId"].(string)
	done := make(chan error, 1)
	go func() { done <- g.Shutdown(context.Background()) }()
	if ce := readClose(t, ws); ce.Code != websocket.CloseGoingAway {
		t.Fatalf("close %d, want 1001", ce.Code)
	}
	ws.Close()
	if c := be.next(t); c.Path != "/api/dotnetify/vm/disconnect" || c.Body["connectionId"] != id {
		t.Fatalf("$disconnect = %+v", c)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_, resp, err := websocket.DefaultDialer.Dial(g.WebSocketURL(g.host()), nil)
	if err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: %v", err)
	}
}

func TestURLs(t *testing.T) {
	g := newTestGateway(t, "http://127.0.0.1:1", Options{Stage: "dev"})
	if got := g.WebSocketURL("localhost:3000"); got != "ws://localhost:3000/dev" {
		t.Errorf("WebSocketURL = %q", got)
	}
	if got := g.ConnectionURL("localhost:3000"); got != "http://localhost:3000/dev/@connections" {
		t.Errorf("ConnectionURL = %q", got)
	}
	if id := newConnectionID(); !idPattern.MatchString(id) {
		t.Errorf("newConnectionID = %q", id)
	}
}

func TestListen(t *testing.T) {
	be := newBackend(t)
	api, err := LoadTemplate(cloudformation.Template, map[string]string{"AppServerUrl": be.URL, "IntegrationSecret": testSecret})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(api, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Listen(g, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.WebSocketURL(), "ws://127.0.0.1:") || !strings.HasSuffix(s.ConnectionURL(), "/prod/@connections") {
		t.Fatalf("URLs %s %s", s.WebSocketURL(), s.ConnectionURL())
	}
	ws, _, err := websocket.DefaultDialer.Dial(s.WebSocketURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	be.next(t)
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-s.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestConnectIgnoresStatus(t *testing.T) {
	be := newBackend(t)
	be.setReply(func(backendCall) (int, string) { return 404, "" })
	g := newTestGateway(t, be.URL, Options{ConnectIgnoresStatus: true, UnreachableAs404: true})
	ws := dial(t, g)
	be.next(t)
	send(t, ws, websocket.TextMessage, []byte(`{"callType":"request_vm","vmId":"A","vmArgs":"{}"}`))
	be.next(t)
	if got := readText(t, ws); got != "404" {
		t.Fatalf("frame = %q, want 404", got)
	}
}

// send writes one message from the test's client; a failed write fails the
// test.
func send(t *testing.T, ws *websocket.Conn, typ int, data []byte) {
	t.Helper()
	if err := ws.WriteMessage(typ, data); err != nil {
		t.Fatalf("write to the gateway: %v", err)
	}
}
