package examples

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/gonetify/gonetify/vm"
)

// Bounds of TunableLiveChartVM.Interval, in milliseconds.
const (
	MinLiveChartInterval = 10
	MaxLiveChartInterval = 60_000
)

// LiveChartVM is dotNetify's LiveChart example (DevApp.ViewModels/
// Examples/LiveChart.cs): chart data pushed on a timer. Each tick appends
// a point to Waveform (sent as Waveform_add) and replaces Bar (12 values)
// and Pie (3 values). Unlike the original, the series is also kept on the
// server (its last MaxWaveform points), so a client re-requesting it, or a
// VM restored after a restart, continues where it was. The tick is
// [Options.LiveChartInterval]; [TunableLiveChartVM] lets a client pick it.
type LiveChartVM struct {
	vm.Base
	// Waveform holds 30 [x, sin(x/π)] points, both as strings.
	Waveform [][]string
	// Bar holds 8 random values in [500, 1000); 12 after the first tick.
	Bar []int
	// Pie holds 3 random values in [0, 1).
	Pie []float64

	interval time.Duration
}

// MaxWaveform is how many Waveform points LiveChartVM keeps.
const MaxWaveform = 100

// NewLiveChartVM returns a LiveChartVM ticking every interval (one second
// when interval is not positive).
func NewLiveChartVM(interval time.Duration) *LiveChartVM {
	if interval <= 0 {
		interval = time.Second
	}
	v := &LiveChartVM{interval: interval}
	v.Waveform, v.Bar, v.Pie = initialChart()
	return v
}

// OnCreated starts the timer; it stops when the VM is disposed.
func (v *LiveChartVM) OnCreated(context.Context) error {
	v.Every(v.interval, func() { tickChart(&v.Base, &v.Waveform, &v.Bar, &v.Pie) })
	return nil
}

// TunableLiveChartVM is a demo VM, not a port: LiveChartVM's state and
// behaviour plus Interval, the tick in milliseconds, which a client sets
// with $vmArg {"Interval": 50} (tests use it to tick fast). Values are
// clamped to [MinLiveChartInterval, MaxLiveChartInterval]; 0 means the
// default. Dispatching it after creation has no effect.
type TunableLiveChartVM struct {
	vm.Base
	// Waveform is as in LiveChartVM.
	Waveform [][]string
	// Bar is as in LiveChartVM.
	Bar []int
	// Pie is as in LiveChartVM.
	Pie []float64
	// Interval is the tick in milliseconds.
	Interval int

	started bool
}

// NewTunableLiveChartVM returns a TunableLiveChartVM ticking every
// interval unless $vmArg sets Interval.
func NewTunableLiveChartVM(interval time.Duration) *TunableLiveChartVM {
	v := &TunableLiveChartVM{Interval: int(interval / time.Millisecond)}
	v.Waveform, v.Bar, v.Pie = initialChart()
	return v
}

// SetInterval sets Interval before the timer starts; afterwards it is
// ignored (the reaction then carries the interval in use).
func (v *TunableLiveChartVM) SetInterval(ms int) {
	if !v.started {
		v.Interval = ms
	}
}

// OnCreated starts the timer; it stops when the VM is disposed.
func (v *TunableLiveChartVM) OnCreated(context.Context) error {
	if v.Interval <= 0 {
		v.Interval = 1000
	}
	v.Interval = min(max(v.Interval, MinLiveChartInterval), MaxLiveChartInterval)
	v.started = true
	v.Every(time.Duration(v.Interval)*time.Millisecond, func() { tickChart(&v.Base, &v.Waveform, &v.Bar, &v.Pie) })
	return nil
}

// initialChart is the original's initial data: 30 waveform points, 8 bars
// and 3 pie slices.
func initialChart() (waveform [][]string, bar []int, pie []float64) {
	for x := 1; x <= 30; x++ {
		waveform = append(waveform, wavePoint(x))
	}
	return waveform, randBar(8), randPie()
}

// tickChart is one tick of the chart VMs: a new waveform point (sent as
// Waveform_add), new Bar and Pie.
func tickChart(b *vm.Base, waveform *[][]string, bar *[]int, pie *[]float64) {
	x := 0
	if n := len(*waveform); n > 0 && len((*waveform)[n-1]) > 0 {
		x, _ = strconv.Atoi((*waveform)[n-1][0])
	}
	p := wavePoint(x + 1)
	w := append(*waveform, p)
	if len(w) > MaxWaveform {
		w = append([][]string(nil), w[len(w)-MaxWaveform:]...)
	}
	*waveform = w
	b.AddList("Waveform", p)
	*bar = randBar(12)
	*pie = randPie()
	b.Changed("Bar", "Pie")
}

func wavePoint(x int) []string {
	y := math.Sin(float64(x) / math.Pi)
	return []string{strconv.Itoa(x), strconv.FormatFloat(y, 'f', -1, 64)}
}

func randBar(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 500 + rand.IntN(500)
	}
	return out
}

func randPie() []float64 { return []float64{rand.Float64(), rand.Float64(), rand.Float64()} }
