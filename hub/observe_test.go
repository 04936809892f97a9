package hub_test

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/vm"
)

// countingObserver is a hub.Observer keeping counts by label.
type countingObserver struct {
	mu       sync.Mutex
	conns    map[string]int // transport -> open
	in       map[string]int // transport/callType -> messages
	out      map[string]int // transport -> frames
	outBytes int
	vms      map[string]int // type -> live
	created  map[string]int // type -> created
}

func newCountingObserver() *countingObserver {
	return &countingObserver{conns: map[string]int{}, in: map[string]int{}, out: map[string]int{}, vms: map[string]int{}, created: map[string]int{}}
}

func (o *countingObserver) do(f func()) { o.mu.Lock(); defer o.mu.Unlock(); f() }

func (o *countingObserver) ConnOpened(tr string) { o.do(func() { o.conns[tr]++ }) }
func (o *countingObserver) ConnClosed(tr string) { o.do(func() { o.conns[tr]-- }) }
func (o *countingObserver) MessageIn(tr string, ct hub.CallType) {
	o.do(func() { o.in[tr+"/"+string(ct)]++ })
}
func (o *countingObserver) MessageOut(tr string, n int) {
	o.do(func() { o.out[tr]++; o.outBytes += n })
}
func (o *countingObserver) VMCreated(typ string)  { o.do(func() { o.vms[typ]++; o.created[typ]++ }) }
func (o *countingObserver) VMDisposed(typ string) { o.do(func() { o.vms[typ]-- }) }

func (o *countingObserver) check(t *testing.T, what string, got func() any, want any) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if g := got(); !reflect.DeepEqual(g, want) {
		t.Fatalf("%s: %v, want %v", what, g, want)
	}
}

func connectVia(t *testing.T, h *hub.Hub, id, transport string) *client {
	t.Helper()
	rec := &recorder{}
	c, err := h.Connect(&vm.Conn{ID: id, Transport: transport}, rec)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t, c, rec}
}

// TestObserver: the observer sees connections by transport, messages in by
// call type, every frame out, and VMs created and disposed (a multicast VM
// once, sub-VMs and implicit masters too).
func TestObserver(t *testing.T) {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[PersonVM](reg, "PersonVM"))
	mustReg(vm.RegisterType[Room](reg, "Room"))
	vm.MustRegister(reg, "Master", func(context.Context, vm.ID) (*Master, error) { return &Master{}, nil })
	obs := newCountingObserver()
	h := hub.New(reg, hub.Options{Observer: obs})

	a := connectVia(t, h, "a", "ws")
	b := connectVia(t, h, "b", "apigw")
	if _, err := h.Connect(&vm.Conn{ID: "a", Transport: "ws"}, &recorder{}); err == nil {
		t.Fatal("duplicate connection accepted")
	}
	obs.check(t, "connections", func() any { return obs.conns }, map[string]int{"ws": 1, "apigw": 1})

	a.request("PersonVM", `{}`)
	a.update("PersonVM", `{"Increment":null}`)
	a.request("Room", `{}`)
	b.request("Room", `{}`)
	a.request("Master.Details", `{}`) // creates the master too
	obs.check(t, "live VMs", func() any { return obs.vms }, map[string]int{"PersonVM": 1, "Room": 1, "Master": 1, "Details": 1})

	a.dispose("PersonVM")
	a.send("bogus_vm", "PersonVM", "", "")
	if err := a.c.Receive([]byte("not json")); err == nil {
		t.Fatal("an invalid frame was accepted")
	}
	obs.check(t, "messages in", func() any { return obs.in }, map[string]int{
		"ws/Request_VM": 3, "ws/Update_VM": 1, "ws/Dispose_VM": 1, "ws/unknown": 1, "ws/invalid": 1,
		"apigw/Request_VM": 1,
	})
	frames := len(a.rec.take())
	obs.check(t, "frames out", func() any { return obs.out }, map[string]int{"ws": frames, "apigw": len(b.rec.take())})
	obs.check(t, "bytes out counted", func() any { return obs.outBytes > 0 }, true)

	a.c.Close()
	a.c.Close() // twice: counted once
	obs.check(t, "after a closed", func() any { return obs.vms }, map[string]int{"PersonVM": 0, "Room": 1, "Master": 0, "Details": 0})
	b.c.Close()
	obs.check(t, "connections at the end", func() any { return obs.conns }, map[string]int{"ws": 0, "apigw": 0})
	obs.check(t, "live VMs at the end", func() any { return obs.vms }, map[string]int{"PersonVM": 0, "Room": 0, "Master": 0, "Details": 0})
	obs.check(t, "created", func() any { return obs.created }, map[string]int{"PersonVM": 1, "Room": 1, "Master": 1, "Details": 1})
	if s := h.Stats(); s.VMs != 0 || s.Connections != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestKeepSnapshots: on a graceful shutdown the connections close and
