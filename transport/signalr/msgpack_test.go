package signalr_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gonetify/gonetify/transport/signalr"
)

const mpHandshake = "{\"protocol\":\"messagepack\",\"version\":1}\x1e"

// frame length-prefixes a MessagePack payload.
func frame(payload []byte) []byte {
	var out []byte
	n := len(payload)
	for n >= 0x80 {
		out = append(out, byte(n)|0x80)
		n >>= 7
	}
	return append(append(out, byte(n)), payload...)
}

// mpMsg encodes a hub message (an array) and frames it.
func mpMsg(t *testing.T, v ...any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return frame(b)
}

// mpReader splits a byte stream into MessagePack messages; the stream may
// start with the (JSON) handshake response.
type mpReader struct {
	buf       []byte
	more      func() ([]byte, error)
	handshake bool // the handshake response has been read
}

// next returns the next message, decoded.
func (r *mpReader) next(t *testing.T) []any {
	t.Helper()
	for {
		if !r.handshake {
			if i := bytes.IndexByte(r.buf, 0x1e); i >= 0 {
				if got := string(r.buf[:i]); got != "{}" {
					t.Fatalf("handshake response %q", got)
				}
				r.buf, r.handshake = r.buf[i+1:], true
				continue
			}
		} else if n, size, ok := prefix(r.buf); ok && len(r.buf) >= n+size {
			var v []any
			if err := msgpack.Unmarshal(r.buf[n:n+size], &v); err != nil {
				t.Fatalf("message %x: %v", r.buf[n:n+size], err)
			}
			r.buf = r.buf[n+size:]
			return v
		}
		b, err := r.more()
		if err != nil {
			t.Fatalf("reading messages: %v (have %x)", err, r.buf)
		}
		r.buf = append(r.buf, b...)
	}
}

// nextNonPing skips pings.
func (r *mpReader) nextNonPing(t *testing.T) []any {
	t.Helper()
	for {
		if m := r.next(t); len(m) != 1 || asInt(m[0]) != 6 {
			return m
		}
	}
}

func prefix(b []byte) (n, size int, ok bool) {
	for i := 0; i < 5 && i < len(b); i++ {
		size |= int(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return i + 1, size, true
		}
	}
	return 0, 0, false
}

func asInt(v any) int {
	switch v := v.(type) {
	case int8:
		return int(v)
	case uint8:
		return int(v)
	case int16:
		return int(v)
	case int64:
		return int(v)
	}
	return -1
}

type mpWS struct {
	*mpReader
	c     *websocket.Conn
	types []int // WebSocket message types received
}

// connectMP negotiates, dials and completes a MessagePack handshake.
func (e *env) connectMP(t *testing.T) *mpWS {
	t.Helper()
	n := e.negotiate(t, "?negotiateVersion=1")
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.url, "http")+"/dotnetify?id="+n.ConnectionToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	w := &mpWS{c: c}
	w.mpReader = &mpReader{more: func() ([]byte, error) {
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		mt, b, err := c.ReadMessage()
		w.types = append(w.types, mt)
		return b, err
	}}
	if err := c.WriteMessage(websocket.TextMessage, []byte(mpHandshake)); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *mpWS) send(t *testing.T, b []byte) {
	t.Helper()
	if err := w.c.WriteMessage(websocket.BinaryMessage, b); err != nil {
		t.Fatal(err)
	}
}

// mpResponse checks a Response_VM invocation [1, {}, nil, "Response_VM",
// [[vmId, data]]] and returns vmId and the decoded data.
func mpResponse(t *testing.T, m []any) (string, map[string]any) {
	t.Helper()
	if len(m) < 5 || asInt(m[0]) != 1 || m[2] != nil || m[3] != "Response_VM" {
		t.Fatalf("not a Response_VM invocation: %#v", m)
	}
	args, ok := m[4].([]any)
	if !ok || len(args) != 1 {
		t.Fatalf("Response_VM arguments %#v", m[4])
	}
	pair, ok := args[0].([]any)
	if !ok || len(pair) != 2 {
		t.Fatalf("Response_VM argument %#v", args[0])
	}
	vmID, _ := pair[0].(string)
	s, _ := pair[1].(string)
	var data map[string]any
	if err := json.Unmarshal([]byte(s), &data); err != nil {
		t.Fatalf("data is not a JSON object string: %#v", pair[1])
	}
	return vmID, data
}

