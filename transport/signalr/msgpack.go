package signalr

// The MessagePack hub protocol ("messagepack", version 1), as the ASP.NET
// Core SignalR hub protocol specification defines it: after the (JSON)
// handshake, each message is a MessagePack array preceded by its length as
// a variable-length integer (7 bits a byte, least significant group first,
// at most 5 bytes). The arrays this hub reads and writes:
//
//	Invocation   [1, Headers, InvocationId|nil, Target, [Arguments], StreamIds?]
//	StreamItem   [2, Headers, InvocationId, Item]
//	Completion   [3, Headers, InvocationId, ResultKind, Result?] (1 error, 2 void, 3 result)
//	StreamInvoc. [4, Headers, InvocationId, Target, [Arguments], StreamIds?]
//	Cancel       [5, Headers, InvocationId]
//	Ping         [6]
//	Close        [7, Error|nil, AllowReconnect?]
//
// A client's arguments are converted to JSON, so the hub methods get what
// the JSON hub protocol gives them: vmArgs and update values as JSON
// objects. The server's Response_VM invocation has the same single array
// argument [vmId, data] as over JSON, data being the JSON text of the
// frame.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/gorilla/websocket"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/gonetify/gonetify/hub"
)

// The hub protocols a client may ask for in its handshake.
const (
	protocolJSON        = "json"
	protocolMessagePack = "messagepack"
)

// Completion result kinds of the MessagePack hub protocol.
const (
	resultError = 1
	resultVoid  = 2
)

// maxJSONDepth bounds the nesting of a converted argument.
const maxJSONDepth = 64

// timestampLayout is how a MessagePack timestamp becomes a JSON string:
// as JavaScript's Date.prototype.toJSON writes it (in UTC).
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// binaryPing is the MessagePack ping message, framed: [6].
var binaryPing = []byte{0x02, 0x91, typePing}

// appendFrame appends payload to dst, preceded by its varint length.
func appendFrame(dst, payload []byte) []byte {
	n := uint32(len(payload)) //nolint:gosec // a frame is far below 4 GiB (the read limit)
	for n >= 0x80 {
		dst = append(dst, byte(n)|0x80)
		n >>= 7
	}
	dst = append(dst, byte(n))
	return append(dst, payload...)
}

// errFrameLength is a malformed length prefix.
var errFrameLength = errors.New("a message length prefix is malformed (more than 5 bytes, or over 2 GB)")

// nextFrame splits the first length-prefixed message off buf. It returns
// the payload and the bytes it took, prefix included, or n == 0 if buf
// does not hold a complete message yet; size is the payload length once
// the prefix is complete (to refuse an oversized message early).
func nextFrame(buf []byte) (payload []byte, n, size int, err error) {
	var length uint64
	for i, b := range buf[:min(len(buf), 5)] {
		length |= uint64(b&0x7f) << (7 * i)
		if b&0x80 == 0 {
			if length > math.MaxInt32 {
				return nil, 0, 0, errFrameLength
			}
			end := i + 1 + int(length)
			if end > len(buf) {
				return nil, 0, int(length), nil
			}
			return buf[i+1 : end], end, int(length), nil
		}
	}
	if len(buf) < 5 {
		return nil, 0, -1, nil // prefix incomplete
	}
	return nil, 0, 0, errFrameLength
}

// encodeBinary encodes one message with fn and frames it.
func encodeBinary(fn func(e *msgpack.Encoder) error) []byte {
	var payload bytes.Buffer
	e := msgpack.NewEncoder(&payload)
	if err := fn(e); err != nil {
		// Writing to a bytes.Buffer never fails; the values are ours.
		panic("signalr: encoding a MessagePack message: " + err.Error())
	}
	return appendFrame(make([]byte, 0, payload.Len()+5), payload.Bytes())
}

// binaryCompletion is the MessagePack completion for invocationID: void,
// or an error if errMsg is not empty.
func binaryCompletion(invocationID, errMsg string) []byte {
	return encodeBinary(func(e *msgpack.Encoder) error {
		n := 4
		if errMsg != "" {
			n = 5
		}
		if err := e.EncodeArrayLen(n); err != nil {
			return err
		}
		if err := e.EncodeInt(typeCompletion); err != nil {
			return err
		}
		if err := e.EncodeMapLen(0); err != nil {
			return err
		}
		if err := e.EncodeString(invocationID); err != nil {
			return err
		}
		if errMsg == "" {
			return e.EncodeInt(resultVoid)
		}
		if err := e.EncodeInt(resultError); err != nil {
			return err
		}
		return e.EncodeString(errMsg)
	})
}

