package signalr_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/transport/signalr"
	"github.com/gonetify/gonetify/vm"
)

type Counter struct {
	vm.Base
	Count int
	_     vm.Commands `vm:"Increment"`
}

func (c *Counter) Increment() { c.Count++; c.Changed("Count") }

type Clock struct {
	vm.Base
	Ticks int
}

func (c *Clock) OnCreated(context.Context) error {
	c.Every(5*time.Millisecond, func() { c.Ticks++; c.Changed("Ticks") })
	return nil
}

type env struct {
	h   *hub.Hub
	s   *signalr.Server
	url string // http://host
}

func setup(t *testing.T, opts signalr.Options) *env {
	t.Helper()
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Counter](reg, "Counter"))
	mustReg(vm.RegisterType[Clock](reg, "Clock"))
	h := hub.New(reg, hub.Options{})
	s := signalr.New(h, opts)
	mux := http.NewServeMux()
	mux.Handle("GET /", http.NotFoundHandler()) // the registration must not conflict with a catch-all
	s.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		srv.Close()
	})
	return &env{h: h, s: s, url: srv.URL}
}

type negotiation struct {
	NegotiateVersion    int    `json:"negotiateVersion"`
	ConnectionID        string `json:"connectionId"`
	ConnectionToken     string `json:"connectionToken"`
	AvailableTransports []struct {
		Transport       string   `json:"transport"`
		TransferFormats []string `json:"transferFormats"`
	} `json:"availableTransports"`
}

func (e *env) negotiate(t *testing.T, query string) negotiation {
	t.Helper()
	resp, err := http.Post(e.url+"/dotnetify/negotiate"+query, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("negotiate: %d %s", resp.StatusCode, body)
	}
	var n negotiation
	if err := json.Unmarshal(body, &n); err != nil {
		t.Fatalf("negotiate body %s: %v", body, err)
	}
	return n
}

// records splits a stream of records.
type records struct {
	buf  []byte
	more func() ([]byte, error)
}

func (r *records) next(t *testing.T) string {
	t.Helper()
	for {
		if i := bytes.IndexByte(r.buf, 0x1e); i >= 0 {
			rec := string(r.buf[:i])
			r.buf = r.buf[i+1:]
			return rec
		}
		b, err := r.more()
		if err != nil {
			t.Fatalf("reading records: %v (have %q)", err, r.buf)
		}
		r.buf = append(r.buf, b...)
	}
}

// nextNonPing skips pings.
func (r *records) nextNonPing(t *testing.T) string {
	t.Helper()
	for {
		if rec := r.next(t); rec != `{"type":6}` {
			return rec
		}
	}
}

type wsClient struct {
	*records
	c *websocket.Conn
}

func (e *env) dialWS(t *testing.T, token string) (*wsClient, error) {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.url, "http")+"/dotnetify?id="+token, nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = c.Close() })
	w := &wsClient{c: c}
	w.records = &records{more: func() ([]byte, error) {
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, b, err := c.ReadMessage()
		return b, err
	}}
	return w, nil
}

