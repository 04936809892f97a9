package ws_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/transport/ws"
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

// Flood pushes a large value every millisecond.
type Flood struct {
	vm.Base
	Data string
}

func (f *Flood) OnCreated(context.Context) error {
	f.Every(time.Millisecond, func() { f.Data = strings.Repeat("x", 64<<10); f.Changed("Data") })
	return nil
}

// eachEngine runs test on each of ws.Engines.
func eachEngine(t *testing.T, test func(t *testing.T, engine string)) {
	for _, e := range ws.Engines {
		t.Run(e, func(t *testing.T) { test(t, e) })
	}
}

// Blocker's Hold runs until holdRelease is closed.
type Blocker struct {
	vm.Base
	_ vm.Commands `vm:"Hold"`
}

var (
	holdStarted = make(chan struct{}, 16)
	holdRelease = make(chan struct{})
)

func (b *Blocker) Hold() { holdStarted <- struct{}{}; <-holdRelease }

func setup(t *testing.T, engine string, opts ws.Options) (*hub.Hub, *ws.Server, string) {
	t.Helper()
	opts.Engine = engine
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Counter](reg, "Counter"))
	mustReg(vm.RegisterType[Clock](reg, "Clock"))
	mustReg(vm.RegisterType[Flood](reg, "Flood"))
	mustReg(vm.RegisterType[Blocker](reg, "Blocker"))
	h := hub.New(reg, hub.Options{})
	s, err := ws.New(h, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		srv.Close()
	})
	return h, s, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// read returns the next response_vm's vmId and data object.
