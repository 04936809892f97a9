package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/vm"
)

// recorder collects the frames a connection receives.
type recorder struct {
	mu     sync.Mutex
	frames []frame
}

type frame struct {
	VMID string
	Data map[string]any
	Raw  string
}

func (r *recorder) Send(resp *hub.Response) error {
	b := wire.Frame(resp)
	var m struct {
		CallType string `json:"callType"`
		VMID     string `json:"vmId"`
		Data     string `json:"data"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("frame is not JSON: %s", b))
	}
	if m.CallType != "response_vm" {
		panic("bad callType " + m.CallType)
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(m.Data), &data); err != nil {
		panic(fmt.Sprintf("data is not a JSON object: %q", m.Data))
	}
	r.mu.Lock()
	r.frames = append(r.frames, frame{m.VMID, data, m.Data})
	r.mu.Unlock()
	return nil
}

func (r *recorder) take() []frame {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.frames
	r.frames = nil
	return f
}

func (r *recorder) waitFor(t *testing.T, what string, pred func(frame) bool) frame {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for i, f := range r.frames {
			if pred(f) {
				r.frames = append(r.frames[:i:i], r.frames[i+1:]...)
				r.mu.Unlock()
				return f
			}
		}
		r.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no frame for %s; have %v", what, r.take())
	return frame{}
}

type client struct {
	t   *testing.T
	c   *hub.Client
	rec *recorder
}

func connect(t *testing.T, h *hub.Hub, id string) *client {
	t.Helper()
	rec := &recorder{}
	c, err := h.Connect(&vm.Conn{ID: id}, rec)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t, c, rec}
}

func (c *client) send(callType, vmID, key, inner string) {
	c.t.Helper()
	m := map[string]string{"callType": callType, "vmId": vmID}
	if key != "" {
		m[key] = inner
	}
	b, _ := json.Marshal(m)
	if err := c.c.Receive(b); err != nil {
		c.t.Fatalf("Receive: %v", err)
	}
}

func (c *client) request(vmID, args string) { c.send("request_vm", vmID, "vmArgs", args) }
func (c *client) update(vmID, value string) { c.send("update_vm", vmID, "value", value) }
func (c *client) dispose(vmID string)       { c.send("dispose_vm", vmID, "", "") }

// --- test view models ---

type Person struct {
	FirstName string
	LastName  string
}

type Employee struct {
	Id   int
	Name string
}

type PersonVM struct {
	vm.Base
	Person    Person
	FirstName string
	Count     int
	Employees []Employee `vm:"itemKey=Id"`
	Hidden    string     `json:"-"`
	Tags      map[string]string
	Hook      func(n int)
	created   bool

	_ vm.Computed `vm:"FullName"`
	_ vm.Commands `vm:"Add,Boom,Fail,Increment"`
}

func (v *PersonVM) FullName() string { return v.FirstName + "!" }

func (v *PersonVM) SetFirstName(s string) { v.FirstName = strings.TrimSpace(s); v.Changed("FullName") }

func (v *PersonVM) Increment() { v.Count++; v.Changed("Count") }

func (v *PersonVM) Add(name string) {
	e := Employee{Id: len(v.Employees) + 1, Name: name}
	v.Employees = append(v.Employees, e)
	v.AddList("Employees", e)
}

func (v *PersonVM) Fail(msg string) error {
	return &vm.Exception{Type: "UnauthorizedAccessException", Message: msg}
}

func (v *PersonVM) Boom() { panic("boom") }

func (v *PersonVM) OnCreated(ctx context.Context) error {
	v.created = true
	if c := vm.ConnFromContext(ctx); c == nil || c.ID == "" {
		return fmt.Errorf("no connection in context")
	}
	return nil
}

type Room struct {
	vm.Multicast
	Messages []string
	Created  int

	_ vm.Commands `vm:"Say,Whisper"`
}

var roomCreated int

func (r *Room) OnCreated(context.Context) error { roomCreated++; r.Created = roomCreated; return nil }

func (r *Room) Say(ctx context.Context, s string) {
	r.Messages = append(r.Messages, vm.ConnFromContext(ctx).ID+": "+s)
	r.AddList("Messages", s)
}

func (r *Room) Whisper(ctx context.Context, to string) error {
	return r.Send([]string{to}, "Private", "psst from "+vm.ConnFromContext(ctx).ID)
}

type Master struct {
	vm.Base
	Selected int
	details  *Details
	disposed []string
}

type Details struct {
	vm.Base
	Item int
}

func (m *Master) GetSubVM(typeName, instanceID string) vm.VM {
	if typeName == "Details" {
		return &Details{}
	}
	return nil
}

func (m *Master) OnSubVMCreated(sub vm.VM) {
	if d, ok := sub.(*Details); ok {
		m.details = d
	}
}

func (m *Master) OnSubVMDisposing(sub vm.VM) { m.disposed = append(m.disposed, fmt.Sprintf("%T", sub)) }

type List struct {
	vm.Base
	master *Master
	_      vm.Commands `vm:"Select"`
}

func (l *List) Select(id int) {
	d := l.master.details
	d.Item = id
	d.Changed("Item")
}

type Ticker struct {
	vm.Base
	N int
}

func (t *Ticker) OnCreated(context.Context) error {
	t.Every(10*time.Millisecond, func() { t.N++; t.Changed("N") })
	return nil
}

func newHub(t *testing.T) *hub.Hub {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[PersonVM](reg, "PersonVM"))
	mustReg(vm.RegisterType[Room](reg, "Room"))
	mustReg(vm.RegisterType[Ticker](reg, "Ticker"))
	var master *Master
	vm.MustRegister(reg, "Master", func(context.Context, vm.ID) (*Master, error) { master = &Master{}; return master, nil })
	vm.MustRegister(reg, "List", func(context.Context, vm.ID) (*List, error) { return &List{master: master}, nil })
	return hub.New(reg, hub.Options{})
}

func TestRequestFullState(t *testing.T) {
	h := newHub(t)
	c := connect(t, h, "c1")
	c.request("PersonVM", `{"$vmArg":{"FirstName":"Ann","Count":"3"}}`)
	f := c.rec.waitFor(t, "state", func(f frame) bool { return f.VMID == "PersonVM" })
	want := `{"Person":{"FirstName":"","LastName":""},"FirstName":"Ann","Count":3,"Employees":[],"Employees_itemKey":"Id","Tags":{},"Hook":null,"FullName":"Ann!","Add":null,"Boom":null,"Fail":null,"Increment":null}`
	if f.Raw != want {
		t.Fatalf("state\n got %s\nwant %s", f.Raw, want)
	}
	if got := h.Stats(); got.VMs != 1 || got.Connections != 1 {
		t.Fatalf("stats %+v", got)
	}
}

func TestUpdateEchoSuppressionAndPaths(t *testing.T) {
	h := newHub(t)
	c := connect(t, h, "c1")
	c.request("PersonVM", `{}`)
	c.rec.take()

	c.update("PersonVM", `{"FirstName":"Bob"}`)
	f := c.rec.waitFor(t, "reaction", func(frame) bool { return true })
	if _, echoed := f.Data["FirstName"]; echoed || f.Data["FullName"] != "Bob!" {
		t.Fatalf("reaction %s: want FullName only", f.Raw)
	}
	// A setter that changes the value echoes it back.
	c.update("PersonVM", `{"FirstName":"  Cy "}`)
	f = c.rec.waitFor(t, "reaction", func(frame) bool { return true })
	if f.Data["FirstName"] != "Cy" {
		t.Fatalf("reaction %s: want trimmed FirstName echoed", f.Raw)
	}
	c.update("PersonVM", `{"Person.LastName":"Smith","Increment":null}`)
	f = c.rec.waitFor(t, "reaction", func(frame) bool { return true })
	if p, _ := f.Data["Person"].(map[string]any); p["LastName"] != "Smith" || f.Data["Count"] != 1.0 {
		t.Fatalf("reaction %s", f.Raw)
	}
	c.update("PersonVM", `{"Add":"Zed"}`)
	f = c.rec.waitFor(t, "add", func(frame) bool { return true })
	if f.Raw != `{"Employees_add":{"Id":1,"Name":"Zed"}}` {
		t.Fatalf("add: %s", f.Raw)
	}
	c.update("PersonVM", `{"Employees.$1.Name":"Zoe"}`)
	f = c.rec.waitFor(t, "list item", func(frame) bool { return true })
	if f.Raw != `{"Employees_update":{"Id":1,"Name":"Zoe"}}` {
		t.Fatalf("list item update: %s", f.Raw)
	}
	// Unknown paths are ignored silently; hidden fields can't be set.
	c.update("PersonVM", `{"Nope":1,"Hidden":"x"}`)
	time.Sleep(20 * time.Millisecond)
	if fs := c.rec.take(); len(fs) != 0 {
		t.Fatalf("unexpected %v", fs)
	}
}

func TestErrorsReachClient(t *testing.T) {
	h := newHub(t)
	c := connect(t, h, "c1")
	c.request("Missing", `{}`)
	f := c.rec.waitFor(t, "exception", func(frame) bool { return true })
	if f.VMID != "Missing" || f.Data["ExceptionType"] != "Exception" || !strings.Contains(f.Data["Message"].(string), "not a known view model") {
		t.Fatalf("unknown VM: %s", f.Raw)
	}
	c.request("PersonVM", `{}`)
	c.rec.take()
	for _, tc := range []struct{ value, typ string }{
		{`{"Fail":"nope"}`, "UnauthorizedAccessException"},
		{`{"Boom":null}`, "Exception"},
		{`{"Count":{"x":1}}`, "ArgumentException"},
		{`[1,2]`, "ArgumentException"},
	} {
		c.update("PersonVM", tc.value)
		f := c.rec.waitFor(t, tc.value, func(frame) bool { return true })
		if f.Data["ExceptionType"] != tc.typ {
			t.Fatalf("%s: got %s, want %s", tc.value, f.Raw, tc.typ)
		}
	}
	// The VM still works after all that.
	c.update("PersonVM", `{"Increment":null}`)
	if f := c.rec.waitFor(t, "count", func(frame) bool { return true }); f.Data["Count"] != 1.0 {
		t.Fatalf("after errors: %s", f.Raw)
	}
	c.update("Other", `{"A":1}`)
	if f := c.rec.waitFor(t, "early update", func(frame) bool { return true }); f.Data["ExceptionType"] != "InvalidOperationException" {
		t.Fatalf("update before request: %s", f.Raw)
	}
	c.dispose("Other")
	if f := c.rec.waitFor(t, "bad dispose", func(frame) bool { return true }); f.Data["ExceptionType"] != "InvalidOperationException" {
		t.Fatalf("dispose unknown: %s", f.Raw)
	}
	for _, bad := range []string{`not json`, `{"callType":"request_vm"}`, `{"vmId":"X"}`} {
		var pe *hub.ProtocolError
		if err := c.c.Receive([]byte(bad)); err == nil || !asProto(err, &pe) {
			t.Fatalf("%s: got %v, want a ProtocolError", bad, err)
		}
	}
}

func asProto(err error, pe **hub.ProtocolError) bool {
	p, ok := err.(*hub.ProtocolError)
	*pe = p
	return ok
}

func TestMulticast(t *testing.T) {
	h := newHub(t)
	a, b := connect(t, h, "a"), connect(t, h, "b")
	a.request("Room", `{}`)
	b.request("Room", `{}`)
	fa := a.rec.waitFor(t, "a state", func(frame) bool { return true })
	fb := b.rec.waitFor(t, "b state", func(frame) bool { return true })
	if fa.Data["Created"] != fb.Data["Created"] {
		t.Fatalf("two instances: %s vs %s", fa.Raw, fb.Raw)
	}
	if s := h.Stats(); s.VMs != 1 || s.Groups != 1 {
		t.Fatalf("stats %+v", s)
	}
	a.update("Room", `{"Say":"hi"}`)
	fa = a.rec.waitFor(t, "a reaction", func(frame) bool { return true })
	fb = b.rec.waitFor(t, "b push", func(frame) bool { return true })
	if fa.Data["Messages_add"] != "hi" || fb.Data["Messages_add"] != "hi" {
		t.Fatalf("multicast: a %s, b %s", fa.Raw, fb.Raw)
	}
	a.update("Room", `{"Whisper":"b"}`)
	fb = b.rec.waitFor(t, "private", func(f frame) bool { return f.Data["Private"] != nil })
	time.Sleep(20 * time.Millisecond)
	for _, f := range a.rec.take() {
		if f.Data["Private"] != nil {
			t.Fatalf("a got the private message")
		}
	}
	a.dispose("Room")
	if s := h.Stats(); s.VMs != 1 {
		t.Fatalf("disposed early: %+v", s)
	}
	b.update("Room", `{"Say":"still here"}`)
	b.rec.waitFor(t, "b still works", func(frame) bool { return true })
	b.c.Close()
	if s := h.Stats(); s.VMs != 0 || s.Groups != 0 || s.Connections != 1 {
		t.Fatalf("after last leave: %+v", s)
	}
	a.c.Close()
	if s := h.Stats(); s.Connections != 0 {
		t.Fatalf("after close: %+v", s)
	}
}

func TestMasterDetails(t *testing.T) {
	h := newHub(t)
	c := connect(t, h, "c")
	c.request("Master.List", `{}`)
	c.request("Master.Details", `{}`)
	c.rec.take()
	c.update("Master.List", `{"Select":7}`)
	f := c.rec.waitFor(t, "details push", func(f frame) bool { return f.VMID == "Master.Details" })
	if f.Data["Item"] != 7.0 {
		t.Fatalf("details: %s", f.Raw)
	}
	if s := h.Stats(); s.VMs != 3 {
		t.Fatalf("stats %+v", s)
	}
	c.dispose("Master")
	if s := h.Stats(); s.VMs != 0 {
		t.Fatalf("after dispose: %+v", s)
	}
}

func TestPushFromTimer(t *testing.T) {
	h := newHub(t)
	c := connect(t, h, "c")
	c.request("Ticker", `{}`)
	c.rec.waitFor(t, "state", func(frame) bool { return true })
	f := c.rec.waitFor(t, "push", func(f frame) bool { return f.Data["N"] != nil })
	if f.Data["N"].(float64) < 1 {
		t.Fatalf("push %s", f.Raw)
	}
	c.c.Close()
	if s := h.Stats(); s.VMs != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestConcurrentUse(t *testing.T) {
	h := newHub(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := connect(t, h, fmt.Sprint("c", i))
			c.request("Room", `{}`)
			c.request("Ticker", `{}`)
			for j := 0; j < 20; j++ {
				c.update("Room", fmt.Sprintf(`{"Say":"m%d"}`, j))
			}
			c.c.Close()
		}(i)
	}
	wg.Wait()
	if s := h.Stats(); s.VMs != 0 || s.Connections != 0 || s.Groups != 0 {
		t.Fatalf("leftovers %+v", s)
	}
}

// ShadowVM defines commands named like Base methods (Update, Send).
type ShadowVM struct {
	vm.Base
	N int
	_ vm.Commands `vm:"Update"`
}

func (s *ShadowVM) Update(n int) { s.N = n; s.Changed("N") }

func TestCommandShadowingBaseMethod(t *testing.T) {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[ShadowVM](reg, "ShadowVM"))
	c := connect(t, hub.New(reg, hub.Options{}), "c")
	c.request("ShadowVM", `{}`)
	if f := c.rec.waitFor(t, "state", func(frame) bool { return true }); f.Raw != `{"N":0,"Update":null}` {
		t.Fatalf("state %s", f.Raw)
	}
	c.update("ShadowVM", `{"Update":5}`)
	if f := c.rec.waitFor(t, "reaction", func(frame) bool { return true }); f.Data["N"] != 5.0 {
		t.Fatalf("reaction %s", f.Raw)
	}
}

// TestSnapshotsSurviveACrash: a new hub on the same snapshot store (the
// server restarted) re-creates VMs where they were: a multicast room keeps
// its messages, a persistent connection's VM its state; a disposed VM's
// snapshot is deleted.
func TestSnapshotsSurviveACrash(t *testing.T) {
	snaps := &store.Snapshots{}
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[PersonVM](reg, "PersonVM"))
	mustReg(vm.RegisterType[Room](reg, "Room"))
	opts := hub.Options{Snapshots: snaps, SnapshotDelay: time.Millisecond}
	h1 := hub.New(reg, opts)
	a := persistent(t, h1, "a=")
	a.request("Room", `{}`)
	a.request("PersonVM", `{}`)
	a.update("Room", `{"Say":"before the crash"}`)
	a.update("PersonVM", `{"Increment":null}`)
	a.update("PersonVM", `{"Increment":null}`)
	waitKeys(t, snaps, "mc/Room$/", "vm/a=/PersonVM")
	// The background writer catches up with the last change by itself.
	deadline := time.Now().Add(3 * time.Second)
	for {
		st, _ := snaps.LoadSnapshot(context.Background(), "vm/a=/PersonVM")
		if strings.Contains(string(st), `"Count":2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot never caught up: %s", st)
		}
		time.Sleep(5 * time.Millisecond)
	}

	h2 := hub.New(reg, opts) // h1 is gone without a word
	b := connect(t, h2, "b")
	b.request("Room", `{}`)
	f := b.rec.waitFor(t, "room state", func(f frame) bool { return f.VMID == "Room" })
	if msgs, _ := f.Data["Messages"].([]any); len(msgs) != 1 || msgs[0] != "a=: before the crash" {
		t.Fatalf("room after restart: %s", f.Raw)
	}
	a2 := persistent(t, h2, "a=")
	a2.request("PersonVM", `{}`)
	if f := a2.rec.waitFor(t, "person", func(f frame) bool { return f.VMID == "PersonVM" }); f.Data["Count"] != 2.0 {
		t.Fatalf("persistent VM after restart: %s", f.Raw)
	}
	// Not for a plain connection (its id dies with its socket).
	b.request("PersonVM", `{}`)
	b.update("PersonVM", `{"Increment":null}`)
	a2.dispose("PersonVM")
	b.dispose("Room")
	a2.c.Close()
	waitKeys(t, snaps)
}

func persistent(t *testing.T, h *hub.Hub, id string) *client {
	t.Helper()
	rec := &recorder{}
	c, err := h.Connect(&vm.Conn{ID: id, Persistent: true}, rec)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t, c, rec}
}

func waitKeys(t *testing.T, s *store.Snapshots, want ...string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !reflect.DeepEqual(s.Keys(), append([]string{}, want...)) {
		if time.Now().After(deadline) {
			t.Fatalf("snapshot keys %q, want %q", s.Keys(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
