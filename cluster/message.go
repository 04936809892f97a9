package cluster

import "github.com/gonetify/gonetify/hub"

// Message is a client message routed to the owner of its VM, with what the
// owner needs to know of the client's connection.
type Message struct {
	ConnectionID string      `json:"connectionId"`
	RemoteAddr   string      `json:"remoteAddr,omitempty"`
	UserAgent    string      `json:"userAgent,omitempty"`
	Message      hub.Message `json:"message"`
}
