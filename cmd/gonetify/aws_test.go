package main

import (
	"github.com/gonetify/gonetify/server"

	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/deploy/cloudformation"
	"github.com/gonetify/gonetify/gateway"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type awsEnv struct {
	gw   *gateway.Server
	app  *app
	logs *syncBuf
}

// startAWSPath runs the app server behind the emulator, both in-process.
// The emulator accepts key AKIDTEST with secret "gwsecret"; the app signs
// with signKey. connURL maps the emulator's Connection URL to the one the
// app is given (to try trailing-slash variants).
func startAWSPath(t *testing.T, signKey string, connURL func(string) string) *awsEnv {
	t.Helper()
	return startAWSPathWith(t, appConfig{Options: server.Options{ReadLimit: 128 << 10, SendQueue: 64, LogFormat: "text"}}, signKey, connURL)
}

// startAWSPathWith is startAWSPath for an app configured as cfg (its
// address, gateway and AWS settings are set here).
func startAWSPathWith(t *testing.T, cfg appConfig, signKey string, connURL func(string) string) *awsEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	appAddr := ln.Addr().String()
	_ = ln.Close()
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api, err := gateway.LoadTemplate(cloudformation.Template, map[string]string{
		"AppServerUrl": "http://" + appAddr, "IntegrationSecret": "test-integration-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(api, gateway.Options{Credentials: map[string]string{"AKIDTEST": "gwsecret"}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := gateway.Listen(g, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr, cfg.MaxPushes, cfg.ConnectionURL, cfg.AWSRegion = appAddr, 100, connURL(gs.ConnectionURL()), "us-east-1"
	cfg.AWSCredentials = credentials.NewStaticCredentialsProvider("AKIDTEST", signKey, "")
	cfg.IntegrationSecret = "test-integration-secret"
	a, err := startApp(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gs.Shutdown(ctx)
		_ = a.shutdown()
	})
	return &awsEnv{gs, a, logs}
}

func (e *awsEnv) dial(t *testing.T) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(e.gw.WebSocketURL(), nil)
	if err != nil {
		t.Fatalf("dial the emulator: %v\n%s", err, e.logs)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func waitLog(t *testing.T, e *awsEnv, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(e.logs.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line %q in:\n%s", text, e.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const helloRequest = `{"callType":"request_vm","vmId":"HelloWorldVM","vmArgs":"{}"}`

// TestConnectionURLForms: the pushes arrive whatever form of the
// Connection URL the server is given.
func TestConnectionURLForms(t *testing.T) {
	for name, f := range map[string]func(string) string{
		"as printed":     func(u string) string { return u },
		"trailing slash": func(u string) string { return u + "/" },
		"stage only":     func(u string) string { return strings.TrimSuffix(u, "/@connections") },
	} {
		t.Run(name, func(t *testing.T) {
			e := startAWSPath(t, "gwsecret", f)
			c := e.dial(t)
			if err := c.WriteMessage(websocket.TextMessage, []byte(helloRequest)); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, b, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("no push: %v\n%s", err, e.logs)
			}
			var m struct{ CallType, VMID, Data string }
			if json.Unmarshal(b, &m) != nil || m.CallType != "response_vm" || !strings.Contains(m.Data, `"FullName":"Hello World"`) {
				t.Fatalf("push %s", b)
			}
		})
	}
}

// TestWrongCredentials: the emulator refuses the pushes with 403 and the
// app server logs the line dotNetify's guide tells users to look for.
func TestWrongCredentials(t *testing.T) {
	e := startAWSPath(t, "not-the-secret", func(u string) string { return u })
	c := e.dial(t)
	if err := c.WriteMessage(websocket.TextMessage, []byte(helloRequest)); err != nil {
		t.Fatal(err)
	}
	waitLog(t, e, "Integration callback responds with 403 Forbidden")
	waitLog(t, e, "InvalidSignatureException")
}

// TestPushToClosedConnection: a connection the gateway no longer has
// answers 410; the server disposes its VMs.
func TestPushToClosedConnection(t *testing.T) {
	e := startAWSPath(t, "gwsecret", func(u string) string { return u })
	body := `{"connectionId":"GoneGoneGoneGo0=","payload":` + helloRequest + `}`
	req, _ := http.NewRequest("POST", "http://"+e.app.addr+"/api/dotnetify/vm", strings.NewReader(body))
	req.Header.Set("X-Gonetify-Secret", "test-integration-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("integration call: %d", resp.StatusCode)
	}
	waitLog(t, e, "connection gone at the gateway (410)")
}

// TestEmulatorRefusals: over-128 KB messages close the socket (1009) and
// unsigned @connections calls get 403, through the real binary's wiring.
func TestEmulatorRefusals(t *testing.T) {
	e := startAWSPath(t, "gwsecret", func(u string) string { return u })
	c := e.dial(t)
	big := `{"callType":"update_vm","vmId":"HelloWorldVM","value":"` + strings.Repeat("x", 130<<10) + `"}`
	_ = c.WriteMessage(websocket.TextMessage, []byte(big))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var closeCode int
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				closeCode = ce.Code
			}
			break
		}
	}
	if closeCode != websocket.CloseMessageTooBig {
		t.Fatalf("over-128 KB message: close code %d, want 1009", closeCode)
	}
	resp, err := http.Post(e.gw.ConnectionURL()+"/AAAAAAAAAAAAAAA=", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("unsigned @connections POST: %d, want 403", resp.StatusCode)
	}
}

// Through the emulator's default AWS-like delivery (a connection's
// integration calls overlap; $disconnect does not wait for them), a
// client that sends and leaves at once leaves no connection behind on the
// app server: a message that arrives after its $disconnect does not
// resurrect it.
func TestNoResurrectionThroughTheEmulator(t *testing.T) {
	e := startAWSPath(t, "gwsecret", func(u string) string { return u })
	for i := 0; i < 20; i++ {
		c := e.dial(t)
		_ = c.WriteMessage(websocket.TextMessage, []byte(helloRequest))
		for j := 0; j < 5; j++ {
			_ = c.WriteMessage(websocket.TextMessage, []byte(`{"callType":"update_vm","vmId":"HelloWorldVM","value":"{\"FirstName\":\"N`+strings.Repeat("x", j)+`\"}"}`))
		}
		_ = c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := e.app.Hub().Stats()
		if st.Connections == 0 && len(e.gw.Gateway.ConnectionIDs()) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections left on the app server after every client left: %+v\n%s", st, e.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// And they stay gone once every late call has been answered.
	time.Sleep(300 * time.Millisecond)
	if st := e.app.Hub().Stats(); st.Connections != 0 || st.VMs != 0 {
		t.Fatalf("a late message resurrected a connection: %+v", st)
	}
}
