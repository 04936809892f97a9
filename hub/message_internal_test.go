package hub

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gonetify/gonetify/internal/vmrt"
)

// decoderObject is orderedObject as a json.Decoder walks it: the reference
// the fast walk must agree with.
func decoderObject(obj []byte) ([]vmrt.PathValue, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var out []vmrt.PathValue
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
		out = append(out, vmrt.PathValue{Path: k, Value: v})
	}
	return out, nil
}

func TestOrderedObject(t *testing.T) {
	for _, in := range []string{
		`{}`, ` { } `,
		`{"B":1,"A":2}`,
		`{"FirstName":"p1_2","LastName":"x"}`,
		"{\t\"a\" :\n[1, {\"b\": \"}]\\\"\"}] , \"c\":null,\"d\":true,\"e\":-1.5e3 }",
		`{"k\"ey":{"x":{"y":[[],{}]}},"k\u00e9":"\\"}`,
		`{"a":1,"a":2}`,
	} {
		got, err := orderedObject(json.RawMessage(in))
		want, werr := decoderObject([]byte(in))
		if err != nil || werr != nil {
			t.Fatalf("%s: %v / reference %v", in, err, werr)
		}
		if !sameEntries(got, want) {
			t.Errorf("%s:\n got  %v\n want %v", in, got, want)
		}
	}
	for _, bad := range []string{`[1]`, `"s"`, `{"a":}`, `{"a":1`, `{"a":1}x`, `nul`} {
		if _, err := orderedObject(json.RawMessage(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// FuzzOrderedObject: on any input, the fast walk agrees with the
// json.Decoder's entries for every valid object, and refuses the rest.
func FuzzOrderedObject(f *testing.F) {
	for _, s := range []string{`{"B":1,"A":{"x":[1,"]"]}}`, `{"a\\b":"\"}"}`, ` {"z" : null } `, `{`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := orderedObject(json.RawMessage(in))
		trimmed := bytes.TrimSpace(in)
		isObject := json.Valid(in) && len(trimmed) > 0 && trimmed[0] == '{'
		if !isObject {
			if err == nil && len(in) > 0 {
				t.Fatalf("%q: accepted, but it is not a JSON object", in)
			}
			return
		}
		want, werr := decoderObject(in)
		if err != nil || werr != nil {
			t.Fatalf("%q: %v / reference %v", in, err, werr)
		}
		if !sameEntries(got, want) {
			t.Fatalf("%q:\n got  %v\n want %v", in, got, want)
		}
	})
}

func sameEntries(a, b []vmrt.PathValue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}