func read(t *testing.T, c *websocket.Conn) (string, map[string]any) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m struct {
		CallType string `json:"callType"`
		VMID     string `json:"vmId"`
		Data     string `json:"data"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.CallType != "response_vm" {
		t.Fatalf("bad frame %s", b)
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(m.Data), &data); err != nil {
		t.Fatalf("data not an object: %s", b)
	}
	return m.VMID, data
}

// closeCode reads until the server closes and returns its close code.
func closeCode(t *testing.T, c *websocket.Conn) int {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		t.Fatalf("want a close frame, got %v", err)
	}
}

const request = `{"callType":"request_vm","vmId":"Counter","vmArgs":"{}"}`

func TestRequestUpdate(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		_, _, url := setup(t, engine, ws.Options{})
		c := dial(t, url)
		send(t, c, request)
		if id, d := read(t, c); id != "Counter" || d["Count"] != 0.0 {
			t.Fatalf("state %s %v", id, d)
		}
		send(t, c, `{"callType":"update_vm","vmId":"Counter","value":"{\"Increment\":null}"}`)
		if _, d := read(t, c); d["Count"] != 1.0 {
			t.Fatalf("reaction %v", d)
		}
	})
}

// TestHostileFrames sends each kind of bad input on its own connection and
// checks it gets an error or a close, while a bystander keeps being served.
func TestHostileFrames(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		_, _, url := setup(t, engine, ws.Options{ReadLimit: 4096})
		bystander := dial(t, url)
		send(t, bystander, request)
		read(t, bystander)

		closes := map[string]struct {
			msg  []byte
			bin  bool
			code int
		}{
			"not JSON":      {msg: []byte("hello?"), code: websocket.CloseInvalidFramePayloadData},
			"missing vmId":  {msg: []byte(`{"callType":"request_vm"}`), code: websocket.CloseInvalidFramePayloadData},
			"over limit":    {msg: []byte(`{"callType":"update_vm","vmId":"Counter","value":"` + strings.Repeat("x", 5000) + `"}`), code: websocket.CloseMessageTooBig},
			"binary frame":  {msg: []byte(request), bin: true, code: websocket.CloseUnsupportedData},
			"JSON but list": {msg: []byte(`[1,2,3]`), code: websocket.CloseInvalidFramePayloadData},
		}
		for name, tc := range closes {
			c := dial(t, url)
			typ := websocket.TextMessage
			if tc.bin {
				typ = websocket.BinaryMessage
			}
			if err := c.WriteMessage(typ, tc.msg); err != nil {
				t.Fatal(err)
			}
			if code := closeCode(t, c); code != tc.code {
				t.Errorf("%s: close code %d, want %d", name, code, tc.code)
			}
		}
		errorsSent := map[string]struct{ msg, typ string }{
			"unknown callType":   {`{"callType":"launch_vm","vmId":"Counter"}`, "InvalidOperationException"},
			"vmArgs wrong type":  {`{"callType":"request_vm","vmId":"Counter","vmArgs":42}`, "ArgumentException"},
			"value wrong type":   {`{"callType":"update_vm","vmId":"Counter","value":"[1]"}`, "ArgumentException"},
			"update before req":  {`{"callType":"update_vm","vmId":"Counter","value":"{\"Count\":1}"}`, "InvalidOperationException"},
			"dispose unknown vm": {`{"callType":"dispose_vm","vmId":"Counter"}`, "InvalidOperationException"},
			"unknown vm":         {`{"callType":"request_vm","vmId":"Nope","vmArgs":"{}"}`, "Exception"},
		}
		for name, tc := range errorsSent {
			c := dial(t, url)
			send(t, c, tc.msg)
			if _, d := read(t, c); d["ExceptionType"] != tc.typ || d["Message"] == "" {
				t.Errorf("%s: got %v, want %s", name, d, tc.typ)
			}
			// The connection survives its error.
			send(t, c, request)
			if _, d := read(t, c); d["Count"] != 0.0 {
				t.Errorf("%s: connection unusable after the error: %v", name, d)
			}
		}
		// The bystander was never disturbed.
		send(t, bystander, `{"callType":"update_vm","vmId":"Counter","value":"{\"Increment\":null}"}`)
		if _, d := read(t, bystander); d["Count"] != 1.0 {
			t.Fatalf("bystander: %v", d)
		}
	})
}

// TestNoLeaks runs 1,000 connect → request → disconnect cycles and checks
// that no VM, connection or goroutine is left behind.
func TestNoLeaks(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		h, s, url := setup(t, engine, ws.Options{})
		// Warm up once so lazily started runtime goroutines are counted.
		func() {
			c := dial(t, url)
			send(t, c, request)
			read(t, c)
			_ = c.Close()
		}()
		waitIdle(t, h, s)
		base := runtime.NumGoroutine()
		for i := 0; i < 1000; i++ {
			c, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err != nil {
				t.Fatal(err)
			}
			send(t, c, request)
			send(t, c, `{"callType":"request_vm","vmId":"Clock","vmArgs":"{}"}`)
			read(t, c)
			read(t, c)
			_ = c.Close()
		}
		waitIdle(t, h, s)
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d after, %d before\n%s", n, base, buf[:runtime.Stack(buf, true)])
		}
	})
}

func waitIdle(t *testing.T, h *hub.Hub, s *ws.Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if st := h.Stats(); st.VMs == 0 && st.Connections == 0 && s.Connections() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("not idle: hub %+v, sockets %d", h.Stats(), s.Connections())
}

// TestSlowReader: a client that never reads is cut off when its queue
// fills; the others keep getting pushes.
func TestSlowReader(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		h, _, url := setup(t, engine, ws.Options{SendQueue: 4})
		slow := dial(t, url)
		send(t, slow, `{"callType":"request_vm","vmId":"Flood","vmArgs":"{}"}`)
		fast := dial(t, url)
		send(t, fast, `{"callType":"request_vm","vmId":"Clock","vmArgs":"{}"}`)
		read(t, fast)
		// Keep reading on the fast one while the slow one's queue overflows.
		deadline := time.Now().Add(5 * time.Second)
		for h.Stats().Connections > 1 && time.Now().Before(deadline) {
			read(t, fast)
		}
		if n := h.Stats().Connections; n != 1 {
			t.Fatalf("slow client still connected (%d connections)", n)
		}
		read(t, fast)
	})
}

func TestShutdownGoingAway(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		_, s, url := setup(t, engine, ws.Options{})
		c := dial(t, url)
		send(t, c, request)
		read(t, c)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_ = s.Shutdown(ctx)
		}()
		if code := closeCode(t, c); code != websocket.CloseGoingAway {
			t.Fatalf("close code %d, want 1001", code)
		}
	})
}

func TestMaxPerSource(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		_, _, url := setup(t, engine, ws.Options{MaxPerSource: 2})
		a, b := dial(t, url), dial(t, url)
		_, resp, err := websocket.DefaultDialer.Dial(url, nil)
		if err == nil || resp == nil || resp.StatusCode != 429 {
			t.Fatalf("third connection: err %v, resp %v; want 429", err, resp)
		}
		// The two admitted ones still work; closing one admits a new one.
		send(t, a, request)
		read(t, a)
		_ = b.Close()
		deadline := time.Now().Add(3 * time.Second)
		for {
			c, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err == nil {
				_ = c.Close()
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("slot not freed: %v", err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestIdleConnectionsHoldNoGoroutine: with the epoll engine an idle
// connection (its VM requested and answered) costs no goroutine; gorilla's
// costs two.
func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	const n = 100
	for _, tc := range []struct {
		engine          string
		atLeast, atMost int // goroutines added by n idle connections (atMost 0: no bound)
	}{
		{engine: ws.EngineEpoll, atMost: 5},
		{engine: ws.EngineGorilla, atLeast: n}, // else the count does not see them
	} {
		t.Run(tc.engine, func(t *testing.T) {
			h, s, url := setup(t, tc.engine, ws.Options{})
			warm := dial(t, url) // starts the engine's own goroutines
			send(t, warm, request)
			read(t, warm)
			base := runtime.NumGoroutine()
			for range n {
				c := dial(t, url)
				send(t, c, request)
				read(t, c)
			}
			if st := h.Stats(); st.Connections != n+1 || s.Connections() != n+1 {
				t.Fatalf("connections: hub %d, sockets %d; want %d", st.Connections, s.Connections(), n+1)
			}
			time.Sleep(50 * time.Millisecond) // let the pool's idle goroutines end
			added := runtime.NumGoroutine() - base
			// The test's own clients run no goroutine while not reading.
			t.Logf("%s: %d goroutines for %d idle connections", tc.engine, added, n)
			if tc.atMost > 0 && added > tc.atMost {
				t.Fatalf("%d goroutines added by %d idle connections, want at most %d", added, n, tc.atMost)
			}
			if added < tc.atLeast {
				t.Fatalf("%s: %d goroutines for %d connections: the count does not see them", tc.engine, added, n)
			}
		})
	}
}

// TestSilentClientClosed: a client that answers no ping is closed after
// two ping intervals; one that does stays.
func TestSilentClientClosed(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		const interval = 100 * time.Millisecond
		h, _, url := setup(t, engine, ws.Options{PingInterval: interval})
		silent := dial(t, url) // never reads, so never answers a ping
		send(t, silent, request)
		alive := dial(t, url)
		send(t, alive, request)
		read(t, alive)
		done := make(chan error, 1)
		go func() { // reading answers the pings
			_ = alive.SetReadDeadline(time.Now().Add(8 * interval))
			_, _, err := alive.ReadMessage()
			done <- err
		}()
		deadline := time.Now().Add(3 * time.Second)
		for h.Stats().Connections > 1 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := h.Stats().Connections; n != 1 {
			t.Fatalf("%d connections, want the silent one closed", n)
		}
		var ne interface{ Timeout() bool }
		if err := <-done; !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("the client answering pings was closed: %v", err)
		}
	})
}

// TestFirstMessageAtOnce: clients that send their request the moment the
// handshake is answered all get their state, however their first message
// races the server's own bookkeeping of the new connection.
func TestFirstMessageAtOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		_, _, url := setup(t, engine, ws.Options{})
		const workers, each = 8, 250
		errc := make(chan error, workers)
		for range workers {
			go func() {
				for range each {
					c, _, err := websocket.DefaultDialer.Dial(url, nil)
					if err != nil {
						errc <- err
						return
					}
					err = c.WriteMessage(websocket.TextMessage, []byte(request))
					if err == nil {
						_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
						_, _, err = c.ReadMessage()
					}
					_ = c.Close()
					if err != nil {
						errc <- fmt.Errorf("a request sent right after the handshake got no answer: %w", err)
						return
					}
				}
				errc <- nil
			}()
		}
		for range workers {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestCloseDuringCommand: a client that goes away while its command still
// runs does not hold up the other connections (the hub waits for the
// command before disposing the VM; that wait must not be the poller's).
func TestCloseDuringCommand(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		holdRelease = make(chan struct{})
		defer close(holdRelease)
		_, _, url := setup(t, engine, ws.Options{})
		other := dial(t, url)
		leaving := dial(t, url)
		send(t, leaving, `{"callType":"request_vm","vmId":"Blocker","vmArgs":"{}"}`)
		read(t, leaving)
		send(t, leaving, `{"callType":"update_vm","vmId":"Blocker","value":"{\"Hold\":null}"}`)
		select {
		case <-holdStarted:
		case <-time.After(3 * time.Second):
			t.Fatal("the command did not start")
		}
		_ = leaving.Close()
		time.Sleep(100 * time.Millisecond) // the server sees it go
		send(t, other, request)
		if _, d := read(t, other); d["Count"] != 0.0 { // read waits 3 s at most
			t.Fatalf("state %v", d)
		}
	})
}
