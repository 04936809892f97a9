package hub_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

type benchPingVM struct {
	vm.Base
	Title string
	Count int64
	Pong  int64
	_     vm.Commands `vm:"Ping"`
}

func (v *benchPingVM) Ping(n int64) { v.Pong = n; v.Count++; v.Changed("Count", "Pong") }

// benchNameVM is dotNetify's HelloWorld shape: two names and a derived
// FullName (no Changed call), with Computed computed properties besides.
type benchNameVM struct {
	vm.Base
	FirstName, LastName string
	_                   vm.Computed `vm:"FullName,Initials,Length"`
}

func (v *benchNameVM) FullName() string { return v.FirstName + " " + v.LastName }
func (v *benchNameVM) Initials() string { return v.FirstName[:1] + v.LastName[:1] }
func (v *benchNameVM) Length() int      { return len(v.FirstName) + len(v.LastName) + 1 }

type benchTickVM struct {
	vm.Multicast
	T   int64
	Seq int64
}

func benchHub(b *testing.B) (*hub.Hub, *atomic.Pointer[benchTickVM]) {
	b.Helper()
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[benchPingVM](reg, "PingVM"))
	mustReg(vm.RegisterType[benchNameVM](reg, "NameVM"))
	var tick atomic.Pointer[benchTickVM]
	vm.MustRegister(reg, "TickVM", func(context.Context, vm.ID) (*benchTickVM, error) {
		v := &benchTickVM{}
		tick.Store(v)
		return v, nil
	})
	return hub.New(reg, hub.Options{MessagesPerSecond: -1}), &tick
}

// BenchmarkRoundtrip is one update_vm frame in, one reaction frame out
// (decode, command dispatch, change serialization, frame encoding).
func BenchmarkRoundtrip(b *testing.B) {
	benchRoundtrip(b, `{"callType":"request_vm","vmId":"PingVM","vmArgs":"{}"}`,
		`{"callType":"update_vm","vmId":"PingVM","value":"{\"Ping\":12345}"}`)
}

// BenchmarkRoundtripDerived is BenchmarkRoundtrip on a VM with three
// computed properties that are re-evaluated every cycle (derived state):
// a dispatched FirstName, and FullName, Initials and Length follow it
// without a Changed call. Compare with BenchmarkRoundtrip for the cost.
func BenchmarkRoundtripDerived(b *testing.B) {
	benchRoundtrip(b, `{"callType":"request_vm","vmId":"NameVM","vmArgs":"{\"$vmArg\":{\"FirstName\":\"Hello\",\"LastName\":\"World\"}}"}`,
		`{"callType":"update_vm","vmId":"NameVM","value":"{\"FirstName\":\"Ann\"}"}`,
		`{"callType":"update_vm","vmId":"NameVM","value":"{\"FirstName\":\"Bob\"}"}`)
}

// benchRoundtrip sends request, then the updates in turn, each waiting for
// its reaction.
func benchRoundtrip(b *testing.B, request string, updates ...string) {
	h, _ := benchHub(b)
	var out atomic.Int64
	c, err := h.Connect(&vm.Conn{ID: "c1"}, hub.SenderFunc(func(*hub.Response) error { out.Add(1); return nil }))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Receive([]byte(request)); err != nil {
		b.Fatal(err)
	}
	frames := make([][]byte, len(updates))
	for i, u := range updates {
		frames[i] = []byte(u)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := c.Receive(frames[i%len(frames)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if out.Load() < int64(b.N) {
		b.Fatalf("%d reactions for %d updates", out.Load(), b.N)
	}
}

// BenchmarkRequest creates a VM and sends its full state (request_vm),
// then disposes it.
func BenchmarkRequest(b *testing.B) {
	h, _ := benchHub(b)
	c, err := h.Connect(&vm.Conn{ID: "c1"}, hub.SenderFunc(func(*hub.Response) error { return nil }))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := []byte(`{"callType":"request_vm","vmId":"PingVM","vmArgs":"{\"$vmArg\":{\"Title\":\"x\"}}"}`)
	disp := []byte(`{"callType":"dispose_vm","vmId":"PingVM"}`)
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Receive(req)
		_ = c.Receive(disp)
	}
}

// BenchmarkMulticastPush is one change of a multicast VM pushed to N
// members: the changes are encoded once, the frame once per vmId.
func BenchmarkMulticastPush(b *testing.B) {
	for _, n := range []int{1, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			h, tick := benchHub(b)
			var frames atomic.Int64
			send := hub.SenderFunc(func(*hub.Response) error { frames.Add(1); return nil })
			conns := make([]*hub.Client, n)
			for i := range conns {
				c, err := h.Connect(&vm.Conn{ID: fmt.Sprint("c", i)}, send)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Receive([]byte(`{"callType":"request_vm","vmId":"TickVM","vmArgs":"{}"}`)); err != nil {
					b.Fatal(err)
				}
				conns[i] = c
			}
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			v := tick.Load()
			frames.Store(0)
			b.ReportAllocs()
			for b.Loop() {
				v.Update(func() { v.Seq++; v.T = v.Seq * 1000; v.Changed("T", "Seq") })
			}
			b.ReportMetric(float64(frames.Load())/float64(b.N), "frames/op")
		})
	}
}