// binaryClose is the MessagePack close message, with an error if errMsg
// is not empty.
func binaryClose(errMsg string, allowReconnect bool) []byte {
	return encodeBinary(func(e *msgpack.Encoder) error {
		if err := e.EncodeArrayLen(3); err != nil {
			return err
		}
		if err := e.EncodeInt(typeClose); err != nil {
			return err
		}
		var err error
		if errMsg == "" {
			err = e.EncodeNil()
		} else {
			err = e.EncodeString(errMsg)
		}
		if err != nil {
			return err
		}
		return e.EncodeBool(allowReconnect)
	})
}

// binaryResponse is the MessagePack hub protocol's invocation of the
// client's Response_VM with the single argument [vmId, data].
func binaryResponse(r *hub.Response) []byte {
	return encodeBinary(func(e *msgpack.Encoder) error {
		if err := e.EncodeArrayLen(5); err != nil {
			return err
		}
		if err := e.EncodeInt(typeInvocation); err != nil {
			return err
		}
		if err := e.EncodeMapLen(0); err != nil {
			return err
		}
		if err := e.EncodeNil(); err != nil {
			return err
		}
		if err := e.EncodeString("Response_VM"); err != nil {
			return err
		}
		if err := e.EncodeArrayLen(1); err != nil {
			return err
		}
		if err := e.EncodeArrayLen(2); err != nil {
			return err
		}
		if err := e.EncodeString(r.VMID); err != nil {
			return err
		}
		return e.EncodeString(string(r.Data))
	})
}

// parseBinaryMessage decodes one MessagePack message (its payload, without
// the length prefix) into the hubMessage the JSON protocol would give, its
// arguments converted to JSON. An error closes the connection.
func parseBinaryMessage(payload []byte) (m hubMessage, err error) {
	if len(payload) == 0 {
		return m, errors.New("a message is empty")
	}
	r := bytes.NewReader(payload)
	d := msgpack.NewDecoder(r)
	defer func() {
		if err != nil {
			err = fmt.Errorf("a message is not a valid MessagePack hub message: %v", err)
		}
	}()
	c, err := d.PeekCode()
	if err != nil {
		return m, err
	}
	if !isArray(c) {
		return m, errors.New("it is not an array")
	}
	n, err := d.DecodeArrayLen()
	if err != nil {
		return m, err
	}
	if n < 1 {
		return m, errors.New("it is an empty array")
	}
	if c, err = d.PeekCode(); err != nil {
		return m, err
	}
	if !isInteger(c) {
		return m, errors.New("the message type is not an integer")
	}
	t, err := d.DecodeInt64()
	if err != nil {
		return m, err
	}
	if t < typeInvocation || t > typeClose {
		return m, fmt.Errorf("unknown message type %d", t)
	}
	m.Type = int(t)
	minLen := map[int]int{typeInvocation: 5, typeStreamItem: 4, typeCompletion: 4, typeStreamInvocation: 5, typeCancelInvocation: 3, typePing: 1, typeClose: 2}[m.Type]
	if n < minLen {
		return m, fmt.Errorf("a message of type %d has %d element(s), at least %d expected", m.Type, n, minLen)
	}
	read := 1
	switch m.Type {
	case typeInvocation, typeStreamInvocation, typeStreamItem, typeCompletion, typeCancelInvocation:
		if err := skipHeaders(d); err != nil {
			return m, err
		}
		if m.InvocationID, err = decodeInvocationID(d, m.Type); err != nil {
			return m, err
		}
		read = 3
		if m.Type == typeInvocation || m.Type == typeStreamInvocation {
			if m.Target, err = decodeString(d, "the target"); err != nil {
				return m, err
			}
			if m.Target == "" {
				return m, errors.New("an invocation has an empty target")
			}
			if m.Arguments, err = decodeArguments(d); err != nil {
				return m, err
			}
			read = 5
		}
	case typeClose:
		if c, err = d.PeekCode(); err != nil {
			return m, err
		}
		if c != msgpcode.Nil && !msgpcode.IsString(c) {
			return m, errors.New("the close error is neither nil nor a string")
		}
	}
	// Elements a later protocol version may add, and the rest of the
	// messages this hub ignores: skipped, but they must be well-formed.
	for ; read < n; read++ {
		if err := d.Skip(); err != nil {
			return m, err
		}
	}
	if r.Len() > 0 {
		return m, fmt.Errorf("%d byte(s) follow the message array", r.Len())
	}
	return m, nil
}

