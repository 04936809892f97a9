package signalr

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gonetify/gonetify/hub"
)

// FuzzParseJSON feeds arbitrary records to the JSON hub protocol's parsers
// (the handshake and hub messages): they must not panic, and a message
// they accept is one the hub can act on.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"protocol":"json","version":1}`,
		`{"protocol":"messagepack","version":1}`,
		`{"type":1,"target":"Request_VM","arguments":["HelloWorld",{}]}`,
		`{"type":1,"invocationId":"1","target":"Update_VM","arguments":["HelloWorld",{"FirstName":"x"}]}`,
		`{"type":6}`,
		`{"type":7,"error":"bye"}`,
		` {"type":5,"invocationId":"2"} `,
		`{"type":1}`, `[]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		if p, err := parseHandshake(rec); err == nil && p != protocolJSON && p != protocolMessagePack {
			t.Fatalf("handshake accepted protocol %q", p)
		}
		m, err := parseMessage(rec)
		if err != nil {
			return
		}
		if m.Type < typeInvocation || m.Type > typeClose {
			t.Fatalf("accepted type %d", m.Type)
		}
		if m.Type == typeInvocation && m.Target == "" {
			t.Fatal("accepted an invocation without a target")
		}
		for _, a := range m.Arguments {
			if !json.Valid(a) {
				t.Fatalf("argument %q is not JSON", a)
			}
		}
	})
}

// FuzzResponseRecord checks that a Response_VM invocation, in the JSON and
// the MessagePack hub protocols, carries exactly the response's vmId and
// data, whatever characters they hold.
func FuzzResponseRecord(f *testing.F) {
	f.Add("HelloWorld", `{"Greetings":"hi"}`)
	f.Add("a\"b\\c\u2028", "\x00\ud7ff\"<&>\n")
	f.Fuzz(func(t *testing.T, vmID, data string) {
		r := &hub.Response{VMID: vmID, Data: []byte(data)}
		// The client reads what encoding/json would have sent: each byte of
		// invalid UTF-8 becomes U+FFFD.
		wantID, wantData := jsonRoundTrip(vmID), jsonRoundTrip(data)
		rec := responseRecord(r)
		if rec[len(rec)-1] != recordSeparator {
			t.Fatalf("record %q does not end with the separator", rec)
		}
		var got struct {
			Type      int        `json:"type"`
			Target    string     `json:"target"`
			Arguments [][]string `json:"arguments"`
		}
		if err := json.Unmarshal(rec[:len(rec)-1], &got); err != nil {
			t.Fatalf("record %q: %v", rec, err)
		}
		if got.Type != typeInvocation || got.Target != "Response_VM" || len(got.Arguments) != 1 || len(got.Arguments[0]) != 2 ||
			got.Arguments[0][0] != wantID || got.Arguments[0][1] != wantData {
			t.Fatalf("%q, %q became %q", vmID, data, rec)
		}
		payload, n, _, err := nextFrame(binaryResponse(r))
		if err != nil {
			t.Fatal(err)
		}
		var v []any
		if err := msgpack.Unmarshal(payload, &v); err != nil || n == 0 || len(v) != 5 {
			t.Fatalf("MessagePack invocation %x: %v %v", payload, v, err)
		}
		args, _ := v[4].([]any)
		pair, _ := args[0].([]any)
		if v[3] != "Response_VM" || len(args) != 1 || len(pair) != 2 || pair[0] != vmID || pair[1] != data {
			t.Fatalf("MessagePack invocation %#v; want [%q, %q]", v, vmID, data)
		}
	})
}

// FuzzParseBinary feeds arbitrary bytes to the MessagePack hub protocol:
// the length-prefix framing and the message decoder must not panic, a
// frame is found only inside the buffer, and an accepted message's
// arguments are valid JSON.
func FuzzParseBinary(f *testing.F) {
	enc := func(vals ...any) []byte {
		var b bytes.Buffer
		e := msgpack.NewEncoder(&b)
		for _, v := range vals {
			_ = e.Encode(v)
		}
		return appendFrame(nil, b.Bytes())
	}
	f.Add(binaryPing)
	f.Add(enc([]any{1, map[string]string{}, nil, "Request_VM", []any{"HelloWorld", map[string]any{"a": []any{1, 2.5, true, nil}}}}))
	f.Add(enc([]any{1, map[string]string{"k": "v"}, "7", "Update_VM", []any{"HelloWorld", map[string]any{"FirstName": "x"}}}))
	f.Add(enc([]any{5, map[string]string{}, "7"}))
	f.Add(enc([]any{7, "bye", true}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, buf []byte) {
		for len(buf) > 0 {
			payload, n, _, err := nextFrame(buf)
			if err != nil || n == 0 {
				return
			}
			if n > len(buf) || len(payload) > n {
				t.Fatalf("frame of %d bytes (payload %d) in a buffer of %d", n, len(payload), len(buf))
			}
			if m, err := parseBinaryMessage(payload); err == nil {
				if m.Type < typeInvocation || m.Type > typeClose {
					t.Fatalf("accepted type %d", m.Type)
				}
				for _, a := range m.Arguments {
					if !json.Valid(a) {
						t.Fatalf("argument %q is not JSON", a)
					}
				}
			}
			if again, k, _, err := nextFrame(appendFrame(nil, payload)); err != nil || k == 0 || !bytes.Equal(again, payload) {
				t.Fatalf("appendFrame/nextFrame round trip of %d bytes: %v", len(payload), err)
			}
			buf = buf[n:]
		}
	})
}

// jsonRoundTrip is s as encoding/json encodes and decodes it.
func jsonRoundTrip(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}
