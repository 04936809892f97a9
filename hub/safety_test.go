package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
	"github.com/gonetify/gonetify/vm"
)

// Shared is a multicast VM whose changes a test makes pending by hand.
type Shared struct {
	vm.Multicast
	N int
}

// Defect 1: a member joining a shared VM must not clear the changes
// another member's cycle (or a timer) applied but has not sent yet.
func TestJoinKeepsPendingMulticastChanges(t *testing.T) {
	reg := vm.NewRegistry()
	var inst atomic.Pointer[Shared]
	vm.MustRegister(reg, "Shared", func(context.Context, vm.ID) (*Shared, error) {
		s := &Shared{}
		inst.Store(s)
		return s, nil
	})
	h := hub.New(reg, hub.Options{})
	a := connect(t, h, "a")
	a.request("Shared", `{}`)
	a.rec.waitFor(t, "a's state", func(frame) bool { return true })
	// A change applied but not taken yet (a timer's, say): marked, no push.
	inst.Load().Changed("N")
	b := connect(t, h, "b")
	b.request("Shared", `{}`)
	b.rec.waitFor(t, "b's state", func(frame) bool { return true })
	// The pending change must still reach a (b has it in its full state).
	a.rec.waitFor(t, "the pending change, at a", func(f frame) bool { _, ok := f.Data["N"]; return ok })
}

// Defect 5: a factory is called once per VM made, always with the
// requesting connection; registration knows whether the type is multicast
// (no probe instance made and thrown away).
func TestFactoryCalledOnlyForRealVMs(t *testing.T) {
	reg := vm.NewRegistry()
	var calls, noConn atomic.Int32
	vm.MustRegister(reg, "Shared", func(ctx context.Context, _ vm.ID) (*Shared, error) {
		calls.Add(1)
		if vm.ConnFromContext(ctx) == nil {
			noConn.Add(1)
		}
		return &Shared{}, nil
	})
	h := hub.New(reg, hub.Options{})
	if !h.IsMulticast("Shared") || h.SharedKey("Shared") != "Shared$" {
		t.Fatalf("IsMulticast/SharedKey do not know Shared is multicast")
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("asking whether a type is multicast called its factory %d times", n)
	}
	for _, id := range []string{"a", "b", "c"} {
		c := connect(t, h, id)
		c.request("Shared", `{}`)
		c.rec.waitFor(t, id+"'s state", func(frame) bool { return true })
	}
	if calls.Load() != 1 || noConn.Load() != 0 {
		t.Fatalf("factory calls %d (without a connection: %d), want 1 (0)", calls.Load(), noConn.Load())
	}
}

// Defect 4: a namespaced multicast type ("ns.Type", requested as "Type"
// with {"namespace":"ns"}) is shared like any other, and stays so.
func TestNamespacedMulticastIsShared(t *testing.T) {
	reg := vm.NewRegistry()
	var made atomic.Int32
	vm.MustRegister(reg, "ns.Shared", func(context.Context, vm.ID) (*Shared, error) { made.Add(1); return &Shared{}, nil })
	h := hub.New(reg, hub.Options{})
	for _, id := range []string{"a", "b", "c"} {
		c := connect(t, h, id)
		c.request("Shared", `{"$vmArg":{"namespace":"ns"}}`)
		c.rec.waitFor(t, id+"'s state", func(frame) bool { return true })
	}
	if made.Load() != 1 || h.Stats().Groups != 1 {
		t.Fatalf("instances made %d, groups %d: want one shared instance", made.Load(), h.Stats().Groups)
	}
}

// Slow has a command that takes a while; Clock pushes every 50ms.
type Slow struct {
	vm.Base
	Done bool
	_    vm.Commands `vm:"Work"`
}

func (s *Slow) Work(ctx context.Context, ms int) {
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
	case <-ctx.Done():
	}
	s.Done = true
	s.Changed("Done")
}

type Clock struct {
	vm.Base
	Ticks int
}

func (c *Clock) OnCreated(context.Context) error {
	c.Every(50*time.Millisecond, func() { c.Ticks++; c.Changed("Ticks") })
	return nil
}

// timedRecorder notes when each frame arrives.
type timedRecorder struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func (r *timedRecorder) Send(resp *hub.Response) error {
	b := wire.Frame(resp)
	var m struct{ VMID string }
	_ = json.Unmarshal(b, &m)
	r.mu.Lock()
	r.times[m.VMID] = append(r.times[m.VMID], time.Now())
	r.mu.Unlock()
	return nil
}