// skipHeaders reads the headers map (string keys and values; this hub
// does not use them).
func skipHeaders(d *msgpack.Decoder) error {
	c, err := d.PeekCode()
	if err != nil {
		return err
	}
	if !isMap(c) {
		return errors.New("the headers are not a map")
	}
	n, err := d.DecodeMapLen()
	if err != nil {
		return err
	}
	for i := 0; i < 2*n; i++ {
		if _, err := decodeString(d, "a header"); err != nil {
			return err
		}
	}
	return nil
}

// decodeInvocationID reads an invocation id: a string, or nil in an
// invocation that wants no completion.
func decodeInvocationID(d *msgpack.Decoder, typ int) (*string, error) {
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	if c == msgpcode.Nil && typ == typeInvocation {
		return nil, d.DecodeNil()
	}
	id, err := decodeString(d, "the invocation id")
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// decodeString reads a string; what names it in the error.
func decodeString(d *msgpack.Decoder, what string) (string, error) {
	c, err := d.PeekCode()
	if err != nil {
		return "", err
	}
	if !msgpcode.IsString(c) {
		return "", fmt.Errorf("%s is not a string", what)
	}
	return d.DecodeString()
}

// decodeArguments reads the arguments array, each converted to JSON.
func decodeArguments(d *msgpack.Decoder) ([]json.RawMessage, error) {
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	if !isArray(c) {
		return nil, errors.New("the arguments are not an array")
	}
	n, err := d.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	var args []json.RawMessage
	for i := 0; i < n; i++ {
		b, err := appendJSON(nil, d, 0)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %v", i+1, err)
		}
		args = append(args, b)
	}
	return args, nil
}

// appendJSON converts the next MessagePack value to JSON, as JSON.stringify
// would write the value the JavaScript client encoded: maps become objects
// (keys in their order; strings, or integers written as strings), binary
// becomes a base64 string, a timestamp an ISO 8601 string with
// milliseconds in UTC, NaN and infinities null. Other extension types are
// refused.
func appendJSON(dst []byte, d *msgpack.Decoder, depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
	}
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case isMap(c):
		n, err := d.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		dst = append(dst, '{')
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			key, err := mapKey(d)
			if err != nil {
				return nil, err
			}
			dst = appendJSONString(dst, key)
			dst = append(dst, ':')
			if dst, err = appendJSON(dst, d, depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case isArray(c):
		n, err := d.DecodeArrayLen()
		if err != nil {
			return nil, err
		}
		dst = append(dst, '[')
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, d, depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case c == msgpcode.Nil:
		return append(dst, "null"...), d.DecodeNil()
	case c == msgpcode.True || c == msgpcode.False:
		b, err := d.DecodeBool()
		return strconv.AppendBool(dst, b), err
	case msgpcode.IsString(c):
		s, err := d.DecodeString()
		return appendJSONString(dst, s), err
	case msgpcode.IsBin(c):
		b, err := d.DecodeBytes()
		return appendJSONString(dst, base64.StdEncoding.EncodeToString(b)), err
	case c == msgpcode.Uint64:
		u, err := d.DecodeUint64()
		return strconv.AppendUint(dst, u, 10), err
	case isInteger(c):
		i, err := d.DecodeInt64()
		return strconv.AppendInt(dst, i, 10), err
	case c == msgpcode.Float:
		f, err := d.DecodeFloat32()
		if err != nil {
			return nil, err
		}
		return appendJSONFloat(dst, float64(f), 32), nil
	case c == msgpcode.Double:
		f, err := d.DecodeFloat64()
		if err != nil {
			return nil, err
		}
		return appendJSONFloat(dst, f, 64), nil
	case msgpcode.IsExt(c):
		tm, err := d.DecodeTime()
		if err != nil {
			return nil, fmt.Errorf("an extension type other than a timestamp, or a malformed timestamp (%v)", err)
		}
		return appendJSONString(dst, tm.UTC().Format(timestampLayout)), nil
	}
	return nil, fmt.Errorf("unknown MessagePack code 0x%02x", c)
}

// mapKey reads a map key: a string, or an integer (JavaScript makes object
// keys strings).
func mapKey(d *msgpack.Decoder) (string, error) {
	c, err := d.PeekCode()
	if err != nil {
		return "", err
	}
	switch {
	case msgpcode.IsString(c):
		return d.DecodeString()
	case c == msgpcode.Uint64:
		u, err := d.DecodeUint64()
		return strconv.FormatUint(u, 10), err
	case isInteger(c):
		i, err := d.DecodeInt64()
		return strconv.FormatInt(i, 10), err
	}
	return "", errors.New("a map key is neither a string nor an integer")
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}

