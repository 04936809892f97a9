package ws

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A close reason cut to its limit stays valid UTF-8 (browsers fail the
// connection with 1002/1006 otherwise).
func TestTruncateKeepsUTF8(t *testing.T) {
	s := strings.Repeat("a", 119) + "é and more" // 'é' is 2 bytes at 119..120
	got := truncate(s, 120)
	if !utf8.ValidString(got) || len(got) > 120 {
		t.Fatalf("truncate gave %q (%d bytes, valid %v)", got, len(got), utf8.ValidString(got))
	}
	if got != strings.Repeat("a", 119) {
		t.Fatalf("truncate gave %q", got)
	}
	for n := 0; n <= len("日本語テキスト"); n++ {
		if r := truncate("日本語テキスト", n); !utf8.ValidString(r) || len(r) > n {
			t.Fatalf("n=%d: %q", n, r)
		}
	}
}