// isCompletion reports whether m is the completion of id, void or with an
// error.
func isCompletion(m []any, id string, withError bool) bool {
	if len(m) < 4 || asInt(m[0]) != 3 || m[2] != id {
		return false
	}
	if withError {
		s, _ := m[4].(string)
		return len(m) == 5 && asInt(m[3]) == 1 && s != ""
	}
	return len(m) == 4 && asInt(m[3]) == 2
}

func TestMessagePackWebSocket(t *testing.T) {
	e := setup(t, signalr.Options{})
	w := e.connectMP(t)
	h := map[string]string{}
	w.send(t, mpMsg(t, 1, h, "0", "Request_VM", []any{"Counter", map[string]any{"$vmArg": map[string]any{"Count": 5}, "$headers": map[string]any{"Authorization": "Bearer x"}}}))
	if id, d := mpResponse(t, w.next(t)); id != "Counter" || d["Count"] != 5.0 {
		t.Fatalf("state: %s %v", id, d)
	}
	if m := w.next(t); !isCompletion(m, "0", false) {
		t.Fatalf("completion %#v", m)
	}
	// Two messages in one WebSocket message, a third split across two;
	// method names in any case; no invocation id → no completion.
	one := mpMsg(t, 1, h, nil, "update_vm", []any{"Counter", map[string]any{"Increment": nil}})
	two := mpMsg(t, 1, h, "7", "UPDATE_VM", []any{"Counter", map[string]any{"Increment": nil}})
	three := mpMsg(t, 1, h, "8", "Update_VM", []any{"Counter", map[string]any{"Increment": nil}})
	w.send(t, append(append(append([]byte{}, one...), two...), three[:3]...))
	w.send(t, three[3:])
	for i, want := range []float64{6, 7} {
		if _, d := mpResponse(t, w.next(t)); d["Count"] != want {
			t.Fatalf("reaction %d: %v", i+1, d)
		}
	}
	if m := w.next(t); !isCompletion(m, "7", false) {
		t.Fatalf("completion %#v", m)
	}
	if _, d := mpResponse(t, w.next(t)); d["Count"] != 8.0 {
		t.Fatalf("reaction 3: %v", d)
	}
	if m := w.next(t); !isCompletion(m, "8", false) {
		t.Fatalf("completion %#v", m)
	}
	// Bad invocations get an error completion; the connection goes on.
	for _, bad := range [][]any{
		{1, h, "9", "Launch", []any{}},
		{1, h, "9", "Request_VM", []any{}},
		{1, h, "9", "Request_VM", []any{42, map[string]any{}}},
		{1, h, "9", "Update_VM", []any{"Counter"}},
		{1, h, "9", "Dispose_VM", []any{"Counter", "x"}},
		{4, h, "9", "Stream", []any{}},
	} {
		w.send(t, mpMsg(t, bad...))
		if m := w.nextNonPing(t); !isCompletion(m, "9", true) {
			t.Fatalf("%v: got %#v", bad, m)
		}
	}
	// Pings from the client are accepted; Dispose_VM disposes.
	w.send(t, append(mpMsg(t, 6), mpMsg(t, 1, h, "10", "Dispose_VM", []any{"Counter"})...))
	if m := w.nextNonPing(t); !isCompletion(m, "10", false) {
		t.Fatalf("dispose completion %#v", m)
	}
	waitFor(t, "VM disposed", func() bool { return e.h.Stats().VMs == 0 })
	for _, mt := range w.types {
		if mt != websocket.BinaryMessage {
			t.Fatalf("message types %v: want binary only", w.types)
		}
	}
	// A close message from the client ends the connection.
	w.send(t, mpMsg(t, 7, nil))
	waitFor(t, "connection gone", func() bool { return e.s.Connections() == 0 && e.h.Stats().Connections == 0 })
}

