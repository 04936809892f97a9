// Package benchvm holds the view models that `gonetify bench` drives, and
// the frames a server sends for them, so that the raw WebSocket baseline can
// send exactly the same bytes without running them.
//
// Every pushed state carries T, the server's wall clock in Unix nanoseconds
// when the change was made, and Seq, a counter, so the load generator can
// measure latency from the change to the client's receipt and count gaps.
package benchvm

import (
	"context"
	"strconv"
	"time"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

// VM names as registered by [Register].
const (
	Unicast   = "BenchVM"
	Push      = "BenchPushVM"
	Multicast = "BenchFanoutVM"
)

// Point is one sample of a chart, like LiveChart's.
type Point struct {
	X int64
	Y float64
}

// BenchVM is a per-connection VM for the connect and roundtrip scenarios: a
// little state, and a Ping command whose reaction is {"Pong": n}.
type BenchVM struct {
	vm.Base
	Title string
	Count int64
	Pong  int64
	Tags  []string
	_     vm.Commands `vm:"Ping"`
}

// OnCreated gives the VM a small, realistic initial state.
func (v *BenchVM) OnCreated(context.Context) error {
	v.Title = "gonetify bench"
	v.Tags = []string{"alpha", "beta", "gamma"}
	return nil
}

// Ping is the roundtrip command: the client dispatches {"Ping": n} and
// receives {"Count": c, "Pong": n}.
func (v *BenchVM) Ping(n int64) {
	v.Pong = n
	v.Count++
	v.Changed("Count", "Pong")
}

// PushVM pushes its state every IntervalMs milliseconds (a $vmArg), like
// dotNetify's LiveChart: a timestamp, a counter and a new chart point.
type PushVM struct {
	vm.Base
	IntervalMs int
	T          int64
	Seq        int64
	Value      Point
}

// OnCreated starts the timer.
func (v *PushVM) OnCreated(context.Context) error {
	if v.IntervalMs <= 0 {
		v.IntervalMs = 1000
	}
	v.Every(time.Duration(v.IntervalMs)*time.Millisecond, v.tick)
	return nil
}

func (v *PushVM) tick() {
	v.Seq++
	v.T = time.Now().UnixNano()
	v.Value = Point{X: v.Seq, Y: float64(v.Seq%100) / 10}
	v.Changed("T", "Seq", "Value")
}

// FanoutVM is one multicast instance shared by every client requesting it,
// updated RateHz times a second (a $vmArg of the first request).
type FanoutVM struct {
	vm.Multicast
	RateHz float64
	T      int64
	Seq    int64
	Value  Point
}

// OnCreated starts the timer (once: the instance is shared).
func (v *FanoutVM) OnCreated(context.Context) error {
	if v.RateHz <= 0 {
		v.RateHz = 10
	}
	v.Every(time.Duration(float64(time.Second)/v.RateHz), v.tick)
	return nil
}

func (v *FanoutVM) tick() {
	v.Seq++
	v.T = time.Now().UnixNano()
	v.Value = Point{X: v.Seq, Y: float64(v.Seq%100) / 10}
	v.Changed("T", "Seq", "Value")
}

// Register adds the bench VMs to reg.
func Register(reg *vm.Registry) {
	mustReg := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	mustReg(vm.RegisterType[BenchVM](reg, Unicast))
	mustReg(vm.RegisterType[PushVM](reg, Push))
	mustReg(vm.RegisterType[FanoutVM](reg, Multicast))
}

// InitialState returns the JSON state a fresh VM of the named type sends
// first, computed by the vm runtime itself (no timers are started).
func InitialState(name string) ([]byte, error) {
	var v vm.VM
	switch name {
	case Unicast:
		b := &BenchVM{}
		_ = b.OnCreated(context.Background())
		v = b
	case Push:
		v = &PushVM{IntervalMs: 1000}
	default:
		v = &FanoutVM{RateHz: 10}
	}
	inst, err := vmrt.Wrap(context.Background(), name, v)
	if err != nil {
		return nil, err
	}
	defer inst.Dispose()
	return inst.InitialState()
}

// AppendTick appends the changes object a PushVM or FanoutVM sends on a
// tick: {"T":t,"Seq":seq,"Value":{"X":seq,"Y":y}}, byte for byte what the
// vm runtime encodes.
func AppendTick(buf []byte, t, seq int64) []byte {
	buf = append(buf, `{"T":`...)
	buf = strconv.AppendInt(buf, t, 10)
	buf = append(buf, `,"Seq":`...)
	buf = strconv.AppendInt(buf, seq, 10)
	buf = append(buf, `,"Value":{"X":`...)
	buf = strconv.AppendInt(buf, seq, 10)
	buf = append(buf, `,"Y":`...)
	buf = strconv.AppendFloat(buf, float64(seq%100)/10, 'f', -1, 64)
	return append(buf, "}}"...)
}

// AppendPong appends the reaction of BenchVM to {"Ping": n}.
func AppendPong(buf []byte, count, n int64) []byte {
	buf = append(buf, `{"Count":`...)
	buf = strconv.AppendInt(buf, count, 10)
	buf = append(buf, `,"Pong":`...)
	buf = strconv.AppendInt(buf, n, 10)
	return append(buf, '}')
}