// their multicast VMs are disposed, yet their snapshots stay, with the last
// change made before the close; a restarted hub resumes from them.
func TestKeepSnapshots(t *testing.T) {
	snaps := &store.Snapshots{}
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Room](reg, "Room"))
	opts := hub.Options{Snapshots: snaps, SnapshotDelay: time.Hour} // nothing written but by FlushSnapshots
	h1 := hub.New(reg, opts)
	a := connect(t, h1, "a")
	a.request("Room", `{}`)
	a.update("Room", `{"Say":"just before SIGTERM"}`)

	h1.KeepSnapshots()
	a.c.Close() // the transport closes its connections
	if s := h1.Stats(); s.VMs != 0 {
		t.Fatalf("the room outlived its last member: %+v", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := h1.FlushSnapshots(ctx); err != nil {
		t.Fatal(err)
	}
	waitKeys(t, snaps, "mc/Room$/")

	h2 := hub.New(reg, hub.Options{Snapshots: snaps})
	b := connect(t, h2, "b")
	b.request("Room", `{}`)
	f := b.rec.waitFor(t, "room state", func(f frame) bool { return f.VMID == "Room" })
	if msgs, _ := f.Data["Messages"].([]any); len(msgs) != 1 || msgs[0] != "a: just before SIGTERM" {
		t.Fatalf("room after the restart: %s", f.Raw)
	}
	// Without KeepSnapshots the last member leaving deletes the snapshot.
	b.c.Close()
	waitKeys(t, snaps)
}

// TestHubClose: Close writes the pending snapshots and stops the hub's
// snapshot writer; a second Close does nothing.
func TestHubClose(t *testing.T) {
	loops := func() int {
		buf := make([]byte, 1<<20)
		return strings.Count(string(buf[:runtime.Stack(buf, true)]), "(*snapshotter).loop")
	}
	before := loops()
	snaps := &store.Snapshots{}
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Room](reg, "Room"))
	h := hub.New(reg, hub.Options{Snapshots: snaps, AsyncSnapshots: true, SnapshotDelay: time.Hour})
	for start := time.Now(); loops() != before+1; time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 3*time.Second {
			t.Fatal("no snapshot writer running")
		}
	}
	a := connect(t, h, "a")
	a.request("Room", `{}`)
	a.update("Room", `{"Say":"before the shutdown"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitKeys(t, snaps, "mc/Room$/")
	deadline := time.Now().Add(3 * time.Second)
	for loops() != before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := loops(); n != before {
		t.Fatalf("%d snapshot writers after Close, want %d", n, before)
	}
	if err := h.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	a.c.Close() // the room is disposed after Close: its snapshot stays
	waitKeys(t, snaps, "mc/Room$/")
}

// TestHandover: Handover disposes a connection's own VMs but keeps their
// snapshots (another server serves them now) and its multicast VMs; a
// dispose_vm would have dropped the snapshot.
func TestHandover(t *testing.T) {
	snaps := &store.Snapshots{}
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[PersonVM](reg, "PersonVM"))
	mustReg(vm.RegisterType[Room](reg, "Room"))
	h := hub.New(reg, hub.Options{Snapshots: snaps, SnapshotDelay: time.Millisecond})
	rec := &recorder{}
	hc, err := h.Connect(&vm.Conn{ID: "gw1", Persistent: true}, rec)
	if err != nil {
		t.Fatal(err)
	}
	a := &client{t, hc, rec}
	a.request("PersonVM", `{}`)
	a.update("PersonVM", `{"FirstName":"Ann"}`)
	a.request("Room", `{}`)
	waitKeys(t, snaps, "vm/gw1/PersonVM")
	hc.Handover()
	if hc.Has("PersonVM") || !hc.Has("Room") {
		t.Fatalf("after Handover: PersonVM held %v, Room held %v; want the room only", hc.Has("PersonVM"), hc.Has("Room"))
	}
	if s := h.Stats(); s.VMs != 1 || s.Connections != 1 {
		t.Fatalf("stats %+v", s)
	}
	time.Sleep(20 * time.Millisecond)
	waitKeys(t, snaps, "vm/gw1/PersonVM")
	// A dispose, by contrast, forgets it.
	a.request("PersonVM", `{}`)
	a.send("dispose_vm", "PersonVM", "", "")
	waitKeys(t, snaps)
}
