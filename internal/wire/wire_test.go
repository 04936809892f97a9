package wire_test

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
)

// TestFrameIsWhatTheClientReads: the frame decodes, as the official client
// decodes it, to the vmId and the data string, for awkward characters too.
func TestFrameIsWhatTheClientReads(t *testing.T) {
	for _, c := range []struct{ id, data string }{
		{"HelloWorldVM", `{"FullName":"Hello World"}`},
		{"a\"b\\c\u2028", "{\"S\":\"\\u0000<tag>&\\\"\\n\\t\u00e9\"}"},
		{"Ctl\x01", "{\"K\":\"\x1f\r\"}"},
	} {
		f := wire.Frame(&hub.Response{VMID: c.id, Data: []byte(c.data)})
		var got struct {
			CallType string `json:"callType"`
			VMID     string `json:"vmId"`
			Data     string `json:"data"`
		}
		if err := json.Unmarshal(f, &got); err != nil {
			t.Fatalf("%q: %v", f, err)
		}
		if got.CallType != "response_vm" || got.VMID != c.id || got.Data != c.data {
			t.Errorf("frame %q decodes to %+v; want vmId %q, data %q", f, got, c.id, c.data)
		}
	}
}

// TestFrameEncodedOnce: members of a broadcast share one Response, and its
// frame is encoded once for all of them.
func TestFrameEncodedOnce(t *testing.T) {
	r := &hub.Response{VMID: "ChatRoomVM", Data: []byte(`{"Messages_add":{"Text":"hi"}}`)}
	a, b := wire.Frame(r), wire.Frame(r)
	if &a[0] != &b[0] {
		t.Error("the frame was encoded twice for one response")
	}
	calls := 0
	other := r.Encoded("other", func(*hub.Response) []byte { calls++; return []byte("x") })
	if calls != 1 || string(other) != "x" || &wire.Frame(r)[0] != &a[0] {
		t.Errorf("a second encoding key: %d calls, %q", calls, other)
	}
}

// FuzzAppendString: AppendString says what encoding/json says of any
// string (invalid UTF-8 included), in valid UTF-8.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c\n\t\r\x00\x1f", "\u2028é漢", "\xff\xfe", "ok\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := wire.AppendString(nil, s)
		if !utf8.Valid(got) {
			t.Fatalf("%q: %q is not valid UTF-8", s, got)
		}
		var dec string
		if err := json.Unmarshal(got, &dec); err != nil {
			t.Fatalf("%q: %q: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wdec string
		_ = json.Unmarshal(want, &wdec)
		if dec != wdec {
			t.Fatalf("%q decodes to %q; encoding/json's to %q", s, dec, wdec)
		}
	})
}

// BenchmarkFrame encodes a response_vm frame around a changes object.
func BenchmarkFrame(b *testing.B) {
	data := []byte(`{"T":1732550000000000000,"Seq":42,"Value":{"X":42,"Y":4.2}}`)
	b.ReportAllocs()
	for b.Loop() {
		_ = wire.AppendFrame(nil, "BenchFanoutVM", data)
	}
}
