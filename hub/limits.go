package hub

import (
	"fmt"

	"golang.org/x/time/rate"

	"github.com/gonetify/gonetify/vm"
)

// Default limits (see [Options]).
const (
	DefaultMaxDepth          = 64
	DefaultMaxVMsPerConn     = 256
	DefaultMessagesPerSecond = 100
	DefaultMessageBurst      = 200
)

// limits are a hub's resolved limits; 0 means unlimited.
type limits struct {
	depth int
	vms   int
	rate  float64
	burst float64
}

func resolveLimits(o Options) limits {
	pick := func(v, def int) int {
		switch {
		case v < 0:
			return 0
		case v == 0:
			return def
		}
		return v
	}
	l := limits{
		depth: pick(o.MaxDepth, DefaultMaxDepth),
		vms:   pick(o.MaxVMsPerConn, DefaultMaxVMsPerConn),
		rate:  float64(pick(o.MessagesPerSecond, DefaultMessagesPerSecond)),
		burst: float64(pick(o.MessageBurst, DefaultMessageBurst)),
	}
	if l.rate > 0 && l.burst < 1 {
		l.burst = 1
	}
	return l
}

// limitError is the exception sent to a client over a limit.
func limitError(format string, args ...any) error {
	return &vm.Exception{Type: "InvalidOperationException", Message: fmt.Sprintf(format, args...)}
}

// checkDepth refuses JSON nested deeper than the limit.
func (h *Hub) checkDepth(c *Client, vmID, field string, raw []byte) error {
	if h.limits.depth == 0 || !tooDeep(raw, h.limits.depth) {
		return nil
	}
	h.log.Warn("client message over the JSON depth limit", "conn", c.info.ID, "vm", vmID, "limit", h.limits.depth)
	return limitError("%s is nested deeper than %d levels (the server's limit, hub.Options.MaxDepth): send flatter data", field, h.limits.depth)
}

// tooDeep reports whether the JSON text b nests objects and arrays deeper
// than max. It does not validate b.
func tooDeep(b []byte, max int) bool {
	depth := 0
	inStr, esc := false, false
	for _, ch := range b {
		if inStr {
			switch {
			case esc:
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				inStr = false
			}
			continue
		}
		switch ch {
		case '"':
			inStr = true
		case '{', '[':
			depth++
			if depth > max {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}

// allow takes a token from the connection's bucket (c.mu held): a burst of
// MessageBurst, refilled at MessagesPerSecond. Over the
// limit it returns an exception the first time, then drops silently until
// a message is allowed again.
func (c *Client) allow(vmID string) (ok bool, err error) {
	l := &c.h.limits
	if l.rate == 0 {
		return true, nil
	}
	if c.limiter == nil {
		c.limiter = rate.NewLimiter(rate.Limit(l.rate), int(l.burst))
	}
	if c.limiter.Allow() {
		c.throttled = false
		return true, nil
	}
	if c.throttled {
		return false, nil
	}
	c.throttled = true
	c.h.log.Warn("client over the message rate limit: dropping its messages", "conn", c.info.ID, "vm", vmID, "per_second", l.rate, "burst", l.burst)
	return false, limitError("too many messages: more than %g per second (burst %g), the server's limit (hub.Options.MessagesPerSecond, MessageBurst); messages are dropped until the rate falls: dispatch less often (debounce input)", l.rate, l.burst)
}
