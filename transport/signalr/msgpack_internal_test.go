package signalr

import (
	"bytes"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gonetify/gonetify/hub"
)

// mp encodes values with the library, in order (maps as ordered pairs via
// kv).
func mp(t *testing.T, vals ...any) []byte {
	t.Helper()
	var b bytes.Buffer
	e := msgpack.NewEncoder(&b)
	for _, v := range vals {
		if err := encodeOrdered(e, v); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// kv is a map whose keys keep their order.
type kv []any

// arr is an array of ordered values.
type arr []any

func encodeOrdered(e *msgpack.Encoder, v any) error {
	switch v := v.(type) {
	case kv:
		if err := e.EncodeMapLen(len(v) / 2); err != nil {
			return err
		}
		for _, x := range v {
			if err := encodeOrdered(e, x); err != nil {
				return err
			}
		}
		return nil
	case arr:
		if err := e.EncodeArrayLen(len(v)); err != nil {
			return err
		}
		for _, x := range v {
			if err := encodeOrdered(e, x); err != nil {
				return err
			}
		}
		return nil
	case float32:
		return e.EncodeFloat32(v)
	}
	return e.Encode(v)
}

func TestFrameRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 300, 16383, 16384, 1 << 21} {
		payload := bytes.Repeat([]byte{0xab}, n)
		framed := appendFrame(nil, payload)
		wantPrefix := 1
		for m := n; m >= 0x80; m >>= 7 {
			wantPrefix++
		}
		if len(framed) != n+wantPrefix {
			t.Fatalf("%d: framed length %d, want %d", n, len(framed), n+wantPrefix)
		}
		// Two messages back to back, then the first split anywhere.
		two := append(append([]byte{}, framed...), framed...)
		got, used, size, err := nextFrame(two)
		if err != nil || used != len(framed) || size != n || !bytes.Equal(got, payload) {
			t.Fatalf("%d: got %d bytes, used %d, size %d, err %v", n, len(got), used, size, err)
		}
		for _, cut := range []int{0, 1, wantPrefix, len(framed) - 1} {
			if cut >= len(framed) {
				continue
			}
			if _, used, _, err := nextFrame(framed[:cut]); err != nil || used != 0 {
				t.Fatalf("%d cut at %d: used %d, err %v (want incomplete)", n, cut, used, err)
			}
		}
	}
	// Known encodings from the spec: 0x2A → 42, 0x80 0x01 → 128.
	if _, _, size, _ := nextFrame([]byte{0x80, 0x01}); size != 128 {
		t.Fatalf("0x80 0x01: size %d", size)
	}
	if got := appendFrame(nil, make([]byte, 128))[:2]; !bytes.Equal(got, []byte{0x80, 0x01}) {
		t.Fatalf("prefix of 128: %x", got)
	}
	// The size is known as soon as the prefix is complete.
	if _, used, size, err := nextFrame([]byte{0xff, 0xff, 0x03}); used != 0 || size != 65535 || err != nil {
		t.Fatalf("prefix only: used %d size %d err %v", used, size, err)
	}
	for name, b := range map[string][]byte{
		"six bytes":  {0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
		"over 2 GiB": {0xff, 0xff, 0xff, 0xff, 0x0f},
	} {
		if _, _, _, err := nextFrame(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	ts := time.Date(2024, 2, 29, 12, 34, 56, 789_000_000, time.FixedZone("X", 3600))
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"ordered map", mp(t, kv{"b", 1, "a", kv{"x", arr{true, false, nil}}, "Person.FirstName", "Bob"}), `{"b":1,"a":{"x":[true,false,null]},"Person.FirstName":"Bob"}`},
		{"empty", mp(t, kv{}), `{}`},
		{"empty array", mp(t, arr{}), `[]`},
		{"ints", mp(t, arr{-1, -129, 200, 70000, int64(-1) << 40, uint64(math.MaxUint64)}), `[-1,-129,200,70000,-1099511627776,18446744073709551615]`},
		{"floats", mp(t, arr{float32(0.5), float32(0.1), 1.1, 1e21, math.NaN(), math.Inf(1)}), `[0.5,0.1,1.1,1e+21,null,null]`},
		{"strings", mp(t, arr{"", "quote\" back\\ nl\n", "héllo ☃ <&>"}), `["","quote\" back\\ nl\n","héllo ☃ \u003c\u0026\u003e"]`},
		{"binary", mp(t, []byte{0, 1, 2, 0xff}), `"AAEC/w=="`},
		{"timestamp", mp(t, ts), `"2024-02-29T11:34:56.789Z"`},
		{"integer keys", mp(t, kv{1, "a", -2, "b"}), `{"1":"a","-2":"b"}`},
	} {
		d := msgpack.NewDecoder(bytes.NewReader(c.in))
		got, err := appendJSON(nil, d, 0)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %s (%v), want %s", c.name, got, err, c.want)
		}
	}
	deep := bytes.Repeat([]byte{0x91}, maxJSONDepth+2) // [[[[…
	deep = append(deep, 0x01)
	var ext bytes.Buffer
	ext.Write([]byte{0xd4, 0x05, 0x00}) // fixext1, type 5
	for name, in := range map[string][]byte{
		"too deep":        deep,
		"unknown ext":     ext.Bytes(),
		"bool key":        mp(t, kv{true, 1}),
		"array key":       mp(t, kv{arr{}, 1}),
		"truncated map":   {0x82, 0xa1, 'a', 0x01},
		"truncated str":   {0xa5, 'a'},
		"never used code": {0xc1},
	} {
		d := msgpack.NewDecoder(bytes.NewReader(in))
		if got, err := appendJSON(nil, d, 0); err == nil {
			t.Errorf("%s: got %s, want an error", name, got)
		}
	}
}