func (w *wsClient) send(t *testing.T, s string) {
	t.Helper()
	if err := w.c.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

// connectWS negotiates, dials and completes the handshake.
func (e *env) connectWS(t *testing.T) *wsClient {
	t.Helper()
	n := e.negotiate(t, "?negotiateVersion=1")
	w, err := e.dialWS(t, n.ConnectionToken)
	if err != nil {
		t.Fatal(err)
	}
	w.send(t, "{\"protocol\":\"json\",\"version\":1}\x1e")
	if rec := w.next(t); rec != "{}" {
		t.Fatalf("handshake response %q", rec)
	}
	return w
}

// response parses a Response_VM record.
func response(t *testing.T, rec string) (string, map[string]any) {
	t.Helper()
	var m struct {
		Type      int          `json:"type"`
		Target    string       `json:"target"`
		Arguments [][]string   `json:"arguments"`
		Other     []any        `json:"-"`
		Raw       *json.Number `json:"invocationId"`
	}
	if err := json.Unmarshal([]byte(rec), &m); err != nil || m.Type != 1 || m.Target != "Response_VM" || len(m.Arguments) != 1 || len(m.Arguments[0]) != 2 {
		t.Fatalf("not a Response_VM record: %s (%v)", rec, err)
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(m.Arguments[0][1]), &data); err != nil {
		t.Fatalf("data is not a JSON object string: %s", rec)
	}
	return m.Arguments[0][0], data
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNegotiate(t *testing.T) {
	e := setup(t, signalr.Options{})
	n := e.negotiate(t, "?negotiateVersion=1")
	if n.NegotiateVersion != 1 || n.ConnectionID == "" || n.ConnectionToken == "" || n.ConnectionID == n.ConnectionToken {
		t.Fatalf("v1: %+v", n)
	}
	var got []string
	for _, tr := range n.AvailableTransports {
		got = append(got, tr.Transport+":"+strings.Join(tr.TransferFormats, ","))
	}
	if want := "WebSockets:Text,Binary ServerSentEvents:Text LongPolling:Text,Binary"; strings.Join(got, " ") != want {
		t.Fatalf("transports %v, want %s", got, want)
	}
	n0 := e.negotiate(t, "")
	if n0.NegotiateVersion != 0 || n0.ConnectionToken != "" || n0.ConnectionID == "" {
		t.Fatalf("v0: %+v", n0)
	}
	// v0: the connectionId is the token.
	if _, err := e.dialWS(t, n0.ConnectionID); err != nil {
		t.Fatalf("v0 connect: %v", err)
	}
	if n9 := e.negotiate(t, "?negotiateVersion=9"); n9.NegotiateVersion != 1 {
		t.Fatalf("a newer client gets version 1: %+v", n9)
	}

	only := setup(t, signalr.Options{Transports: []signalr.Transport{signalr.LongPolling}})
	if n := only.negotiate(t, "?negotiateVersion=1"); len(n.AvailableTransports) != 1 || n.AvailableTransports[0].Transport != "LongPolling" {
		t.Fatalf("configured transports: %+v", n)
	}
}

// TestHostileHTTP: bad negotiate and connection requests get clean HTTP
// errors while a connection keeps working.
func TestHostileHTTP(t *testing.T) {
	e := setup(t, signalr.Options{ReadLimit: 1024})
	bystander := e.connectWS(t)
	n := e.negotiate(t, "?negotiateVersion=1")
	cases := []struct {
		method, path string
		body         string
		header       map[string]string
		code         int
	}{
		{"GET", "/dotnetify/negotiate?negotiateVersion=1", "", nil, 405},
		{"POST", "/dotnetify/negotiate?negotiateVersion=x", "", nil, 400},
		{"POST", "/dotnetify/negotiate?negotiateVersion=-1", "", nil, 400},
		{"POST", "/dotnetify/negotiate", "", map[string]string{"Origin": "http://evil.example"}, 403},
		{"GET", "/dotnetify", "", nil, 400},
		{"GET", "/dotnetify?id=nope", "", nil, 404},
		{"POST", "/dotnetify?id=nope", "{}\x1e", nil, 404},
		{"DELETE", "/dotnetify?id=nope", "", nil, 404},
		{"PUT", "/dotnetify?id=" + n.ConnectionToken, "", nil, 405},
		{"POST", "/dotnetify?id=" + n.ConnectionToken, "{}\x1e", nil, 400}, // send before any transport
		{"GET", "/dotnetify/other", "", nil, 404},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, e.url+tc.path, strings.NewReader(tc.body))
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, resp.StatusCode, body, tc.code)
		}
	}
	// A negotiate body is not read beyond a small limit (no parking of big bodies).
	resp, err := http.Post(e.url+"/dotnetify/negotiate?negotiateVersion=1", "text/plain", strings.NewReader(strings.Repeat("x", 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	bystander.send(t, `{"type":1,"invocationId":"1","target":"Request_VM","arguments":["Counter",{}]}`+"\x1e")
	if id, d := response(t, bystander.nextNonPing(t)); id != "Counter" || d["Count"] != 0.0 {
		t.Fatalf("bystander: %s %v", id, d)
	}
}

func TestWebSocketInvocations(t *testing.T) {
	e := setup(t, signalr.Options{})
	w := e.connectWS(t)
	w.send(t, `{"type":1,"invocationId":"0","target":"Request_VM","arguments":["Counter",{"$vmArg":{"Count":5},"$headers":{"Authorization":"Bearer x"}}]}`+"\x1e")
	if id, d := response(t, w.next(t)); id != "Counter" || d["Count"] != 5.0 {
		t.Fatalf("state: %s %v", id, d)
	}
	if rec := w.next(t); rec != `{"type":3,"invocationId":"0"}` {
		t.Fatalf("completion %s", rec)
	}
	// Two records in one frame, the second split across frames; method
	// names in any case; no invocationId → no completion.
	w.send(t, `{"type":1,"target":"update_vm","arguments":["Counter",{"Increment":null}]}`+"\x1e"+`{"type":1,"invocationId":"7","target":"UPDATE_VM",`)
	w.send(t, `"arguments":["Counter",{"Increment":null}]}`+"\x1e")
	if _, d := response(t, w.next(t)); d["Count"] != 6.0 {
		t.Fatalf("reaction 1: %v", d)
	}
	if _, d := response(t, w.next(t)); d["Count"] != 7.0 {
		t.Fatalf("reaction 2: %v", d)
	}
	if rec := w.next(t); rec != `{"type":3,"invocationId":"7"}` {
		t.Fatalf("completion %s", rec)
	}
	// Errors of a VM come as exception data, with a normal completion.
	w.send(t, `{"type":1,"invocationId":"8","target":"Request_VM","arguments":["NoSuchVM",null]}`+"\x1e")
	if id, d := response(t, w.next(t)); id != "NoSuchVM" || d["ExceptionType"] == nil {
		t.Fatalf("exception: %s %v", id, d)
	}
	if rec := w.next(t); rec != `{"type":3,"invocationId":"8"}` {
		t.Fatalf("completion %s", rec)
	}
	// Bad invocations get an error completion; the connection goes on.
	for _, bad := range []string{
		`{"type":1,"invocationId":"9","target":"Launch","arguments":[]}`,
		`{"type":1,"invocationId":"9","target":"Request_VM","arguments":[]}`,
		`{"type":1,"invocationId":"9","target":"Request_VM","arguments":[42,{}]}`,
		`{"type":1,"invocationId":"9","target":"Update_VM","arguments":["Counter"]}`,
		`{"type":1,"invocationId":"9","target":"Dispose_VM","arguments":["Counter","x"]}`,
		`{"type":4,"invocationId":"9","target":"Stream","arguments":[]}`,
	} {
		w.send(t, bad+"\x1e")
		var c struct {
			Type         int
			InvocationID string
			Error        string
		}
		rec := w.nextNonPing(t)
		if err := json.Unmarshal([]byte(rec), &c); err != nil || c.Type != 3 || c.InvocationID != "9" || c.Error == "" {
			t.Fatalf("%s: got %s", bad, rec)
		}
	}
	// Pings from the client are accepted; Dispose_VM disposes.
	w.send(t, `{"type":6}`+"\x1e"+`{"type":1,"invocationId":"10","target":"Dispose_VM","arguments":["Counter"]}`+"\x1e")
	if rec := w.nextNonPing(t); rec != `{"type":3,"invocationId":"10"}` {
		t.Fatalf("dispose completion %s", rec)
	}
	waitFor(t, "VM disposed", func() bool { return e.h.Stats().VMs == 0 })
	// A close message from the client ends the connection.
	w.send(t, `{"type":7}`+"\x1e")
	waitFor(t, "connection gone", func() bool { return e.s.Connections() == 0 && e.h.Stats().Connections == 0 })
}

func TestPingAndPush(t *testing.T) {
	e := setup(t, signalr.Options{PingInterval: 20 * time.Millisecond})
	w := e.connectWS(t)
	w.send(t, `{"type":1,"target":"Request_VM","arguments":["Clock",{}]}`+"\x1e")
	pings, ticks := 0, 0
	for pings < 2 || ticks < 3 {
		rec := w.next(t)
		if rec == `{"type":6}` {
			pings++
			continue
		}
		if _, d := response(t, rec); d["Ticks"] != nil {
			ticks++
		}
	}
}

// TestHandshakeRefused: each bad handshake gets an error response and the
// connection is closed; a bystander keeps working.
func TestHandshakeRefused(t *testing.T) {
	e := setup(t, signalr.Options{})
	bystander := e.connectWS(t)
	for _, hs := range []string{
		`{"protocol":"bson","version":1}`,
		`{"protocol":"messagepack","version":2}`,
		`{"protocol":"json","version":2}`,
		`{"protocol":"json"}`,
		`{"version":1}`,
		`hello`,
		`[1,2]`,
	} {
		n := e.negotiate(t, "?negotiateVersion=1")
		w, err := e.dialWS(t, n.ConnectionToken)
		if err != nil {
			t.Fatal(err)
		}
		w.send(t, hs+"\x1e")
		var resp struct{ Error string }
		rec := w.next(t)
		if err := json.Unmarshal([]byte(rec), &resp); err != nil || resp.Error == "" {
			t.Errorf("%s: response %q", hs, rec)
		}
		_ = w.c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, _, err := w.c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Errorf("%s: want a close, got %v", hs, err)
		}
	}
	waitFor(t, "refused connections released", func() bool { return e.s.Connections() == 1 })
	bystander.send(t, `{"type":1,"invocationId":"1","target":"Request_VM","arguments":["Counter",{}]}`+"\x1e")
	if _, d := response(t, bystander.nextNonPing(t)); d["Count"] != 0.0 {
		t.Fatalf("bystander: %v", d)
	}
}

// TestMalformedRecords: a malformed record closes its connection with a
// close message carrying the error.
func TestMalformedRecords(t *testing.T) {
	e := setup(t, signalr.Options{ReadLimit: 2048})
	bystander := e.connectWS(t)
	for name, rec := range map[string]string{
		"not JSON":        "hello\x1e",
		"array":           "[1]\x1e",
		"no type":         `{"target":"Request_VM","arguments":["Counter",{}]}` + "\x1e",
		"unknown type":    `{"type":99}` + "\x1e",
		"bad field types": `{"type":1,"invocationId":5,"target":"Request_VM","arguments":["Counter",{}]}` + "\x1e",
		"no target":       `{"type":1,"arguments":[]}` + "\x1e",
		"record too long": `{"type":1,"target":"Update_VM","arguments":["Counter","` + strings.Repeat("x", 1500), // no separator yet: the rest follows
	} {
		w := e.connectWS(t)
		w.send(t, rec)
		if name == "record too long" {
			w.send(t, strings.Repeat("y", 1000))
		}
		var c struct {
			Type  int
			Error string
		}
		got := w.nextNonPing(t)
		if err := json.Unmarshal([]byte(got), &c); err != nil || c.Type != 7 || c.Error == "" {
			t.Errorf("%s: got %q, want a close message with an error", name, got)
		}
	}
	// A WebSocket message over the read limit.
	w := e.connectWS(t)
	w.send(t, strings.Repeat("z", 4096))
	_ = w.c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		if _, _, err := w.c.ReadMessage(); err != nil {
			break
		}
	}
	waitFor(t, "bad connections released", func() bool { return e.s.Connections() == 1 && e.h.Stats().Connections == 1 })
	bystander.send(t, `{"type":1,"invocationId":"1","target":"Request_VM","arguments":["Counter",{}]}`+"\x1e")
	if _, d := response(t, bystander.nextNonPing(t)); d["Count"] != 0.0 {
		t.Fatalf("bystander: %v", d)
	}
}

