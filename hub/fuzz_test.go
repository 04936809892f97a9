package hub_test

import (
	"bytes"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

var fuzzSeeds = []string{
	`{"callType":"request_vm","vmId":"PersonVM","vmArgs":"{\"$vmArg\":{\"FirstName\":\"Ann\"},\"$headers\":{\"Authorization\":\"Bearer x\"}}"}`,
	`{"callType":"update_vm","vmId":"PersonVM","value":"{\"Person.FirstName\":\"Bob\",\"Employees.$1.Name\":\"x\",\"Add\":\"Zed\"}"}`,
	`{"callType":"update_vm","vmId":"PersonVM","value":{"$headers":{"a":1}}}`,
	`{"callType":"dispose_vm","vmId":"PersonVM"}`,
	`{"callType":"Request_VM","vmId":"Master.Details$2","vmArgs":{"namespace":"x"}}`,
	`{"callType":"request_vm","vmId":"Room","vmArgs":"{}"}`,
	`{"callType":"update_vm","vmId":"Room","value":"{\"Say\":\"hi\",\"Whisper\":\"f\"}"}`,
	`{"callType":"update_vm","vmId":"PersonVM","value":"{\"Count\":\"[[[[[[[[[[\"}"}`,
	`{"callType":"x","vmId":"$"}`,
	`null`, `[]`, `{"vmId":""}`, "\xff",
}

func FuzzDecodeMessage(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := hub.DecodeMessage(frame)
		if err == nil && (m.VMID == "" || m.CallType == "") {
			t.Fatalf("accepted %q as %+v", frame, m)
		}
	})
}

// FuzzReceive feeds a connection a sequence of frames (one per line) on a
// hub with a pipeline and test VMs: nothing may panic, closing the
// connection must leave no VM and no goroutine behind.
func FuzzReceive(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(fuzzSeeds[0] + "\n" + fuzzSeeds[1] + "\n" + fuzzSeeds[3]))
	f.Add([]byte(fuzzSeeds[5] + "\n" + fuzzSeeds[6] + "\n" + fuzzSeeds[4]))
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[PersonVM](reg, "PersonVM"))
	mustReg(vm.RegisterType[Room](reg, "Room"))
	mustReg(vm.RegisterType[Ticker](reg, "Ticker"))
	mustReg(vm.RegisterType[Master](reg, "Master"))
	mustReg(vm.RegisterType[Details](reg, "Details"))
	pass := func(x *hub.Context, next func() error) error { _ = x.Header("Authorization"); return next() }
	filter := func(x *hub.Context, v vm.VM, next func() error) error { return next() }
	h := hub.New(reg, hub.Options{
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Middlewares: []hub.Middleware{pass},
		Filters:     []hub.Filter{filter},
		MaxDepth:    32,
	})
	f.Fuzz(func(t *testing.T, input []byte) {
		base := runtime.NumGoroutine()
		c, err := h.Connect(&vm.Conn{ID: "fuzz"}, hub.SenderFunc(func(*hub.Response) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(input, []byte("\n")) {
			_ = c.Receive(line)
		}
		c.Close()
		if s := h.Stats(); s.VMs != 0 || s.Connections != 0 || s.Groups != 0 {
			t.Fatalf("after close: %+v", s)
		}
		for i := 0; runtime.NumGoroutine() > base; i++ {
			if i > 200 {
				t.Fatalf("%d goroutines, started with %d", runtime.NumGoroutine(), base)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}
