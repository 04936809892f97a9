package examples

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/gonetify/gonetify/vm"
)

// Bounds of LiveChartVM.Interval, in milliseconds.
const (
	MinLiveChartInterval = 10
	MaxLiveChartInterval = 60_000
)

// LiveChartVM is dotNetify's LiveChart example: chart data pushed on a
// timer. Each tick appends a point to Waveform (sent as Waveform_add) and
// replaces Bar (12 values) and Pie (3 values). Unlike the original, the
// series is also kept on the server (its last MaxWaveform points), so a
// client re-requesting it, or a VM restored after a restart, continues
// where it was.
type LiveChartVM struct {
	vm.Base
	// Waveform holds 30 [x, sin(x/π)] points, both as strings.
	Waveform [][]string
	// Bar holds 8 random values in [500, 1000); 12 after the first tick.
	Bar []int
	// Pie holds 3 random values in [0, 1).
	Pie []float64
	// Interval is the tick in milliseconds (a gonetify addition): set it
	// with $vmArg {"Interval": 50} to tick faster. Values are clamped to
	// [MinLiveChartInterval, MaxLiveChartInterval]; 0 means the default.
	// Dispatching it after creation has no effect.
	Interval int

	started bool
}

// MaxWaveform is how many Waveform points LiveChartVM keeps.
const MaxWaveform = 100

// NewLiveChartVM returns a LiveChartVM ticking every interval unless
// $vmArg sets Interval.
func NewLiveChartVM(interval time.Duration) *LiveChartVM {
	v := &LiveChartVM{Interval: int(interval / time.Millisecond), Bar: randBar(8), Pie: randPie()}
	for x := 1; x <= 30; x++ {
		v.Waveform = append(v.Waveform, wavePoint(x))
	}
	return v
}

// SetInterval sets Interval before the timer starts; afterwards it is
// ignored (the reaction then carries the interval in use).
func (v *LiveChartVM) SetInterval(ms int) {
	if !v.started {
		v.Interval = ms
	}
}

// OnCreated starts the timer; it stops when the VM is disposed.
func (v *LiveChartVM) OnCreated(context.Context) error {
	if v.Interval <= 0 {
		v.Interval = 1000
	}
	v.Interval = min(max(v.Interval, MinLiveChartInterval), MaxLiveChartInterval)
	v.started = true
	v.Every(time.Duration(v.Interval)*time.Millisecond, v.onTick)
	return nil
}

func (v *LiveChartVM) onTick() {
	x := 0
	if n := len(v.Waveform); n > 0 && len(v.Waveform[n-1]) > 0 {
		x, _ = strconv.Atoi(v.Waveform[n-1][0])
	}
	p := wavePoint(x + 1)
	v.Waveform = append(v.Waveform, p)
	if len(v.Waveform) > MaxWaveform {
		v.Waveform = append([][]string(nil), v.Waveform[len(v.Waveform)-MaxWaveform:]...)
	}
	v.AddList("Waveform", p)
	v.Bar = randBar(12)
	v.Pie = randPie()
	v.Changed("Bar", "Pie")
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
