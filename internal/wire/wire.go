// Package wire encodes the frames of dotNetify's WebSocket hub (the
// official client's createWebSocketHub): the response_vm message the
// direct WebSocket transport writes, the API Gateway transport pushes to
// @connections, and the cluster relays between servers.
package wire

import (
	"unicode/utf8"

	"github.com/gonetify/gonetify/hub"
)

// frameKey names the response_vm encoding in [hub.Response.Encoded].
type frameKey struct{}

// Frame returns the response_vm frame of r, encoded once however many
// connections share r. The bytes are shared: don't modify them.
func Frame(r *hub.Response) []byte {
	return r.Encoded(frameKey{}, func(r *hub.Response) []byte {
		return AppendFrame(make([]byte, 0, len(r.Data)+len(r.VMID)+64), r.VMID, r.Data)
	})
}

// AppendFrame appends the response_vm frame for vmID carrying data (a
// JSON object), held as a JSON string the way the official client reads
// it: {"callType":"response_vm","vmId":"…","data":"{…}"}.
func AppendFrame(buf []byte, vmID string, data []byte) []byte {
	buf = append(buf, `{"callType":"response_vm","vmId":`...)
	buf = AppendString(buf, vmID)
	buf = append(buf, `,"data":`...)
	buf = AppendString(buf, string(data))
	return append(buf, '}')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, without the HTML escaping of
// encoding/json (the client does not need it, and it costs bytes). Like
// encoding/json, it writes each byte of invalid UTF-8 as \ufffd, so the
// frame is always valid UTF-8 (a browser closes a WebSocket on a text
// frame that is not).
func AppendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size != 1 {
				i += size - 1
				continue
			}
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			start = i + 1
			continue
		}
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
