package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

// Message is one client message: {"callType","vmId","vmArgs"|"value"}.
// VMArgs and Value are JSON strings holding JSON (as the official client
// sends them) or, leniently, JSON objects (as SignalR carries them).
type Message struct {
	// CallType is RequestVM, UpdateVM or DisposeVM; decoding maps the
	// client's spelling (request_vm, Request_VM, …) to them.
	CallType CallType        `json:"callType"`
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
	return m, nil
}

// canonical returns the call type t names, matched case-insensitively
// (clients send request_vm, SignalR's methods are Request_VM), or t.
func (t CallType) canonical() CallType {
	for _, c := range [...]CallType{RequestVM, UpdateVM, DisposeVM, ResponseVM} {
		if strings.EqualFold(string(t), string(c)) {
			return c
		}
	}
	return t
}

// UnmarshalJSON reads a call type from a JSON string, matching dotNetify's
// names case-insensitively, so a decoded [Message] holds RequestVM rather
// than the client's request_vm.
func (t *CallType) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = CallType(s).canonical()
	return nil
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
// It checks the object with json.Valid, then walks it without a
// json.Decoder (whose Token calls were a tenth of a round trip's CPU); the
// values are sub-slices of obj.
func orderedObject(obj json.RawMessage) ([]vmrt.PathValue, error) {
	if obj == nil {
		return nil, nil
	}
	if !json.Valid(obj) {
		return nil, errors.New("not valid JSON")
	}
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, errors.New("not a JSON object")
	}
	i = skipSpace(obj, i+1)
	var out []vmrt.PathValue
	for i < len(obj) && obj[i] != '}' {
		kEnd := skipString(obj, i)
		key := obj[i:kEnd]
		var k string
		if bytes.IndexByte(key, '\\') < 0 && utf8.Valid(key) {
			k = string(key[1 : len(key)-1])
		} else if err := json.Unmarshal(key, &k); err != nil {
			return nil, err
		}
		i = skipSpace(obj, kEnd)
		i = skipSpace(obj, i+1) // ':'
		vEnd := skipValue(obj, i)
		out = append(out, vmrt.PathValue{Path: k, Value: json.RawMessage(obj[i:vEnd:vEnd])})
		i = skipSpace(obj, vEnd)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return out, nil
}

// skipSpace, skipString and skipValue walk JSON that json.Valid accepted:
// each returns the index just past what it skipped.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default: // a number, true, false or null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		return i
	}
}
