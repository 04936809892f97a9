package cluster

import "github.com/gonetify/gonetify/hub"

// Message is a client message routed to the owner of its VM, with what the
// owner needs to know of the client's connection.
type Message struct {
	ConnectionID string      `json:"connectionId"`
	RemoteAddr   string      `json:"remoteAddr,omitempty"`
	UserAgent    string      `json:"userAgent,omitempty"`
	Transport    string      `json:"transport,omitempty"`
	Message      hub.Message `json:"message"`
	// Ack, when set, asks the owner to publish "ack <Ack>" once it has
	// handled the message and sent its responses (a Web API request waits
	// for it).
	Ack string `json:"ack,omitempty"`
}
