package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

var dialer = &websocket.Dialer{
	NetDialContext:   (&net.Dialer{Timeout: 15 * time.Second}).DialContext,
	HandshakeTimeout: 30 * time.Second,
	ReadBufferSize:   1024,
	WriteBufferSize:  1024,
	WriteBufferPool:  &sync.Pool{},
}

// client is one load-generator connection.
type client struct {
	sock *websocket.Conn
	buf  []byte
	vmID string
}

// requestFrame is the official client's request_vm message.
func requestFrame(vmID, vmArg string) []byte {
	args := "{}"
	if vmArg != "" {
		args = `{"$vmArg":` + vmArg + `}`
	}
	return []byte(`{"callType":"request_vm","vmId":` + strconv.Quote(vmID) + `,"vmArgs":` + strconv.Quote(args) + `}`)
}

// connect dials url, requests vmID and waits for its first state.
func connect(ctx context.Context, url, vmID, vmArg string) (*client, time.Duration, error) {
	t0 := time.Now()
	sock, resp, err := dialer.DialContext(ctx, url, nil)
	if err != nil {
		if resp != nil {
			return nil, 0, fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		return nil, 0, err
	}
	c := &client{sock: sock, buf: make([]byte, 0, 512), vmID: vmID}
	if err := sock.WriteMessage(websocket.TextMessage, requestFrame(vmID, vmArg)); err != nil {
		sock.Close()
		return nil, 0, err
	}
	_ = sock.SetReadDeadline(time.Now().Add(60 * time.Second))
	f, err := c.read()
	if err != nil {
		sock.Close()
		return nil, 0, fmt.Errorf("waiting for the first state: %w", err)
	}
	_ = sock.SetReadDeadline(time.Time{})
	if !bytes.Contains(f, []byte(`"response_vm"`)) || bytes.Contains(f, []byte(`ExceptionType`)) {
		sock.Close()
		return nil, 0, fmt.Errorf("unexpected first frame: %.200s", f)
	}
	return c, time.Since(t0), nil
}

// read returns the next message; the slice is reused by the next call.
func (c *client) read() ([]byte, error) {
	_, r, err := c.sock.NextReader()
	if err != nil {
		return nil, err
	}
	b := c.buf[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	c.buf = b
	return b, nil
}

func (c *client) write(f []byte) error { return c.sock.WriteMessage(websocket.TextMessage, f) }

func (c *client) close() { _ = c.sock.Close() }

var (
	keyT   = []byte(`\"T\":`)
	keySeq = []byte(`\"Seq\":`)
)

// tick extracts T and Seq from a pushed frame.
func tick(f []byte) (t, seq int64, ok bool) {
	t, ok1 := intAfter(f, keyT)
	seq, ok2 := intAfter(f, keySeq)
	return t, seq, ok1 && ok2
}

func intAfter(f, key []byte) (int64, bool) {
	i := bytes.Index(f, key)
	if i < 0 {
		return 0, false
	}
	var n int64
	j := i + len(key)
	start := j
	for ; j < len(f) && f[j] >= '0' && f[j] <= '9'; j++ {
		n = n*10 + int64(f[j]-'0')
	}
	return n, j > start
}
