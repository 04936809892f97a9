package ws

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

type pingVM struct {
	vm.Base
	N int
}

// TestFirstMessageDuringHandshake: a message that reaches the poller while
// the handshake's goroutine is between Upgrade and setting the session is
// still handed to the hub. The hooks hold each side in that window; looking
// at the session before pending lost the message (the client waited
// forever).
func TestFirstMessageDuringHandshake(t *testing.T) {
	reg := vm.NewRegistry()
	if err := vm.RegisterType[pingVM](reg, "Ping"); err != nil {
		t.Fatal(err)
	}
	h := hub.New(reg, hub.Options{})
	s, err := New(h, Options{Engine: EngineEpoll})
	if err != nil {
		t.Fatal(err)
	}
	s.epoll.hookAfterUpgrade = func() { time.Sleep(50 * time.Millisecond) }
	s.epoll.hookBetweenLookups = func() { time.Sleep(100 * time.Millisecond) }
	srv := httptest.NewServer(s)
	defer srv.Close()

	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"callType":"request_vm","vmId":"Ping","vmArgs":"{}"}`)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, b, err := c.ReadMessage(); err != nil || !strings.Contains(string(b), `"N\":0`) {
		t.Fatalf("no state for a request sent during the handshake: %s, %v", b, err)
	}
}