// A long command in one VM does not hold up the pushes of another VM of
// the same connection, and the reaction follows the command.
func TestLongCommandDoesNotStallOtherVMs(t *testing.T) {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Slow](reg, "Slow"))
	mustReg(vm.RegisterType[Clock](reg, "Clock"))
	h := hub.New(reg, hub.Options{})
	rec := &timedRecorder{times: map[string][]time.Time{}}
	c, err := h.Connect(&vm.Conn{ID: "c"}, rec)
	if err != nil {
		t.Fatal(err)
	}
	recv := func(s string) {
		if err := c.ReceiveAsync([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	recv(`{"callType":"request_vm","vmId":"Slow"}`)
	recv(`{"callType":"request_vm","vmId":"Clock"}`)
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	recv(`{"callType":"update_vm","vmId":"Slow","value":"{\"Work\":1000}"}`)
	// The read loop is not held up either: a message for Clock right
	// after the long command is handled at once.
	recv(`{"callType":"update_vm","vmId":"Clock","value":"{\"Ticks\":0}"}`)
	time.Sleep(1300 * time.Millisecond)
	c.Close()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	slow := rec.times["Slow"]
	if len(slow) != 2 || slow[1].Sub(start) < time.Second {
		t.Fatalf("Slow frames at %v (start %v): want its state, then the reaction after the command", slow, start)
	}
	var last time.Time
	for _, at := range rec.times["Clock"] {
		if at.Before(start) {
			last = at
			continue
		}
		if gap := at.Sub(last); gap > 700*time.Millisecond {
			t.Fatalf("Clock's pushes stalled for %v while Slow's command ran", gap)
		}
		last = at
	}
	if end := start.Add(time.Second); last.Before(end) {
		t.Fatalf("Clock's last push at %v, before the command ended (%v)", last.Sub(start), end.Sub(start))
	}
}

// A command's context is cancelled when its connection closes.
func TestCommandContextCancelledOnClose(t *testing.T) {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Slow](reg, "Slow"))
	h := hub.New(reg, hub.Options{})
	c := connect(t, h, "c")
	c.request("Slow", `{}`)
	c.rec.waitFor(t, "state", func(frame) bool { return true })
	if err := c.c.ReceiveAsync([]byte(`{"callType":"update_vm","vmId":"Slow","value":"{\"Work\":60000}"}`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() { c.c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close waited for a 60 s command: its context was not cancelled")
	}
}

type Boomer struct {
	vm.Base
	_ vm.Commands `vm:"Boom"`
}

func (b *Boomer) Boom() { panic("the database password is hunter2") }

// A panic's text stays in the log (the configured logger, with the
// stack); the client gets a generic message whose error id the log has.
// Debug logs show whatever the logger's level.
func TestPanicLoggedNotSent(t *testing.T) {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Boomer](reg, "Boomer"))
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := hub.New(reg, hub.Options{Logger: log, Debug: true})
	c := connect(t, h, "c")
	c.request("Boomer", `{}`)
	c.rec.waitFor(t, "state", func(frame) bool { return true })
	c.update("Boomer", `{"Boom":null,"NoSuchThing":1}`)
	f := c.rec.waitFor(t, "exception", func(f frame) bool { return f.Data["ExceptionType"] != nil })
	msg, _ := f.Data["Message"].(string)
	if strings.Contains(msg, "hunter2") || !strings.Contains(msg, "error id ") {
		t.Fatalf("client got %q", msg)
	}
	id := msg[strings.Index(msg, "error id ")+len("error id "):]
	id = id[:strings.IndexAny(id, ")")]
	out := logs.String()
	for _, want := range []string{"hunter2", "error_id=" + id, "stack=", "message in", "message out", "NoSuchThing"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// OnConnect and OnDisconnect see every connection with its id, transport
// and (at disconnect) the identity its calls ran as.
func TestConnectionLifecycleHooks(t *testing.T) {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Slow](reg, "Slow"))
	type event struct{ what, id, transport, who string }
	var mu sync.Mutex
	var events []event
	note := func(what string) func(c *hub.Client) {
		return func(c *hub.Client) {
			who := ""
			if p := c.Principal(); p != nil {
				who = p.Name()
			}
			mu.Lock()
			events = append(events, event{what, c.ID(), c.Info().Transport, who})
			mu.Unlock()
		}
	}
	auth := func(x *hub.Context, next func() error) error {
		if x.Header("Authorization") == "Bearer ann" {
			x.Principal = named("ann")
		}
		return next()
	}
	h := hub.New(reg, hub.Options{OnConnect: note("connect"), OnDisconnect: note("disconnect"), Middlewares: []hub.Middleware{auth}})
	c, err := h.Connect(&vm.Conn{ID: "c1", Transport: "ws"}, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Receive([]byte(`{"callType":"request_vm","vmId":"Slow","vmArgs":"{\"$headers\":{\"Authorization\":\"Bearer ann\"}}"}`)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	want := []event{{"connect", "c1", "ws", ""}, {"disconnect", "c1", "ws", "ann"}}
	if len(events) != 2 || events[0] != want[0] || events[1] != want[1] {
		t.Fatalf("events %+v, want %+v", events, want)
	}
}

type named string

func (n named) Name() string        { return string(n) }
func (n named) Authenticated() bool { return true }

// Joiner is a multicast VM that keeps who is in it.
type Joiner struct {
	vm.Multicast
	Members []string
}

func (j *Joiner) OnJoin(ctx context.Context) {
	j.Members = append(j.Members, vm.ConnFromContext(ctx).ID)
	j.Changed("Members")
}

// OnJoin runs for each member (the first too); the joiner's initial state
// has it, and the others get the change.
func TestOnJoin(t *testing.T) {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Joiner](reg, "Joiner"))
	h := hub.New(reg, hub.Options{})
	a := connect(t, h, "a")
	a.request("Joiner", `{}`)
	if f := a.rec.waitFor(t, "a's state", func(frame) bool { return true }); f.Raw != `{"Members":["a"]}` {
		t.Fatalf("a's state %s", f.Raw)
	}
	b := connect(t, h, "b")
	b.request("Joiner", `{}`)
	if f := b.rec.waitFor(t, "b's state", func(frame) bool { return true }); f.Raw != `{"Members":["a","b"]}` {
		t.Fatalf("b's state %s", f.Raw)
	}
	a.rec.waitFor(t, "b joined, at a", func(f frame) bool { return f.Raw == `{"Members":["a","b"]}` })
	time.Sleep(20 * time.Millisecond)
	if extra := b.rec.take(); len(extra) != 0 {
		t.Fatalf("b got its own join again: %v", extra)
	}
}

