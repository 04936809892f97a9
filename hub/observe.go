package hub

import (
	"strings"
)

// Observer is told what a hub does, for metrics (package metrics implements
// it for Prometheus). Set it as [Options.Observer]; without one the hub
// pays a nil check per event.
//
// Its methods are called synchronously on the hub's hot paths, some with
// the hub's locks held: they must be quick (an atomic add, a map lookup),
// must not block and must not call the hub. They may be called from many
// goroutines at once.
//
// transport is the connection's [vm.Conn].Transport ("ws", "apigw",
// "signalr-websockets", "webapi", …; "" when the transport set none).
type Observer interface {
	// ConnOpened is called when a connection is registered (Hub.Connect),
	// ConnClosed when it is closed (Conn.Close, once per connection).
	ConnOpened(transport string)
	ConnClosed(transport string)
	// MessageIn is called for every client message: callType is
	// "request_vm", "update_vm", "dispose_vm", "unknown" (any other
	// callType) or "invalid" (a frame that could not be decoded).
	MessageIn(transport, callType string)
	// MessageOut is called for every frame handed to a connection's
	// Sender (response_vm frames and exceptions), with its size in bytes.
	MessageOut(transport string, bytes int)
	// VMCreated and VMDisposed are called when a VM instance of type typ
	// (the vmId's type part) is created or disposed. A multicast VM is
	// one instance, however many connections share it; sub-VMs count.
	VMCreated(typ string)
	VMDisposed(typ string)
}

// Call type labels given to [Observer.MessageIn] besides the protocol's.
const (
	CallUnknown = "unknown" // a callType the hub does not know
	CallInvalid = "invalid" // a frame that could not be decoded
)

// callLabel maps a client's callType to a bounded set of labels.
func callLabel(callType string) string {
	switch strings.ToLower(callType) {
	case CallRequest:
		return CallRequest
	case CallUpdate:
		return CallUpdate
	case CallDispose:
		return CallDispose
	}
	return CallUnknown
}

// observeVM reports a VM created (+1) or disposed (-1) and keeps the live
// count of Stats.
func (h *Hub) observeVM(typ string, delta int64) {
	h.liveVMs.Add(delta)
	if h.obs == nil {
		return
	}
	if delta > 0 {
		h.obs.VMCreated(typ)
	} else {
		h.obs.VMDisposed(typ)
	}
}
