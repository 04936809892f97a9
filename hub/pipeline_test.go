package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

func newHubOpts(t *testing.T, opts hub.Options) *hub.Hub {
	t.Helper()
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[PersonVM](reg, "PersonVM"))
	mustReg(vm.RegisterType[Room](reg, "Room"))
	mustReg(vm.RegisterType[Ticker](reg, "Ticker"))
	mustReg(vm.RegisterType[GuardedVM](reg, "GuardedVM"))
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(new(bytes.Buffer), nil))
	}
	return hub.New(reg, opts)
}

// GuardedVM is selected by the test filter (it has a Guarded method set).
type GuardedVM struct {
	vm.Base
	N       int
	created bool
}

func (g *GuardedVM) guarded() {}

func (g *GuardedVM) OnCreated(context.Context) error {
	g.created = true
	g.Every(5*time.Millisecond, func() { g.N++; g.Changed("N") })
	return nil
}

// trace records the calls a middleware saw.
type trace struct {
	mu    sync.Mutex
	calls []string
}

func (tr *trace) add(s string) { tr.mu.Lock(); tr.calls = append(tr.calls, s); tr.mu.Unlock() }
func (tr *trace) get() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.calls...)
}

func TestMiddlewareSeesEveryCall(t *testing.T) {
	var tr trace
	mw := func(x *hub.Context, next func() error) error {
		tr.add(string(x.CallType) + " " + x.VMID + " " + string(x.Data) + " h=" + x.Header("authorization"))
		return next()
	}
	h := newHubOpts(t, hub.Options{Middlewares: []hub.Middleware{mw}})
	c := connect(t, h, "c1")
	c.request("PersonVM", `{"$vmArg":{"FirstName":"Ann"},"$headers":{"Authorization":"Bearer a"}}`)
	c.update("PersonVM", `{"FirstName":"Bob"}`)
	c.update("PersonVM", `{"$headers":{"Authorization":"Bearer b"}}`) // only headers: the pipeline stops
	c.update("PersonVM", `{"$headers":{"Authorization":"Bearer c"},"Count":2}`)
	c.dispose("PersonVM")
	want := []string{
		`Request_VM PersonVM {"FirstName":"Ann"} h=Bearer a`,
		`Response_VM PersonVM {"Person":{"FirstName":"","LastName":""},"FirstName":"Ann","Count":0,"Employees":[],"Employees_itemKey":"Id","Tags":{},"Hook":null,"FullName":"Ann!","Add":null,"Boom":null,"Fail":null,"Increment":null} h=Bearer a`,
		`Update_VM PersonVM {"FirstName":"Bob"} h=Bearer a`,
		`Response_VM PersonVM {"FullName":"Bob!"} h=Bearer a`,
		`Update_VM PersonVM {"Count":2} h=Bearer c`,
		`Dispose_VM PersonVM  h=Bearer c`,
	}
	if got := tr.get(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMiddlewareRewritesHaltsAndFails(t *testing.T) {
	mw := func(x *hub.Context, next func() error) error {
		switch {
		case x.CallType == hub.RequestVM && x.VMID == "PersonVM":
			x.Data = json.RawMessage(`{"FirstName":"Rewritten"}`)
		case x.CallType == hub.UpdateVM && strings.Contains(string(x.Data), "halt"):
			return nil
		case x.CallType == hub.UpdateVM && strings.Contains(string(x.Data), "fail"):
			return &vm.Exception{Type: "UnauthorizedAccessException", Message: "no"}
		case x.CallType == hub.UpdateVM && strings.Contains(string(x.Data), "panic"):
			panic("mw")
		case x.CallType == hub.UpdateVM:
			x.Data = json.RawMessage(strings.ReplaceAll(string(x.Data), "bob", "BOB"))
		}
		return next()
	}
	h := newHubOpts(t, hub.Options{Middlewares: []hub.Middleware{hub.LogMiddleware(slog.New(slog.NewTextHandler(new(bytes.Buffer), nil))), mw}})
	c := connect(t, h, "c1")
	c.request("PersonVM", `{"$vmArg":{"FirstName":"Ann"}}`)
	f := c.rec.waitFor(t, "state", func(frame) bool { return true })
	if f.Data["FirstName"] != "Rewritten" {
		t.Fatalf("state %s", f.Raw)
	}
	c.update("PersonVM", `{"FirstName":"halt"}`)
	c.update("PersonVM", `{"FirstName":"fail"}`)
	f = c.rec.waitFor(t, "exception", func(frame) bool { return true })
	if f.Data["ExceptionType"] != "UnauthorizedAccessException" || f.Data["Message"] != "no" {
		t.Fatalf("exception %s", f.Raw)
	}
	c.update("PersonVM", `{"FirstName":"panic"}`)
	f = c.rec.waitFor(t, "panic", func(frame) bool { return true })
	if f.Data["ExceptionType"] != "Exception" {
		t.Fatalf("panic %s", f.Raw)
	}
	c.update("PersonVM", `{"FirstName":"bob"}`) // rewritten by the middleware: the VM sees BOB
	f = c.rec.waitFor(t, "reaction", func(frame) bool { return true })
	if f.Data["FullName"] != "BOB!" {
		t.Fatalf("reaction %s", f.Raw)
	}
	if fs := c.rec.take(); len(fs) != 0 {
		t.Fatalf("halted call sent %v", fs)
	}
}

// guardFilter refuses GuardedVM unless the headers say "ok", on every call
// including pushes.
func guardFilter(calls *trace) hub.Filter {
	return func(x *hub.Context, v vm.VM, next func() error) error {
		if _, ok := v.(interface{ guarded() }); !ok {
			return next()
		}
		calls.add(string(x.CallType))
		if x.Header("Token") != "ok" {
			return &vm.Exception{Type: "UnauthorizedAccessException", Message: "Attempted to perform an unauthorized operation."}
		}
		return next()
	}
}

func TestFilterGuardsRequestAndPushes(t *testing.T) {
	var calls trace
	h := newHubOpts(t, hub.Options{Filters: []hub.Filter{guardFilter(&calls)}})
	c := connect(t, h, "c1")

	// Refused: no state, no VM kept, OnCreated never ran.
	c.request("GuardedVM", `{"$headers":{"Token":"bad"}}`)
	f := c.rec.waitFor(t, "refusal", func(frame) bool { return true })
	if f.Data["ExceptionType"] != "UnauthorizedAccessException" || len(f.Data) != 2 {
		t.Fatalf("refusal %s", f.Raw)
	}
	if s := h.Stats(); s.VMs != 0 {
		t.Fatalf("refused VM kept: %+v", s)
	}
	// Other VMs are not filtered.
	c.request("PersonVM", `{}`)
	c.rec.waitFor(t, "person", func(f frame) bool { return f.VMID == "PersonVM" })

	c.request("GuardedVM", `{"$headers":{"Token":"ok"}}`)
	c.rec.waitFor(t, "state", func(f frame) bool { return f.VMID == "GuardedVM" && f.Data["N"] != nil })
	c.rec.waitFor(t, "push", func(f frame) bool { return f.VMID == "GuardedVM" && f.Data["N"].(float64) > 0 })

	// The "token" goes bad: pushes stop with one exception, not a flood.
	c.update("GuardedVM", `{"$headers":{"Token":"expired"}}`)
	c.rec.waitFor(t, "push refused", func(f frame) bool { return f.Data["ExceptionType"] != nil })
	time.Sleep(60 * time.Millisecond)
	var after []frame
	for _, f := range c.rec.take() {
		if f.Data["ExceptionType"] != nil {
			t.Fatalf("exception again: %s", f.Raw)
		}
		after = append(after, f)
	}
	if len(after) > 1 { // at most one push may have been in flight before the refusal
		t.Fatalf("pushes after refusal: %v", after)
	}
	// Refreshed: pushes continue.
	c.update("GuardedVM", `{"$headers":{"Token":"ok"}}`)
	c.rec.waitFor(t, "push again", func(f frame) bool { return f.VMID == "GuardedVM" && f.Data["N"] != nil })
	got := strings.Join(calls.get(), ",")
	if !strings.HasPrefix(got, "Request_VM,Request_VM,Response_VM") {
		t.Fatalf("filter calls %s", got)
	}
	c.c.Close()
	if s := h.Stats(); s.VMs != 0 {
		t.Fatalf("stats after close %+v", s)
	}
}

func TestFilterHaltSendsNothing(t *testing.T) {
	halt := func(x *hub.Context, v vm.VM, next func() error) error {
		if x.CallType == hub.RequestVM {
			return nil
		}
		return next()
	}
	h := newHubOpts(t, hub.Options{Filters: []hub.Filter{halt}})
	c := connect(t, h, "c1")
	c.request("PersonVM", `{}`)
	c.request("Room", `{}`)
	time.Sleep(20 * time.Millisecond)
	if fs := c.rec.take(); len(fs) != 0 {
		t.Fatalf("halted request sent %v", fs)
	}
	if s := h.Stats(); s.VMs != 0 {
		t.Fatalf("halted request kept a VM: %+v", s)
	}
}

func TestMulticastResponsePipelineOnce(t *testing.T) {
	var tr trace
	mw := func(x *hub.Context, next func() error) error {
		if x.CallType == hub.ResponseVM && x.VMID == "Room" {
			tr.add(x.Client.ID() + " " + string(x.Data))
		}
		return next()
	}
	h := newHubOpts(t, hub.Options{Middlewares: []hub.Middleware{mw}})
	a, b, c := connect(t, h, "a"), connect(t, h, "b"), connect(t, h, "c")
	for _, x := range []*client{a, b, c} {
		x.request("Room", `{}`)
		x.rec.waitFor(t, "state", func(frame) bool { return true })
	}
	n := len(tr.get())
	a.update("Room", `{"Say":"hi"}`)
	b.rec.waitFor(t, "broadcast", func(f frame) bool { return f.Data["Messages_add"] == "hi" })
	c.rec.waitFor(t, "broadcast", func(f frame) bool { return f.Data["Messages_add"] == "hi" })
	got := tr.get()[n:]
	// The reaction to a, and the broadcast once (in a's context).
	if len(got) != 2 || !strings.HasPrefix(got[0], "a ") || !strings.HasPrefix(got[1], "a ") {
		t.Fatalf("response pipeline runs: %q", got)
	}
}

func TestLimits(t *testing.T) {
	h := newHubOpts(t, hub.Options{MaxDepth: 4, MaxVMsPerConn: 2, MessagesPerSecond: 5, MessageBurst: 8})
	c := connect(t, h, "c1")
	c.request("PersonVM", `{"$vmArg":{"Tags":{"a":[[[1]]]}}}`)
	f := c.rec.waitFor(t, "depth", func(frame) bool { return true })
	if f.Data["ExceptionType"] != "InvalidOperationException" || !strings.Contains(f.Data["Message"].(string), "MaxDepth") {
		t.Fatalf("depth %s", f.Raw)
	}
	c.request("PersonVM", `{"$vmArg":{"Tags":{"a":"[[[[[[\"in a string\"]]]]]]"}}}`)
	c.rec.waitFor(t, "state", func(f frame) bool { return f.Data["FullName"] != nil })
	c.request("Ticker", `{}`)
	c.rec.waitFor(t, "ticker", func(f frame) bool { return f.VMID == "Ticker" })
	c.request("Room", `{}`)
	f = c.rec.waitFor(t, "vms", func(f frame) bool { return f.VMID == "Room" })
	if !strings.Contains(f.Data["Message"].(string), "MaxVMsPerConn") {
		t.Fatalf("vms %s", f.Raw)
	}
	// The bucket (8, minus the 4 requests) runs dry: one exception, then silence.
	for range 20 {
		c.update("PersonVM", `{"Increment":null}`)
	}
	time.Sleep(20 * time.Millisecond)
	var limited, counts int
	for _, f := range c.rec.take() {
		if m, _ := f.Data["Message"].(string); strings.Contains(m, "MessagesPerSecond") {
			limited++
		} else if f.VMID == "PersonVM" {
			counts++
		}
	}
	if limited != 1 || counts < 4 || counts > 6 {
		t.Fatalf("rate limit: %d exceptions, %d reactions", limited, counts)
	}
	// Another connection is not disturbed.
	d := connect(t, h, "d")
	d.request("PersonVM", `{}`)
	d.rec.waitFor(t, "state", func(f frame) bool { return f.Data["FullName"] != nil })
	// After a pause the client is served again.
	time.Sleep(300 * time.Millisecond)
	c.update("PersonVM", `{"Increment":null}`)
	c.rec.waitFor(t, "served again", func(f frame) bool { return f.Data["Count"] != nil })
}
