package examples

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// frame is a decoded response_vm frame.
type frame struct {
	VMID string
	Data map[string]json.RawMessage
}

// client is a hub connection that records the frames it is sent.
type client struct {
	t    *testing.T
	id   string
	conn *hub.Conn

	mu     sync.Mutex
	frames []frame
	signal chan struct{}
}

// quiet are options that keep timers out of the way of exact assertions.
var quiet = Options{ServerTimeInterval: time.Hour, LiveChartInterval: time.Hour, Logger: discardLogger()}

func discardLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(new(bytes.Buffer), &slog.HandlerOptions{Level: slog.LevelError}))
}

func newHub(t *testing.T, opts Options) *hub.Hub {
	t.Helper()
	reg := vm.NewRegistry()
	RegisterWith(reg, opts)
	return hub.New(reg, hub.Options{Logger: discardLogger()})
}

func connect(t *testing.T, h *hub.Hub, id, remoteAddr string) *client {
	t.Helper()
	c := &client{t: t, id: id, signal: make(chan struct{}, 1)}
	conn, err := h.Connect(&vm.Conn{ID: id, RemoteAddr: remoteAddr}, hub.SenderFunc(c.record))
	if err != nil {
		t.Fatal(err)
	}
	c.conn = conn
	t.Cleanup(conn.Close)
	return c
}

func (c *client) record(raw []byte) error {
	var m struct {
		CallType string `json:"callType"`
		VMID     string `json:"vmId"`
		Data     string `json:"data"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || m.CallType != "response_vm" {
		c.t.Errorf("%s: bad frame %s (%v)", c.id, raw, err)
		return nil
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal([]byte(m.Data), &data); err != nil {
		c.t.Errorf("%s: data is not a JSON object: %q", c.id, m.Data)
		return nil
	}
	c.mu.Lock()
	c.frames = append(c.frames, frame{m.VMID, data})
	c.mu.Unlock()
	select {
	case c.signal <- struct{}{}:
	default:
	}
	return nil
}

func (c *client) send(msg map[string]any, field string, payload any) {
	c.t.Helper()
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			c.t.Fatal(err)
		}
		msg[field] = string(b) // the official client sends a JSON string
	}
	b, _ := json.Marshal(msg)
	if err := c.conn.Receive(b); err != nil {
		c.t.Fatalf("%s: Receive: %v", c.id, err)
	}
}

// request sends request_vm (vmArg may be nil) and returns the initial state.
func (c *client) request(vmID string, vmArg any) map[string]json.RawMessage {
	c.t.Helper()
	args := map[string]any{}
	if vmArg != nil {
		args["$vmArg"] = vmArg
	}
	c.send(map[string]any{"callType": "request_vm", "vmId": vmID}, "vmArgs", args)
	for _, f := range c.take() {
		if f.VMID == vmID {
			return f.Data
		}
	}
	c.t.Fatalf("%s: no response to request_vm %s", c.id, vmID)
	return nil
}

// dispatch sends update_vm and returns the frames of the cycle.
func (c *client) dispatch(vmID string, value map[string]any) []frame {
	c.t.Helper()
	c.send(map[string]any{"callType": "update_vm", "vmId": vmID}, "value", value)
	return c.take()
}

// dispose sends dispose_vm and returns the frames of the cycle.
func (c *client) dispose(vmID string) []frame {
	c.t.Helper()
	c.send(map[string]any{"callType": "dispose_vm", "vmId": vmID}, "", nil)
	return c.take()
}

// take returns and forgets the frames received so far.
func (c *client) take() []frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.frames
	c.frames = nil
	return f
}

// wait returns the frames received so far once there are at least n of
// them, or fails after timeout.
func (c *client) wait(n int, timeout time.Duration) []frame {
	c.t.Helper()
	deadline := time.After(timeout)
	var got []frame
	for {
		got = append(got, c.take()...)
		if len(got) >= n {
			return got
		}
		select {
		case <-c.signal:
		case <-deadline:
			c.t.Fatalf("%s: got %d frames, want %d", c.id, len(got), n)
		}
	}
}

// only asserts that frames is exactly one frame for vmID and returns its data.
func only(t *testing.T, frames []frame, vmID string) map[string]json.RawMessage {
	t.Helper()
	if len(frames) != 1 || frames[0].VMID != vmID {
		t.Fatalf("want one frame for %s, got %s", vmID, dump(frames))
	}
	return frames[0].Data
}

func dump(frames []frame) string {
	b, _ := json.Marshal(frames)
	return string(b)
}

// get decodes data[key] into a T, failing if the key is missing.
func get[T any](t *testing.T, data map[string]json.RawMessage, key string) T {
	t.Helper()
	var v T
	raw, ok := data[key]
	if !ok {
		t.Fatalf("no key %q in %s", key, mustJSON(data))
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("key %q: %v (%s)", key, err, raw)
	}
	return v
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// keys asserts that data has exactly the given keys.
func keys(t *testing.T, data map[string]json.RawMessage, want ...string) {
	t.Helper()
	if len(data) != len(want) {
		t.Fatalf("keys of %s, want %v", mustJSON(data), want)
	}
	for _, k := range want {
		if _, ok := data[k]; !ok {
			t.Fatalf("keys of %s, want %v", mustJSON(data), want)
		}
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// waitVMs waits until the hub holds n VMs.
func waitVMs(t *testing.T, h *hub.Hub, n int) {
	t.Helper()
	for i := 0; h.Stats().VMs != n; i++ {
		if i > 100 {
			t.Fatalf("hub holds %d VMs, want %d", h.Stats().VMs, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitGoroutines waits until no more than n goroutines run.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	for i := 0; runtime.NumGoroutine() > n; i++ {
		if i > 200 {
			t.Fatalf("%d goroutines still running, want at most %d", runtime.NumGoroutine(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countGoroutines() int { return runtime.NumGoroutine() }

// forVM returns the frames for vmID.
func forVM(frames []frame, vmID string) []frame {
	var out []frame
	for _, f := range frames {
		if f.VMID == vmID {
			out = append(out, f)
		}
	}
	return out
}
