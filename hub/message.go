package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gonetify/gonetify/vm"
)

// Call types of dotNetify's messages, as the createWebSocketHub client sends
// them. They are matched case-insensitively.
const (
	CallRequest  = "request_vm"
	CallUpdate   = "update_vm"
	CallDispose  = "dispose_vm"
	CallResponse = "response_vm"
)

// Message is one client message: {"callType","vmId","vmArgs"|"value"}.
// VMArgs and Value are JSON strings holding JSON (as the official client
// sends them) or, leniently, JSON objects (as SignalR carries them).
type Message struct {
	CallType string          `json:"callType"`
	VMID     string          `json:"vmId"`
	VMArgs   json.RawMessage `json:"vmArgs,omitempty"`
	Value    json.RawMessage `json:"value,omitempty"`
}

// ProtocolError is a frame the hub can't attribute to a VM (not JSON, no
// vmId). The transport should close that connection, and only that one.
type ProtocolError struct {
	Reason string
}

// Error implements error.
func (e *ProtocolError) Error() string { return "protocol error: " + e.Reason }

// DecodeMessage parses a client frame.
func DecodeMessage(frame []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(frame, &m); err != nil {
		return m, &ProtocolError{Reason: "frame is not a JSON message object: " + err.Error()}
	}
	if m.VMID == "" {
		return m, &ProtocolError{Reason: "message has no vmId"}
	}
	if m.CallType == "" {
		return m, &ProtocolError{Reason: "message has no callType"}
	}
	m.CallType = strings.ToLower(m.CallType)
	return m, nil
}

// innerObject returns the JSON object held by raw, which is either a JSON
// string containing an object or an object; empty or null gives nil.
func innerObject(raw json.RawMessage, field string) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, badArg("%s is not a valid JSON string", field)
		}
		raw = bytes.TrimSpace([]byte(s))
		if len(raw) == 0 || string(raw) == "null" {
			return nil, nil
		}
	}
	if raw[0] != '{' || !json.Valid(raw) {
		return nil, badArg("%s must be a JSON object (or a string holding one)", field)
	}
	return raw, nil
}

func badArg(format string, args ...any) error {
	return &vm.Exception{Type: "ArgumentException", Message: fmt.Sprintf(format, args...)}
}

// orderedObject decodes a JSON object into its entries in document order.
func orderedObject(obj json.RawMessage) ([]vm.PathValue, error) {
	if obj == nil {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, err
	}
	var out []vm.PathValue
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, vm.PathValue{Path: k, Value: v})
	}
	return out, nil
}

// appendFrame appends a response_vm frame for vmID carrying data (a JSON
// object) as a string, the way the official client needs it.
func appendFrame(buf []byte, vmID string, data []byte) []byte {
	buf = append(buf, `{"callType":"response_vm","vmId":`...)
	buf = appendString(buf, vmID)
	buf = append(buf, `,"data":`...)
	buf = appendString(buf, string(data))
	return append(buf, '}')
}

// Frame returns a response_vm frame for vmID carrying data.
func Frame(vmID string, data []byte) []byte {
	return appendFrame(make([]byte, 0, len(data)+len(vmID)+64), vmID, data)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string without HTML escaping.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