// TestMessagePackAndJSON: the two protocols side by side, pings and
// pushes in each.
func TestMessagePackAndJSON(t *testing.T) {
	e := setup(t, signalr.Options{PingInterval: 20 * time.Millisecond})
	j := e.connectWS(t)
	w := e.connectMP(t)
	w.send(t, mpMsg(t, 1, map[string]string{}, nil, "Request_VM", []any{"Clock", map[string]any{}}))
	j.send(t, `{"type":1,"target":"Request_VM","arguments":["Clock",{}]}`+"\x1e")
	pings, ticks := 0, 0
	for pings < 2 || ticks < 3 {
		m := w.next(t)
		if len(m) == 1 && asInt(m[0]) == 6 {
			pings++
			continue
		}
		if _, d := mpResponse(t, m); d["Ticks"] != nil {
			ticks++
		}
	}
	for ticks = 0; ticks < 3; {
		if rec := j.nextNonPing(t); strings.Contains(rec, "Ticks") {
			ticks++
		}
	}
}

// TestMessagePackMalformed: a malformed binary message closes its
// connection with a MessagePack close message carrying the error; a
// bystander keeps working.
func TestMessagePackMalformed(t *testing.T) {
	e := setup(t, signalr.Options{ReadLimit: 2048})
	bystander := e.connectMP(t)
	// [1, {}, "1", "Request_VM", ["Counter", [[[…1…]]]]], 200 levels deep.
	deep := append([]byte{0x95, 0x01, 0x80, 0xa1, '1', 0xaa}, "Request_VM"...)
	deep = append(append(append(deep, 0x92, 0xa7), "Counter"...), bytes.Repeat([]byte{0x91}, 200)...)
	deep = append(deep, 0x01)
	for name, data := range map[string][]byte{
		"length prefix":         {0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"announced over limit":  {0x80, 0x80, 0x01}, // 16 KiB, none of it sent
		"empty message":         {0x00},
		"not MessagePack":       frame([]byte{0xc1}),
		"not an array":          frame([]byte{0xa5, 'h', 'e', 'l', 'l', 'o'}),
		"unknown type":          mpMsg(t, 99),
		"short invocation":      mpMsg(t, 1, map[string]string{}, "1", "Request_VM"),
		"bad headers":           mpMsg(t, 1, []any{}, "1", "Request_VM", []any{"Counter"}),
		"numeric invocation id": mpMsg(t, 1, map[string]string{}, 1, "Request_VM", []any{"Counter"}),
		"nested too deep":       frame(deep),
		"unknown extension":     frame([]byte{0x95, 0x01, 0x80, 0xc0, 0xa9, 'U', 'p', 'd', 'a', 't', 'e', '_', 'V', 'M', 0x92, 0xa1, 'C', 0xd4, 0x05, 0x00}),
		"trailing bytes":        frame(append(mpMsgPayload(t, 6), 0x00)),
	} {
		w := e.connectMP(t)
		w.send(t, data)
		m := w.nextNonPing(t)
		errMsg, _ := m[1].(string)
		if len(m) != 3 || asInt(m[0]) != 7 || !strings.HasPrefix(errMsg, "Connection closed with an error: ") || m[2] != false {
			t.Errorf("%s: got %#v, want a close message with an error", name, m)
		}
		_ = w.c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, _, err := w.c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Errorf("%s: want a close, got %v", name, err)
		}
	}
	waitFor(t, "bad connections released", func() bool { return e.s.Connections() == 1 && e.h.Stats().Connections == 1 })
	bystander.send(t, mpMsg(t, 1, map[string]string{}, "1", "Request_VM", []any{"Counter", map[string]any{}}))
	if _, d := mpResponse(t, bystander.nextNonPing(t)); d["Count"] != 0.0 {
		t.Fatalf("bystander: %v", d)
	}
	if m := bystander.next(t); !isCompletion(m, "1", false) {
		t.Fatalf("bystander completion %#v", m)
	}
}

