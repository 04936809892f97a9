package ws_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/transport/ws"
	"github.com/gonetify/gonetify/vm"
)

// Greeter is a VM for the example.
type Greeter struct {
	vm.Base
	Greeting string
}

// ExampleNew serves a hub at /ws for dotnetify.createWebSocketHub, on the
// epoll engine, and answers one request_vm.
func ExampleNew() {
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "Greeter", func(context.Context, vm.ID) (*Greeter, error) {
		return &Greeter{Greeting: "hello"}, nil
	})
	h := hub.New(reg, hub.Options{})
	wss, err := ws.New(h, ws.Options{Engine: ws.EngineEpoll})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", wss)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = wss.Shutdown(ctx) // closes the clients with 1001
	}()

	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"callType":"request_vm","vmId":"Greeter"}`))
	_, frame, _ := c.ReadMessage()
	fmt.Println(string(frame))
	// Output:
	// {"callType":"response_vm","vmId":"Greeter","data":"{\"Greeting\":\"hello\"}"}
}
