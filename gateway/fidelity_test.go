package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/deploy/cloudformation"
)

// On AWS any message, either way, keeps a connection alive: a push-only
// connection (a dashboard) must outlive the idle timeout.
func TestIdleTimeoutCountsPushes(t *testing.T) {
	be := newBackend(t)
	const idle = time.Second // roomy: a loaded CI machine may take a few hundred ms per push
	g := newTestGateway(t, be.URL, Options{IdleTimeout: idle})
	ws := dial(t, g)
	id := be.next(t).Body["connectionId"].(string)
	cl := mgmt(g, testKeyID, testSecKey)
	start := time.Now()
	for time.Since(start) < 3*idle {
		if _, err := cl.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("tick")}); err != nil {
			t.Fatalf("push after %v: %v (the push-only connection was closed as idle)", time.Since(start), err)
		}
		if got := readText(t, ws); got != "tick" {
			t.Fatalf("frame = %q", got)
		}
		time.Sleep(idle / 4)
	}
	// Silence both ways: now it is idle.
	if ce := readClose(t, ws); ce.Code != websocket.CloseGoingAway {
		t.Fatalf("close %d, want 1001 once idle", ce.Code)
	}
	if took := time.Since(start); took < 3*idle {
		t.Fatalf("closed after %v", took)
	}
}