// Lobby is a multicast VM split by group ($vmArg "Room"), whose commands
// address members the ways dotNetify's SendEventArgs do.
type Lobby struct {
	vm.Multicast
	Room string
	_    vm.Commands `vm:"ToUser,ToGroups,Who"`
}

func (l *Lobby) GroupName(ctx context.Context) string {
	return hub.FromContext(ctx).Header("Room")
}

func (l *Lobby) ToUser(ctx context.Context, user string) error {
	return l.SendTo(vm.Audience{UserIDs: []string{user}}, "Note", "for "+user)
}

func (l *Lobby) ToGroups(ctx context.Context, groups []string) error {
	return l.SendTo(vm.Audience{Groups: groups, Except: []string{vm.ConnFromContext(ctx).ID}}, "Note", "to groups")
}

func (l *Lobby) Who(ctx context.Context) error {
	var who []string
	for _, m := range l.Members() {
		who = append(who, m.ConnID+"="+m.User)
	}
	return l.SendTo(vm.Audience{ConnIDs: []string{vm.ConnFromContext(ctx).ID}}, "Who", strings.Join(who, ","))
}

// A multicast VM sends to users, to groups less some connections, and
// lists its members with their identities.
func TestAudienceAndPresence(t *testing.T) {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Lobby](reg, "Lobby"))
	who := func(x *hub.Context, next func() error) error {
		if u := x.Header("User"); u != "" {
			x.Principal = named(u)
		}
		return next()
	}
	h := hub.New(reg, hub.Options{Middlewares: []hub.Middleware{who}})
	join := func(id, user, room string) *client {
		c := connect(t, h, id)
		c.request("Lobby", `{"$headers":{"User":"`+user+`","Room":"`+room+`"}}`)
		c.rec.waitFor(t, id+"'s state", func(frame) bool { return true })
		return c
	}
	a := join("a", "ann", "red")
	b := join("b", "bob", "red")
	c := join("c", "ann", "blue") // ann again, in another group
	d := join("d", "dan", "blue")

	b.update("Lobby", `{"ToUser":"ann"}`)
	for _, x := range []*client{a, c} {
		x.rec.waitFor(t, "ann's note at "+x.c.ID(), func(f frame) bool { return f.Data["Note"] == "for ann" })
	}
	a.update("Lobby", `{"ToGroups":["red","blue"]}`)
	for _, x := range []*client{b, c, d} {
		x.rec.waitFor(t, "the group note at "+x.c.ID(), func(f frame) bool { return f.Data["Note"] == "to groups" })
	}
	time.Sleep(30 * time.Millisecond)
	for _, f := range append(b.rec.take(), d.rec.take()...) {
		if f.Data["Note"] == "for ann" {
			t.Fatalf("ann's note reached another user: %s", f.Raw)
		}
	}
	for _, f := range a.rec.take() {
		if f.Data["Note"] == "to groups" {
			t.Fatalf("the sender, excepted, got the group note: %s", f.Raw)
		}
	}
	d.update("Lobby", `{"Who":null}`)
	if f := d.rec.waitFor(t, "presence", func(f frame) bool { return f.Data["Who"] != nil }); f.Data["Who"] != "c=ann,d=dan" {
		t.Fatalf("members of blue: %v", f.Data["Who"])
	}
}
