package signalr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
)

// recordSeparator ends every record of the JSON hub protocol (and of the
// handshake).
const recordSeparator = 0x1e

// Hub protocol message types.
const (
	typeInvocation       = 1
	typeStreamItem       = 2
	typeCompletion       = 3
	typeStreamInvocation = 4
	typeCancelInvocation = 5
	typePing             = 6
	typeClose            = 7
)

var (
	pingRecord      = []byte("{\"type\":6}\x1e")
	handshakeOK     = []byte("{}\x1e")
	invocationStart = []byte(`{"type":1,"target":"Response_VM","arguments":[[`)
)

// handshakeRequest is the first record a client sends.
type handshakeRequest struct {
	Protocol *string `json:"protocol"`
	Version  *int    `json:"version"`
}

// parseHandshake checks the handshake record and returns the hub protocol
// it asks for ("json" or "messagepack"); the error is the message for the
// client.
func parseHandshake(rec []byte) (string, error) {
	var hs handshakeRequest
	if err := json.Unmarshal(rec, &hs); err != nil {
		return "", errors.New("handshake request is not a valid JSON object")
	}
	if hs.Protocol == nil {
		return "", errors.New("handshake request is missing the 'protocol' property")
	}
	if hs.Version == nil {
		return "", errors.New("handshake request is missing the 'version' property")
	}
	if *hs.Protocol != protocolJSON && *hs.Protocol != protocolMessagePack {
		return "", fmt.Errorf("the protocol '%s' is not supported (this server speaks 'json' and 'messagepack')", truncate(*hs.Protocol, 40))
	}
	if *hs.Version != 1 {
		return "", fmt.Errorf("the server does not support version %d of the '%s' protocol", *hs.Version, *hs.Protocol)
	}
	return *hs.Protocol, nil
}

// handshakeError is the handshake response refusing the connection.
func handshakeError(msg string) []byte {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	return append(b, recordSeparator)
}

// hubMessage is a client message of the JSON hub protocol.
type hubMessage struct {
	Type         int               `json:"type"`
	InvocationID *string           `json:"invocationId"`
	Target       string            `json:"target"`
	Arguments    []json.RawMessage `json:"arguments"`
	Error        string            `json:"error"`
}

// parseMessage decodes one record; an error closes the connection.
func parseMessage(rec []byte) (hubMessage, error) {
	var m hubMessage
	rec = bytes.TrimSpace(rec)
	if len(rec) == 0 || rec[0] != '{' {
		return m, errors.New("a record is not a JSON object")
	}
	if err := json.Unmarshal(rec, &m); err != nil {
		return m, fmt.Errorf("a record is not a valid hub message: %v", err)
	}
	if m.Type == 0 {
		return m, errors.New("a record is missing the required property 'type'")
	}
	if m.Type < typeInvocation || m.Type > typeClose {
		return m, fmt.Errorf("unknown message type %d", m.Type)
	}
	if m.Type == typeInvocation && m.Target == "" {
		return m, errors.New("an invocation is missing the required property 'target'")
	}
	return m, nil
}

// completion is a completion record for invocationID, with an error if
// errMsg is not empty.
func completion(invocationID, errMsg string) []byte {
	v := struct {
		Type         int    `json:"type"`
		InvocationID string `json:"invocationId"`
		Error        string `json:"error,omitempty"`
	}{typeCompletion, invocationID, errMsg}
	b, _ := json.Marshal(v)
	return append(b, recordSeparator)
}

// closeRecord is a close record, with an error if errMsg is not empty.
func closeRecord(errMsg string, allowReconnect bool) []byte {
	v := struct {
		Type           int    `json:"type"`
		Error          string `json:"error,omitempty"`
		AllowReconnect bool   `json:"allowReconnect,omitempty"`
	}{typeClose, errMsg, allowReconnect}
	b, _ := json.Marshal(v)
	return append(b, recordSeparator)
}

// responseRecord is the JSON hub protocol's invocation of the client's
// Response_VM with the single argument [vmId, data], data as a JSON string.
func responseRecord(r *hub.Response) []byte {
	out := make([]byte, 0, len(invocationStart)+len(r.VMID)+len(r.Data)+len(r.Data)/8+16)
	out = append(out, invocationStart...)
	out = wire.AppendString(out, r.VMID)
	out = append(out, ',')
	out = wire.AppendString(out, string(r.Data))
	return append(out, ']', ']', '}', recordSeparator)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