// appendJSONFloat appends f as a JSON number (shortest form for its
// precision), or null if it is NaN or infinite, as JSON.stringify does.
func appendJSONFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	var b []byte
	var err error
	if bits == 32 {
		b, err = json.Marshal(float32(f))
	} else {
		b, err = json.Marshal(f)
	}
	if err != nil {
		return append(dst, "null"...)
	}
	return append(dst, b...)
}

func isMap(c byte) bool {
	return msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32
}

func isArray(c byte) bool {
	return msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32
}

func isInteger(c byte) bool {
	if msgpcode.IsFixedNum(c) {
		return true
	}
	switch c {
	case msgpcode.Uint8, msgpcode.Uint16, msgpcode.Uint32, msgpcode.Uint64,
		msgpcode.Int8, msgpcode.Int16, msgpcode.Int32, msgpcode.Int64:
		return true
	}
	return false
}

// nextRecord splits the first complete record (JSON, or the handshake) or
// MessagePack message off buf: it returns it and the bytes it took, or
// n == 0 if buf holds none yet. An error is a malformed length prefix or
// a message announced larger than the read limit.
func (c *conn) nextRecord(buf []byte) (rec []byte, n int, err error) {
	if !c.binary.Load() {
		i := bytes.IndexByte(buf, recordSeparator)
		if i < 0 {
			return nil, 0, nil
		}
		return buf[:i], i + 1, nil
	}
	payload, n, size, err := nextFrame(buf)
	if err != nil {
		return nil, 0, err
	}
	if int64(size) > c.s.opts.ReadLimit {
		return nil, 0, fmt.Errorf("a message is larger than the limit of %d bytes", c.s.opts.ReadLimit)
	}
	return payload, n, nil
}

// parse decodes one message of the connection's hub protocol.
func (c *conn) parse(rec []byte) (hubMessage, error) {
	if c.binary.Load() {
		return parseBinaryMessage(rec)
	}
	return parseMessage(rec)
}

// describe is rec for the debug log.
func (c *conn) describe(rec []byte) string {
	if c.binary.Load() {
		if len(rec) > 1000 {
			return fmt.Sprintf("%x…", rec[:1000])
		}
		return fmt.Sprintf("%x", rec)
	}
	return truncate(string(rec), 2000)
}

// transportSupports refuses the MessagePack protocol over Server-Sent
// Events, which carry text only (as ASP.NET Core does).
func (c *conn) transportSupports(protocol string) error {
	c.mu.Lock()
	t := c.transport
	c.mu.Unlock()
	if protocol == protocolMessagePack && t == ServerSentEvents {
		return errors.New("cannot use the 'messagepack' protocol on the ServerSentEvents transport: it does not support the Binary transfer format")
	}
	return nil
}

// completionMessage is the completion for invocationID in the
// connection's hub protocol, with an error if errMsg is not empty.
func (c *conn) completionMessage(invocationID, errMsg string) []byte {
	if c.binary.Load() {
		return binaryCompletion(invocationID, errMsg)
	}
	return completion(invocationID, errMsg)
}

// closeMessage is the close message in the connection's hub protocol.
func (c *conn) closeMessage(errMsg string, allowReconnect bool) []byte {
	if c.binary.Load() {
		return binaryClose(errMsg, allowReconnect)
	}
	return closeRecord(errMsg, allowReconnect)
}

// The encodings of a hub.Response, each made once per broadcast.
type (
	jsonResponseKey   struct{}
	binaryResponseKey struct{}
)

// responseMessage is the Response_VM invocation of r in the connection's
// hub protocol.
func (c *conn) responseMessage(r *hub.Response) []byte {
	if c.binary.Load() {
		return r.Encoded(binaryResponseKey{}, binaryResponse)
	}
	return r.Encoded(jsonResponseKey{}, responseRecord)
}

// pingMessage is the ping in the connection's hub protocol.
func (c *conn) pingMessage() []byte {
	if c.binary.Load() {
		return binaryPing
	}
	return pingRecord
}

// frameType is the WebSocket message type of the connection's records.
func (c *conn) frameType() int {
	if c.binary.Load() {
		return websocket.BinaryMessage
	}
	return websocket.TextMessage
}

// pollContentType marks a long poll's answer as binary on a MessagePack
// connection.
func (c *conn) pollContentType(w http.ResponseWriter) {
	if c.binary.Load() {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
}
