package hub

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
	// RequestVM, UpdateVM, DisposeVM, CallUnknown (any other callType) or
	// CallInvalid (a frame that could not be decoded).
	MessageIn(transport string, callType CallType)
	// MessageOut is called for every Response handed to a connection's
	// Sender (VM data and exceptions), with the size of its data in bytes.
	MessageOut(transport string, bytes int)
	// VMCreated and VMDisposed are called when a VM instance of type typ
	// (the vmId's type part) is created or disposed. A multicast VM is
	// one instance, however many connections share it; sub-VMs count.
	VMCreated(typ string)
	VMDisposed(typ string)
}

// Call types given to [Observer.MessageIn] besides RequestVM, UpdateVM and
// DisposeVM.
const (
	CallUnknown CallType = "unknown" // a callType the hub does not know
	CallInvalid CallType = "invalid" // a frame that could not be decoded
)

// callLabel maps a client's callType to a bounded set of labels.
func callLabel(callType CallType) CallType {
	switch c := callType.canonical(); c {
	case RequestVM, UpdateVM, DisposeVM:
		return c
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
