package examples

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
	"github.com/gonetify/gonetify/vmtest"
)

// frame is a decoded response_vm frame.
type frame struct {
	VMID string
	Data map[string]json.RawMessage
}

// testServer hosts the example VMs for tests: a vmtest.Server.
type testServer struct{ *vmtest.Server }

// Stats returns the hub's live counts.
func (s *testServer) Stats() hub.Stats { return s.Hub().Stats() }

// client is a simulated connection (vmtest's client emulator) whose
// frames the tests read one cycle at a time.
type client struct {
	t    *testing.T
	id   string
	vc   *vmtest.Client
	conn *hub.Client
	seen int // frames already taken
}

// quiet are options that keep timers out of the way of exact assertions.
var quiet = Options{ServerTimeInterval: time.Hour, LiveChartInterval: time.Hour, Logger: discardLogger()}

func discardLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(new(bytes.Buffer), &slog.HandlerOptions{Level: slog.LevelError}))
}

func newHub(t *testing.T, opts Options) *testServer {
	t.Helper()
	reg := vm.NewRegistry()
	RegisterWith(reg, opts)
	return &testServer{vmtest.New(t, reg, hub.Options{Logger: discardLogger()})}
}

func connect(t *testing.T, h *testServer, id, remoteAddr string) *client {
	t.Helper()
	vc := h.Client(vmtest.ClientOptions{ID: id, RemoteAddr: remoteAddr})
	return &client{t: t, id: id, vc: vc, conn: vc.Conn()}
}

// send hands a raw message to the connection, the way the official client
// encodes it (vmArgs and value as JSON strings).
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

// take returns the frames received since the last take.
func (c *client) take() []frame {
	all := c.vc.Frames()
	return c.decode(all)
}

func (c *client) decode(all []vmtest.Frame) []frame {
	var out []frame
	for _, f := range all[c.seen:] {
		var data map[string]json.RawMessage
		if err := json.Unmarshal(f.Data, &data); err != nil {
			c.t.Errorf("%s: data is not a JSON object: %s", c.id, f.Data)
			continue
		}
		out = append(out, frame{f.VMID, data})
	}
	c.seen = len(all)
	return out
}

// wait returns the frames received since the last take once there are at
// least n of them, or fails after timeout.
func (c *client) wait(n int, timeout time.Duration) []frame {
	c.t.Helper()
	return c.decode(c.vc.WaitFrames(c.seen+n, timeout))
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
func waitVMs(t *testing.T, h *testServer, n int) {
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