func mpMsgPayload(t *testing.T, v ...any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMessagePackShutdown: the close message allowing reconnection is
// MessagePack too.
func TestMessagePackShutdown(t *testing.T) {
	e := setup(t, signalr.Options{})
	w := e.connectMP(t)
	w.send(t, mpMsg(t, 1, map[string]string{}, "1", "Request_VM", []any{"Counter", map[string]any{}}))
	mpResponse(t, w.next(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	go func() { _ = e.s.Shutdown(ctx) }()
	for {
		m := w.nextNonPing(t)
		if asInt(m[0]) == 3 {
			continue
		}
		if len(m) != 3 || asInt(m[0]) != 7 || m[1] != "Server is shutting down." || m[2] != true {
			t.Fatalf("close: %#v", m)
		}
		break
	}
}

// TestMessagePackLongPolling: polls answer binary (application/octet-
// stream), sends are binary bodies.
func TestMessagePackLongPolling(t *testing.T) {
	e := setup(t, signalr.Options{PollTimeout: 50 * time.Millisecond})
	n := e.negotiate(t, "?negotiateVersion=1")
	url := e.url + "/dotnetify?id=" + n.ConnectionToken
	var types []string
	poll := func() (int, []byte) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if len(b) > 0 {
			types = append(types, resp.Header.Get("Content-Type"))
		}
		return resp.StatusCode, b
	}
	post := func(body []byte) {
		resp, err := http.Post(url, "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST: %d", resp.StatusCode)
		}
	}
	if code, body := poll(); code != 200 || len(body) != 0 {
		t.Fatalf("initial poll: %d %q", code, body)
	}
	post([]byte(mpHandshake))
	r := &mpReader{more: func() ([]byte, error) {
		for {
			code, body := poll()
			if code != 200 {
				return nil, io.EOF
			}
			if len(body) > 0 {
				return body, nil
			}
		}
	}}
	post(mpMsg(t, 1, map[string]string{}, "0", "Request_VM", []any{"Counter", map[string]any{}}))
	if _, d := mpResponse(t, r.next(t)); d["Count"] != 0.0 {
		t.Fatalf("state %v", d)
	}
	if m := r.next(t); !isCompletion(m, "0", false) {
		t.Fatalf("completion %#v", m)
	}
	post(mpMsg(t, 1, map[string]string{}, nil, "Update_VM", []any{"Counter", map[string]any{"Increment": nil}}))
	if _, d := mpResponse(t, r.next(t)); d["Count"] != 1.0 {
		t.Fatalf("reaction %v", d)
	}
	for _, ct := range types {
		if ct != "application/octet-stream" {
			t.Fatalf("poll content types %v", types)
		}
	}
	// A malformed message: the next poll has the close message.
	post(frame([]byte{0xc1}))
	m := r.next(t)
	if errMsg, _ := m[1].(string); asInt(m[0]) != 7 || !strings.HasPrefix(errMsg, "Connection closed with an error: ") {
		t.Fatalf("close %#v", m)
	}
	if code, _ := poll(); code != 204 {
		t.Fatalf("poll after the close: %d", code)
	}
}

// TestMessagePackRefusedOverSSE: Server-Sent Events carry text only, so a
// MessagePack handshake is refused there (negotiate does not offer Binary
// for them either).
func TestMessagePackRefusedOverSSE(t *testing.T) {
	e := setup(t, signalr.Options{})
	n := e.negotiate(t, "?negotiateVersion=1")
	url := e.url + "/dotnetify?id=" + n.ConnectionToken
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := &lp{url: url}
	p.post(t, mpHandshake, 200)
	br := bufio.NewReader(resp.Body)
	var events []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			break // the stream ends after the refusal
		}
		if rest, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "data: "); ok {
			events = append(events, rest)
		}
	}
	var hs struct{ Error string }
	if len(events) != 1 || json.Unmarshal([]byte(strings.TrimSuffix(events[0], "\x1e")), &hs) != nil || !strings.Contains(hs.Error, "Binary") {
		t.Fatalf("events %q", events)
	}
	waitFor(t, "connection released", func() bool { return e.s.Connections() == 0 })
}

// TestMessagePackHandshakeWithMessages: messages may follow the handshake
// in the same WebSocket message; framing switches right after it.
func TestMessagePackHandshakeWithMessages(t *testing.T) {
	e := setup(t, signalr.Options{})
	n := e.negotiate(t, "?negotiateVersion=1")
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.url, "http")+"/dotnetify?id="+n.ConnectionToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := append([]byte(mpHandshake), mpMsg(t, 1, map[string]string{}, "0", "Request_VM", []any{"Counter", map[string]any{"$vmArg": map[string]any{"Count": 3}}})...)
	if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
		t.Fatal(err)
	}
	r := &mpReader{more: func() ([]byte, error) {
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, b, err := c.ReadMessage()
		return b, err
	}}
	if _, d := mpResponse(t, r.next(t)); d["Count"] != 3.0 {
		t.Fatalf("state %v", d)
	}
	if m := r.next(t); !isCompletion(m, "0", false) {
		t.Fatalf("completion %#v", m)
	}
}