func TestParseBinaryMessage(t *testing.T) {
	m, err := parseBinaryMessage(mp(t, arr{1, kv{"h", "v"}, "7", "Request_VM", arr{"Counter", kv{"$vmArg", kv{"Count", 5}}}}))
	if err != nil || m.Type != 1 || m.InvocationID == nil || *m.InvocationID != "7" || m.Target != "Request_VM" || len(m.Arguments) != 2 ||
		string(m.Arguments[0]) != `"Counter"` || string(m.Arguments[1]) != `{"$vmArg":{"Count":5}}` {
		t.Fatalf("invocation: %+v %v", m, err)
	}
	// No invocation id; stream ids; elements a later version may add.
	m, err = parseBinaryMessage(mp(t, arr{1, kv{}, nil, "Dispose_VM", arr{"Counter"}, arr{}, "future"}))
	if err != nil || m.InvocationID != nil || m.Target != "Dispose_VM" || len(m.Arguments) != 1 {
		t.Fatalf("invocation without id: %+v %v", m, err)
	}
	for _, c := range []struct {
		in   []byte
		want int
	}{
		{mp(t, arr{6}), typePing},
		{mp(t, arr{7, nil}), typeClose},
		{mp(t, arr{7, "bye", true}), typeClose},
		{mp(t, arr{3, kv{}, "1", 2}), typeCompletion},
		{mp(t, arr{3, kv{}, "1", 3, kv{"any", arr{1}}}), typeCompletion},
		{mp(t, arr{2, kv{}, "1", "item"}), typeStreamItem},
		{mp(t, arr{4, kv{}, "1", "Stream", arr{}}), typeStreamInvocation},
		{mp(t, arr{5, kv{}, "1"}), typeCancelInvocation},
	} {
		if m, err := parseBinaryMessage(c.in); err != nil || m.Type != c.want {
			t.Errorf("%x: %+v %v, want type %d", c.in, m, err, c.want)
		}
	}
	huge := []byte{0x95, 0x01, 0x80, 0xc0, 0xdb, 0x7f, 0xff, 0xff, 0xff} // target: str32 of 2 GiB, absent
	for name, in := range map[string][]byte{
		"empty":               {},
		"not an array":        mp(t, kv{"type", 1}),
		"empty array":         mp(t, arr{}),
		"type not an integer": mp(t, arr{"1"}),
		"unknown type":        mp(t, arr{99}),
		"type zero":           mp(t, arr{0}),
		"short invocation":    mp(t, arr{1, kv{}, "1", "Request_VM"}),
		"short close":         mp(t, arr{7}),
		"headers not a map":   mp(t, arr{1, arr{}, "1", "Request_VM", arr{}}),
		"header value":        mp(t, arr{1, kv{"h", 1}, "1", "Request_VM", arr{}}),
		"invocation id":       mp(t, arr{1, kv{}, 1, "Request_VM", arr{}}),
		"nil stream id":       mp(t, arr{4, kv{}, nil, "Stream", arr{}}),
		"target":              mp(t, arr{1, kv{}, "1", 5, arr{}}),
		"empty target":        mp(t, arr{1, kv{}, "1", "", arr{}}),
		"arguments":           mp(t, arr{1, kv{}, "1", "Request_VM", kv{}}),
		"bad argument":        append(mp(t, arr{1, kv{}, "1", "Request_VM"}), 0x91, 0xc1),
		"close error":         mp(t, arr{7, 5}),
		"trailing bytes":      append(mp(t, arr{6}), 0x00),
		"truncated":           mp(t, arr{1, kv{}, "1", "Request_VM", arr{"Counter"}})[:10],
		"huge string":         huge,
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := parseBinaryMessage(in)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: parsed %+v, want an error", name, m)
		} else if !strings.HasPrefix(err.Error(), "a message ") {
			t.Errorf("%s: error %q", name, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Errorf("%s: %d bytes allocated", name, grew)
		}
	}
}

func TestBinaryEncodings(t *testing.T) {
	decode := func(framed []byte) []any {
		t.Helper()
		payload, n, _, err := nextFrame(framed)
		if err != nil || n != len(framed) {
			t.Fatalf("framing of %x: %d %v", framed, n, err)
		}
		var v []any
		if err := msgpack.Unmarshal(payload, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		got  []byte
		want []any
	}{
		{binaryPing, []any{int8(6)}},
		{binaryCompletion("3", ""), []any{int8(3), map[string]any{}, "3", int8(2)}},
		{binaryCompletion("4", "no"), []any{int8(3), map[string]any{}, "4", int8(1), "no"}},
		{binaryClose("", false), []any{int8(7), nil, false}},
		{binaryClose("Server is shutting down.", true), []any{int8(7), "Server is shutting down.", true}},
	} {
		if v := decode(c.got); !reflect.DeepEqual(v, c.want) {
			t.Errorf("%x: %#v, want %#v", c.got, v, c.want)
		}
	}
	// Response_VM from a hub response.
	b := binaryResponse(&hub.Response{VMID: "Counter", Data: []byte(`{"Count":1,"S":"a\"b"}`)})
	want := []any{int8(1), map[string]any{}, nil, "Response_VM", []any{[]any{"Counter", `{"Count":1,"S":"a\"b"}`}}}
	if v := decode(b); !reflect.DeepEqual(v, want) {
		t.Errorf("Response_VM: %#v", v)
	}
}
