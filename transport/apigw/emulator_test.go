package apigw_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/deploy/cloudformation"
	"github.com/gonetify/gonetify/gateway"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/vm"
)

// emulated is an app server behind the API Gateway emulator, which checks
// the SigV4 signature of every @connections call (key AKIDTEST, secret
// "gwsecret").
type emulated struct {
	gw    *gateway.Server
	s     *apigw.Server
	store *store.Memory
	logs  *logBuf
}

// behindEmulator starts the emulator and an app server signing its pushes
// with secret.
func behindEmulator(t *testing.T, secret string) *emulated {
	t.Helper()
	logs := &logBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	var s *apigw.Server
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.Handler().ServeHTTP(w, r) }))
	t.Cleanup(app.Close)
	api, err := gateway.LoadTemplate(cloudformation.Template, map[string]string{"AppServerUrl": app.URL, "IntegrationSecret": "integration-secret"})
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
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gs.Shutdown(ctx)
	})
	st := store.NewMemory()
	s = newAppServer(t, gs, st, secret, log)
	return &emulated{gs, s, st, logs}
}

func newAppServer(t *testing.T, gs *gateway.Server, st *store.Memory, secret string, log *slog.Logger) *apigw.Server {
	t.Helper()
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Counter](reg, "Counter"))
	var s *apigw.Server
	h := hub.New(reg, hub.Options{Logger: log})
	s, err := apigw.New(context.Background(), h, apigw.Options{
		ConnectionURL: gs.ConnectionURL(),
		Region:        "us-east-1",
		Credentials:   credentials.NewStaticCredentialsProvider("AKIDTEST", secret, ""),
		Secret:        "integration-secret",
		Store:         st,
		Logger:        log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *emulated) dial(t *testing.T) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(e.gw.WebSocketURL(), nil)
	if err != nil {
		t.Fatalf("dial the emulator: %v\n%s", err, e.logs)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func readPush(t *testing.T, e *emulated, c *websocket.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("no push: %v\n%s", err, e.logs)
	}
	var m struct{ CallType, VMID, Data string }
	if err := json.Unmarshal(b, &m); err != nil || m.CallType != "response_vm" || m.VMID != "Counter" {
		t.Fatalf("push %s", b)
	}
	return m.Data
}

// The lean push path's requests pass the emulator's SigV4 verification:
// the pushes (POST) arrive in order, and a restarted server's Restore
// (GET @connections/{id}) finds the connection alive.
func TestSignedPushesPassTheEmulator(t *testing.T) {
	e := behindEmulator(t, "gwsecret")
	c := e.dial(t)
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"callType":"request_vm","vmId":"Counter","vmArgs":"{}"}`)); err != nil {
		t.Fatal(err)
	}
	if d := readPush(t, e, c); !strings.Contains(d, `"Count":0`) {
		t.Fatalf("first push %s", d)
	}
	for i := 1; i <= 3; i++ {
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"callType":"update_vm","vmId":"Counter","value":{"Increment":null}}`)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 3; i++ {
		if d, want := readPush(t, e, c), `{"Count":`+string(rune('0'+i))+`}`; d != want {
			t.Fatalf("push %d: %s, want %s", i, d, want)
		}
	}
	if strings.Contains(e.logs.String(), "@connections call refused") {
		t.Fatalf("the emulator refused a call:\n%s", e.logs)
	}
	// A second server on the same store asks the gateway (signed GET).
	s2 := newAppServer(t, e.gw, e.store, "gwsecret", slog.New(slog.NewTextHandler(e.logs, nil)))
	st, err := s2.Restore(context.Background())
	if err != nil || st.Alive != 1 || st.VMs != 1 || st.Failed != 0 {
		t.Fatalf("Restore = %+v, %v\n%s", st, err, e.logs)
	}
}

// A wrong secret: the emulator answers 403 and the server logs dotNetify's
// line with a hint naming the cause and the fix.
func TestWrongSecretIsRefusedWithHint(t *testing.T) {
	e := behindEmulator(t, "not-the-secret")
	c := e.dial(t)
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"callType":"request_vm","vmId":"Counter","vmArgs":"{}"}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refused push's log line", func() bool {
		l := e.logs.String()
		return strings.Contains(l, "Integration callback responds with 403 Forbidden") &&
			strings.Contains(l, "the gateway does not know this access key or its secret is wrong: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") &&
			strings.Contains(l, "error=InvalidSignatureException")
	})
}
