package hub

import (
	"encoding/json"
	"sync"

	"github.com/gonetify/gonetify/vm"
)

// Response is what the hub hands a connection's transport: the data of
// one VM for the client, or an error for that VM. The hub speaks no wire
// format; each transport encodes a Response as its own frame (the direct
// WebSocket hub's message, SignalR's Response_VM invocation,
// a Web API reply).
//
// A broadcast hands the same *Response to every member of a multicast VM,
// so a transport that encodes it with [Response.Encoded] does so once and
// every member writes the same bytes. A Response must not be modified
// once handed to a Sender.
type Response struct {
	// VMID is the vmId the data is for, as the client requested it.
	VMID string
	// Data is a JSON object: the VM's state, its changes or, when Err is
	// set, dotNetify's exception object {"ExceptionType","Message"}.
	Data []byte
	// Err is the error sent to the client, or nil for VM data.
	Err *vm.Exception

	mu      sync.Mutex
	encoded []encoding
}

type encoding struct {
	key   any
	frame []byte
}

// Encoded returns encode(r), calling encode once per key however many
// connections share r: key names the encoding (a transport's unexported
// type, as with context keys) and encode must depend on r alone. The
// bytes returned are shared; don't modify them.
func (r *Response) Encoded(key any, encode func(*Response) []byte) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.encoded {
		if e.key == key {
			return e.frame
		}
	}
	b := encode(r)
	r.encoded = append(r.encoded, encoding{key, b})
	return b
}

// errorResponse is the Response carrying ex for vmID.
func errorResponse(vmID string, ex *vm.Exception) *Response {
	data, _ := json.Marshal(struct {
		ExceptionType string
		Message       string
	}{ex.Type, ex.Message})
	return &Response{VMID: vmID, Data: data, Err: ex}
}

// Sender delivers responses to one connection. Send must not block for
// long: encode and queue the response, or fail. A transport implements it.
type Sender interface {
	Send(r *Response) error
}

// SenderFunc adapts a function to [Sender].
type SenderFunc func(r *Response) error

// Send calls f(r).
func (f SenderFunc) Send(r *Response) error { return f(r) }