// lp is a long polling client.
type lp struct {
	*records
	e   *env
	url string
}

func (e *env) connectLP(t *testing.T) *lp {
	t.Helper()
	n := e.negotiate(t, "?negotiateVersion=1")
	c := &lp{e: e, url: e.url + "/dotnetify?id=" + n.ConnectionToken}
	c.records = &records{more: func() ([]byte, error) {
		for {
			code, body := c.poll(t)
			if code != 200 {
				return nil, io.EOF
			}
			if len(body) > 0 {
				return body, nil
			}
		}
	}}
	if code, body := c.poll(t); code != 200 || len(body) != 0 {
		t.Fatalf("initial poll: %d %q", code, body)
	}
	c.post(t, "{\"protocol\":\"json\",\"version\":1}\x1e", 200)
	if rec := c.next(t); rec != "{}" {
		t.Fatalf("handshake %q", rec)
	}
	return c
}

func (c *lp) poll(t *testing.T) (int, []byte) {
	t.Helper()
	resp, err := http.Get(c.url + "&_=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *lp) post(t *testing.T, body string, want int) {
	t.Helper()
	resp, err := http.Post(c.url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("POST: %d, want %d", resp.StatusCode, want)
	}
}

func TestLongPolling(t *testing.T) {
	e := setup(t, signalr.Options{PollTimeout: 50 * time.Millisecond})
	c := e.connectLP(t)
	c.post(t, `{"type":1,"invocationId":"0","target":"Request_VM","arguments":["Counter",{}]}`+"\x1e", 200)
	if _, d := response(t, c.next(t)); d["Count"] != 0.0 {
		t.Fatalf("state %v", d)
	}
	if rec := c.next(t); rec != `{"type":3,"invocationId":"0"}` {
		t.Fatalf("completion %q", rec)
	}
	// An idle poll returns empty after the poll timeout.
	if code, body := c.poll(t); code != 200 || len(body) != 0 {
		t.Fatalf("idle poll: %d %q", code, body)
	}
	c.post(t, `{"type":1,"target":"Update_VM","arguments":["Counter",{"Increment":null}]}`+"\x1e", 200)
	if _, d := response(t, c.next(t)); d["Count"] != 1.0 {
		t.Fatalf("reaction %v", d)
	}
	// Another transport can't take over the connection.
	if _, err := e.dialWS(t, strings.TrimPrefix(c.url, e.url+"/dotnetify?id=")); err == nil {
		t.Fatal("websocket on a long polling connection accepted")
	}
	// DELETE closes; the next poll gets 204.
	req, _ := http.NewRequest("DELETE", c.url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	waitFor(t, "hub connection released", func() bool { return e.h.Stats().Connections == 0 })
	if code, _ := c.poll(t); code != 204 && code != 404 {
		t.Fatalf("poll after DELETE: %d", code)
	}
	waitFor(t, "connection forgotten", func() bool { return e.s.Connections() == 0 })
}

func TestLongPollingStopsWhenClientStops(t *testing.T) {
	e := setup(t, signalr.Options{PollTimeout: 20 * time.Millisecond, DisconnectTimeout: 60 * time.Millisecond})
	c := e.connectLP(t)
	c.post(t, `{"type":1,"target":"Request_VM","arguments":["Counter",{}]}`+"\x1e", 200)
	waitFor(t, "VM created", func() bool { return e.h.Stats().VMs == 1 })
	// No more polls: the connection is timed out and its VMs disposed.
	waitFor(t, "connection timed out", func() bool { return e.s.Connections() == 0 && e.h.Stats().VMs == 0 })
}

func TestLongPollingPostTooLarge(t *testing.T) {
	e := setup(t, signalr.Options{ReadLimit: 1024})
	c := e.connectLP(t)
	c.post(t, strings.Repeat("x", 4096), 413)
	// The client learns from its poll: a close message, then 204.
	var close struct {
		Type  int
		Error string
	}
	if err := json.Unmarshal([]byte(c.next(t)), &close); err != nil || close.Type != 7 || close.Error == "" {
		t.Fatalf("close message: %+v %v", close, err)
	}
	if code, _ := c.poll(t); code != 204 {
		t.Fatalf("poll after close: %d", code)
	}
}

type sse struct {
	*records
	url  string
	resp *http.Response
}

func (e *env) connectSSE(t *testing.T) *sse {
	t.Helper()
	n := e.negotiate(t, "?negotiateVersion=1")
	c := &sse{url: e.url + "/dotnetify?id=" + n.ConnectionToken}
	req, _ := http.NewRequest("GET", c.url, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("SSE: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	c.resp = resp
	br := bufio.NewReader(resp.Body)
	c.records = &records{more: func() ([]byte, error) {
		var data []byte
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return nil, err
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				if data != nil {
					return data, nil
				}
				continue
			}
			if rest, ok := strings.CutPrefix(line, "data: "); ok {
				if data != nil {
					data = append(data, '\n')
				}
				data = append(data, rest...)
			}
		}
	}}
	post := &lp{url: c.url}
	post.post(t, "{\"protocol\":\"json\",\"version\":1}\x1e", 200)
	if rec := c.next(t); rec != "{}" {
		t.Fatalf("handshake %q", rec)
	}
	return c
}

func TestServerSentEvents(t *testing.T) {
	e := setup(t, signalr.Options{PingInterval: 30 * time.Millisecond})
	c := e.connectSSE(t)
	post := &lp{url: c.url}
	post.post(t, `{"type":1,"invocationId":"0","target":"Request_VM","arguments":["Counter",{}]}`+"\x1e"+`{"type":1,"invocationId":"1","target":"Update_VM","arguments":["Counter",{"Increment":null}]}`+"\x1e", 200)
	if _, d := response(t, c.nextNonPing(t)); d["Count"] != 0.0 {
		t.Fatalf("state %v", d)
	}
	for _, want := range []string{`{"type":3,"invocationId":"0"}`} {
		if rec := c.nextNonPing(t); rec != want {
			t.Fatalf("got %q, want %q", rec, want)
		}
	}
	if _, d := response(t, c.nextNonPing(t)); d["Count"] != 1.0 {
		t.Fatalf("reaction %v", d)
	}
	if rec := c.nextNonPing(t); rec != `{"type":3,"invocationId":"1"}` {
		t.Fatalf("completion %q", rec)
	}
	if rec := c.next(t); rec != `{"type":6}` {
		t.Fatalf("want a ping, got %q", rec)
	}
	// A second event stream on the same connection is refused.
	req, _ := http.NewRequest("GET", c.url, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("second stream: %d", resp.StatusCode)
	}
	// Closing the stream ends the connection.
	c.resp.Body.Close()
	waitFor(t, "connection released", func() bool { return e.s.Connections() == 0 && e.h.Stats().Connections == 0 })
}

func TestTimeouts(t *testing.T) {
	e := setup(t, signalr.Options{DisconnectTimeout: 50 * time.Millisecond, HandshakeTimeout: 50 * time.Millisecond, ClientTimeout: 100 * time.Millisecond, PingInterval: time.Hour})
	e.negotiate(t, "?negotiateVersion=1") // never connected
	n := e.negotiate(t, "?negotiateVersion=1")
	w, err := e.dialWS(t, n.ConnectionToken) // no handshake
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "idle connections dropped", func() bool { return e.s.Connections() == 0 })
	var c struct {
		Type  int
		Error string
	}
	if err := json.Unmarshal([]byte(w.next(t)), &c); err != nil || c.Type != 7 || !strings.Contains(c.Error, "handshake") {
		t.Fatalf("close: %+v %v", c, err)
	}
	// A silent client (no pings) is closed after ClientTimeout.
	w = e.connectWS(t)
	if err := json.Unmarshal([]byte(w.next(t)), &c); err != nil || c.Type != 7 || c.Error == "" {
		t.Fatalf("close: %+v %v", c, err)
	}
	waitFor(t, "silent connection dropped", func() bool { return e.s.Connections() == 0 && e.h.Stats().Connections == 0 })
}

func TestMaxConnections(t *testing.T) {
	e := setup(t, signalr.Options{MaxConnections: 1})
	e.negotiate(t, "?negotiateVersion=1")
	resp, err := http.Post(e.url+"/dotnetify/negotiate?negotiateVersion=1", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("over the limit: %d", resp.StatusCode)
	}
}

func TestShutdown(t *testing.T) {
	e := setup(t, signalr.Options{})
	w := e.connectWS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	go func() { _ = e.s.Shutdown(ctx) }()
	var c struct {
		Type           int
		Error          string
		AllowReconnect bool
	}
	if err := json.Unmarshal([]byte(w.nextNonPing(t)), &c); err != nil || c.Type != 7 || !c.AllowReconnect {
		t.Fatalf("close: %+v %v", c, err)
	}
	resp, err := http.Post(e.url+"/dotnetify/negotiate?negotiateVersion=1", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("negotiate while shutting down: %d", resp.StatusCode)
	}
}

func TestCORS(t *testing.T) {
	e := setup(t, signalr.Options{AllowedOrigins: []string{"http://app.example"}})
	req, _ := http.NewRequest("OPTIONS", e.url+"/dotnetify/negotiate?negotiateVersion=1", nil)
	req.Header.Set("Origin", "http://app.example")
	req.Header.Set("Access-Control-Request-Headers", "x-requested-with")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "http://app.example" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
