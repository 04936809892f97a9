package signalr

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
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

// FuzzResponseRecord checks that the byte-level fast paths re-encoding a
// hub frame (JSON and MessagePack) say what a JSON decoder reads in the
// frame, for the hub's own frames and for any other bytes.
func FuzzResponseRecord(f *testing.F) {
	f.Add("HelloWorld", `{"Greetings":"hi"}`, []byte(nil))
	f.Add("a\"b\\c\u2028", "\x00\ud7ff\"", []byte(nil))
	f.Add("", "", []byte(`{"callType":"Response_VM","vmId":"X","data":"{}"}`))
	f.Add("", "", []byte(`{"callType":"response_vm","vmId":"X","data":"{}"`))
	f.Fuzz(func(t *testing.T, vmID, data string, raw []byte) {
		frame := raw
		if frame == nil {
			id, _ := json.Marshal(vmID)
			d, _ := json.Marshal(data)
			frame = append(append(append(append(append([]byte(nil), responsePrefix...), id...), dataSeparator...), d...), '}')
		}
		var want struct {
			CallType string `json:"callType"`
			VMID     string `json:"vmId"`
			Data     string `json:"data"`
		}
		decodable := json.Unmarshal(frame, &want) == nil
		rec, err := responseRecord(frame)
		if err != nil {
			if raw == nil {
				t.Fatalf("the hub's own frame %q: %v", frame, err)
			}
			return
		}
		if !decodable {
			t.Fatalf("re-encoded %q, which is not JSON", frame)
		}
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
			got.Arguments[0][0] != want.VMID || got.Arguments[0][1] != want.Data {
			t.Fatalf("frame %q became %q; want vmId %q, data %q", frame, rec, want.VMID, want.Data)
		}
		id, d, err := responseParts(frame)
		if err != nil || id != want.VMID || d != want.Data {
			t.Fatalf("responseParts(%q) = %q, %q, %v; want %q, %q", frame, id, d, err, want.VMID, want.Data)
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
