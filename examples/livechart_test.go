package examples

import (
	"math"
	"strconv"
	"testing"
	"time"
)

func TestLiveChart(t *testing.T) {
	for _, id := range []string{"LiveChartVM", "TunableLiveChartVM"} {
		t.Run(id, func(t *testing.T) { testLiveChart(t, id) })
	}
}

func testLiveChart(t *testing.T, id string) {
	before := countGoroutines()
	opts := quiet
	opts.LiveChartInterval = 20 * time.Millisecond
	h := newHub(t, opts)
	c := connect(t, h, "c1", "127.0.0.1:1000")

	s := c.request(id, nil)
	if id == "LiveChartVM" {
		keys(t, s, "Waveform", "Bar", "Pie")
	} else {
		keys(t, s, "Waveform", "Bar", "Pie", "Interval")
		eq(t, "Interval", get[int](t, s, "Interval"), 20)
	}
	wave := get[[][]string](t, s, "Waveform")
	eq(t, "len(Waveform)", len(wave), 30)
	eq(t, "Waveform[0][0]", wave[0][0], "1")
	eq(t, "Waveform[29][0]", wave[29][0], "30")
	y, err := strconv.ParseFloat(wave[0][1], 64)
	if err != nil || math.Abs(y-math.Sin(1/math.Pi)) > 1e-12 {
		t.Fatalf("Waveform[0] = %v", wave[0])
	}
	eq(t, "len(Bar)", len(get[[]int](t, s, "Bar")), 8)
	eq(t, "len(Pie)", len(get[[]float64](t, s, "Pie")), 3)

	frames := c.wait(3, 5*time.Second)
	for i, f := range frames[:3] {
		eq(t, "vmId", f.VMID, id)
		keys(t, f.Data, "Waveform_add", "Bar", "Pie")
		add := get[[]string](t, f.Data, "Waveform_add")
		eq(t, "Waveform_add x", add[0], strconv.Itoa(31+i))
		eq(t, "len(Bar)", len(get[[]int](t, f.Data, "Bar")), 12)
		for _, b := range get[[]int](t, f.Data, "Bar") {
			if b < 500 || b >= 1000 {
				t.Fatalf("Bar value %d", b)
			}
		}
		eq(t, "len(Pie)", len(get[[]float64](t, f.Data, "Pie")), 3)
	}

	c.dispose(id)
	waitVMs(t, h, 0)
	waitGoroutines(t, before)
}

func TestTunableLiveChartInterval(t *testing.T) {
	opts := quiet
	opts.LiveChartInterval = 250 * time.Millisecond
	h := newHub(t, opts)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	const id = "TunableLiveChartVM"
	eq(t, "default Interval", get[int](t, c.request(id, nil), "Interval"), 250)
	eq(t, "vmArg Interval", get[int](t, c.request(id+"$a", map[string]any{"Interval": 40}), "Interval"), 40)
	eq(t, "clamped Interval", get[int](t, c.request(id+"$fast", map[string]any{"Interval": 1}), "Interval"), MinLiveChartInterval)
	// After creation the interval stays: the reaction says so.
	// (The others push meanwhile: keep only this VM's frames.)
	d := only(t, forVM(c.dispatch(id, map[string]any{"Interval": 5000}), id), id)
	eq(t, "Interval", get[int](t, d, "Interval"), 250)
	c.conn.Close()
	waitVMs(t, h, 0)
}