// The $connect integration request carries the headers AWS forwards.
func TestConnectForwardsHeaders(t *testing.T) {
	be := newBackend(t)
	g := newTestGateway(t, be.URL, Options{})
	d := websocket.Dialer{EnableCompression: true}
	ws, _, err := d.Dial(g.WebSocketURL(g.host()), http.Header{"X-Forwarded-For": {"203.0.113.9"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	c := be.next(t)
	h := c.Header
	if h.Get("Sec-WebSocket-Key") == "" || h.Get("Sec-WebSocket-Version") != "13" || !strings.Contains(h.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		t.Errorf("Sec-WebSocket-* headers missing: %v", h)
	}
	if got := h.Get("X-Forwarded-For"); got != "203.0.113.9, 127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q", got)
	}
	if h.Get("X-Forwarded-Proto") != "https" || h.Get("X-Forwarded-Port") != "443" {
		t.Errorf("X-Forwarded-Proto/Port = %q/%q", h.Get("X-Forwarded-Proto"), h.Get("X-Forwarded-Port"))
	}
	if !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`).MatchString(h.Get("X-Amzn-Trace-Id")) {
		t.Errorf("X-Amzn-Trace-Id = %q", h.Get("X-Amzn-Trace-Id"))
	}
	if got := h.Get("X-Gonetify-Client-Ip"); got != "127.0.0.1" {
		t.Errorf("mapped X-Gonetify-Client-Ip = %q", got)
	}
	// Messages carry no handshake headers.
	send(t, ws, websocket.TextMessage, []byte(`{}`))
	if m := be.next(t); m.Header.Get("Sec-WebSocket-Key") != "" || m.Header.Get("X-Amzn-Trace-Id") != "" {
		t.Errorf("message call carries handshake headers: %v", m.Header)
	}
}

// slowBackend answers the first message call only when released, and
// counts the calls in progress.
type slowBackend struct {
	*httptest.Server
	release  chan struct{}
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	paths    chan string
}

func newSlowBackend(t *testing.T) *slowBackend {
	b := &slowBackend{release: make(chan struct{}), paths: make(chan string, 100)}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		if strings.Contains(string(raw), `"slow"`) {
			n := b.inFlight.Add(1)
			for {
				m := b.maxSeen.Load()
				if n <= m || b.maxSeen.CompareAndSwap(m, n) {
					break
				}
			}
			b.paths <- "start " + r.URL.Path
			<-b.release
			b.inFlight.Add(-1)
		}
		b.paths <- r.URL.Path
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *slowBackend) next(t *testing.T) string {
	t.Helper()
	select {
	case p := <-b.paths:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("backend was not called")
		return ""
	}
}

// By default, as on AWS, one connection's integration calls overlap and
// $disconnect does not wait for them; --ordered-delivery serializes both.
func TestDelivery(t *testing.T) {
	t.Run("AWS-like by default", func(t *testing.T) {
		be := newSlowBackend(t)
		g := newTestGateway(t, be.URL, Options{})
		ws := dial(t, g)
		be.next(t) // $connect
		send(t, ws, websocket.TextMessage, []byte(`{"m":"slow"}`))
		send(t, ws, websocket.TextMessage, []byte(`{"m":"slow"}`))
		be.next(t)
		be.next(t) // both started: overlapping
		if be.maxSeen.Load() != 2 {
			t.Fatalf("calls in flight at once = %d, want 2", be.maxSeen.Load())
		}
		ws.Close()
		if p := be.next(t); p != "/api/dotnetify/vm/disconnect" {
			t.Fatalf("after close, backend saw %q; want $disconnect while the message calls still run", p)
		}
		close(be.release)
	})
	t.Run("ordered", func(t *testing.T) {
		be := newSlowBackend(t)
		g := newTestGateway(t, be.URL, Options{OrderedDelivery: true})
		ws := dial(t, g)
		be.next(t)
		send(t, ws, websocket.TextMessage, []byte(`{"m":"slow"}`))
		send(t, ws, websocket.TextMessage, []byte(`{"m":"slow"}`))
		be.next(t) // first started
		ws.Close()
		select {
		case p := <-be.paths:
			t.Fatalf("backend saw %q while the first message call runs (want nothing in orderly mode)", p)
		case <-time.After(300 * time.Millisecond):
		}
		close(be.release)
		var seen []string
		for len(seen) < 4 {
			seen = append(seen, be.next(t))
		}
		want := []string{"/api/dotnetify/vm", "start /api/dotnetify/vm", "/api/dotnetify/vm", "/api/dotnetify/vm/disconnect"}
		if !reflect.DeepEqual(seen, want) {
			t.Fatalf("order = %v, want %v", seen, want)
		}
		if be.maxSeen.Load() != 1 {
			t.Fatalf("calls in flight at once = %d, want 1", be.maxSeen.Load())
		}
	})
}

const responseTemplateYAML = `
Parameters:
  AppServerUrl: {Type: String}
Resources:
  Api: {Type: AWS::ApiGatewayV2::Api, Properties: {Name: t, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}}
  ConnectInt:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: HTTP
      IntegrationUri: !Sub "${AppServerUrl}/connect"
      RequestTemplates:
        $default: '{"id":"$context.connectionId","auth":"$input.params().header","domain":"$context.domainName"}'
      RequestParameters:
        integration.request.header.X-Token: route.request.header.X-Token
        integration.request.querystring.room: route.request.querystring.room
  MsgInt:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: HTTP
      IntegrationUri: !Sub "${AppServerUrl}/msg"
      RequestTemplates:
        $default: '{"domain":"$context.domainName","prefix":"$context.domainPrefix","stage":"${stageVariables[''env'']}","body":$input.body}'
  MsgOK:
    Type: AWS::ApiGatewayV2::IntegrationResponse
    Properties:
      ApiId: !Ref Api
      IntegrationId: !Ref MsgInt
      IntegrationResponseKey: /2\d\d/
      TemplateSelectionExpression: ${integration.response.statuscode}
      ResponseTemplates:
        "200": '{"ok":$input.json(''$.value''),"status":"$context.status","route":"$context.routeKey"}'
        "201": 'created'
  MsgErr:
    Type: AWS::ApiGatewayV2::IntegrationResponse
    Properties:
      ApiId: !Ref Api
      IntegrationId: !Ref MsgInt
      IntegrationResponseKey: $default
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $connect
      Target: !Sub integrations/${ConnectInt}
      RequestParameters:
        route.request.header.X-Token: {Required: true}
        route.request.querystring.room: {Required: false}
  MsgRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $default
      RouteResponseSelectionExpression: $default
      Target: !Sub integrations/${MsgInt}
  MsgRouteResponse: {Type: AWS::ApiGatewayV2::RouteResponse, Properties: {ApiId: !Ref Api, RouteId: !Ref MsgRoute, RouteResponseKey: $default}}
  Stage: {Type: AWS::ApiGatewayV2::Stage, Properties: {ApiId: !Ref Api, StageName: dev, StageVariables: {env: staging}}}
`

// Integration-response templates, route request parameters and $context
// values, through a live gateway.
func TestResponseTemplatesAndRouteParameters(t *testing.T) {
	type call struct {
		path, raw, token, room string
	}
	calls := make(chan call, 10)
	status := atomic.Int32{}
	status.Store(200)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		calls <- call{r.URL.Path, string(raw), r.Header.Get("X-Token"), r.URL.Query().Get("room")}
		w.WriteHeader(int(status.Load()))
		_, _ = io.WriteString(w, `{"value":{"n":1}}`)
	}))
	defer be.Close()
	api, err := LoadTemplate([]byte(responseTemplateYAML), map[string]string{"AppServerUrl": be.URL})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(api, Options{Credentials: map[string]string{testKeyID: testSecKey}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	defer g.Close()
	url := "ws://" + strings.TrimPrefix(srv.URL, "http://") + "/dev"

	// A required route parameter missing: 400, the backend is not called.
	_, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("without X-Token: %v %v, want 400", err, resp)
	}
	ws, _, err := websocket.DefaultDialer.Dial(url+"?room=blue", http.Header{"X-Token": {"t0k"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	c := <-calls
	if c.path != "/connect" || c.token != "t0k" || c.room != "blue" {
		t.Fatalf("$connect call = %+v", c)
	}
	if !strings.Contains(c.raw, `"domain":"127.0.0.1"`) {
		t.Fatalf("$context.domainName must carry no port: %s", c.raw)
	}

	send(t, ws, websocket.TextMessage, []byte(`{"x":1}`))
	c = <-calls
	var sent map[string]any
	if err := json.Unmarshal([]byte(c.raw), &sent); err != nil {
		t.Fatalf("message call %q: %v", c.raw, err)
	}
	if sent["domain"] != "127.0.0.1" || sent["prefix"] != "127" || sent["stage"] != "staging" {
		t.Fatalf("message call = %s", c.raw)
	}
	if got := readText(t, ws); got != `{"ok":{"n":1},"status":"200","route":"$default"}` {
		t.Fatalf("200 through the response template = %q", got)
	}
	status.Store(201)
	send(t, ws, websocket.TextMessage, []byte(`{"x":2}`))
	<-calls
	if got := readText(t, ws); got != "created" {
		t.Fatalf("201 selects its template: %q", got)
	}
	status.Store(500)
	send(t, ws, websocket.TextMessage, []byte(`{"x":3}`))
	<-calls
	if got := readText(t, ws); got != `{"value":{"n":1}}` {
		t.Fatalf("500 goes to $default, without templates: passthrough %q", got)
	}
}

func TestRouteParameterRules(t *testing.T) {
	base := strings.Replace(responseTemplateYAML, "        route.request.querystring.room: {Required: false}\n", "", 1)
	if _, err := LoadTemplate([]byte(base), map[string]string{"AppServerUrl": "https://a.example"}); err == nil || !strings.Contains(err.Error(), "does not declare") {
		t.Errorf("undeclared route.request.querystring.room: err = %v", err)
	}
	onMessage := strings.Replace(responseTemplateYAML, "      RouteKey: $default\n", "      RouteKey: $default\n      RequestParameters: {route.request.header.A: {Required: true}}\n", 1)
	if _, err := LoadTemplate([]byte(onMessage), map[string]string{"AppServerUrl": "https://a.example"}); err == nil || !strings.Contains(err.Error(), "only on the $connect route") {
		t.Errorf("route parameters on $default: err = %v", err)
	}
	mapped := strings.Replace(responseTemplateYAML, `      IntegrationUri: !Sub "${AppServerUrl}/msg"`, `      IntegrationUri: !Sub "${AppServerUrl}/msg"
      RequestParameters: {integration.request.header.A: route.request.header.A}`, 1)
	if _, err := LoadTemplate([]byte(mapped), map[string]string{"AppServerUrl": "https://a.example"}); err == nil || !strings.Contains(err.Error(), "$connect route only") {
		t.Errorf("route.request.header source on $default: err = %v", err)
	}
}

// Templates are rendered once when the gateway starts: a template the
// emulator cannot render is an error then, not an "Internal server
// error" frame later.
func TestTemplatesCheckedAtStartup(t *testing.T) {
	bad := strings.Replace(responseTemplateYAML, `"201": 'created'`, `"201": '#macro(x)#end'`, 1)
	api, err := LoadTemplate([]byte(bad), map[string]string{"AppServerUrl": "https://a.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(api, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err == nil || !strings.Contains(err.Error(), "MsgOK") || !strings.Contains(err.Error(), "#macro") {
		t.Fatalf("New with a bad response template: err = %v", err)
	}
	unsupported := strings.Replace(responseTemplateYAML, `"201": 'created'`, `"201": '$input.body.frobnicate()'`, 1)
	if api, err = LoadTemplate([]byte(unsupported), map[string]string{"AppServerUrl": "https://a.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(api, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("New with an unsupported method: err = %v", err)
	}
	// What only the data can break is not a start-up error.
	dataDependent := strings.Replace(responseTemplateYAML, `"201": 'created'`, `"201": '$util.base64Decode($input.body) $util.parseJson($input.path(''$.s'')).x $input.body.substring(5)'`, 1)
	if api, err = LoadTemplate([]byte(dataDependent), map[string]string{"AppServerUrl": "https://a.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(api, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Fatalf("New with data-dependent templates: %v", err)
	}
}

// The emulator accepts http:// for a loopback app server; CloudFormation's
// https:// pattern still holds for every other host.
func TestLocalHTTPAppServer(t *testing.T) {
	params := func(u string) map[string]string {
		return map[string]string{"AppServerUrl": u, "IntegrationSecret": testSecret}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "https://app.example.com"} {
		if _, err := LoadTemplate(cloudformation.Template, params(u)); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://app.example.com", "http://10.0.0.1:8080", "http://127.0.0.1:8080/"} {
		if _, err := LoadTemplate(cloudformation.Template, params(u)); err == nil {
			t.Errorf("%s: accepted, want the AllowedPattern error", u)
		}
	}
}
