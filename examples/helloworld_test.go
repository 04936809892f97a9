package examples

import (
	"testing"
	"time"
)

func TestHelloWorld(t *testing.T) {
	h := newHub(t, quiet)
	c := connect(t, h, "c1", "127.0.0.1:1000")

	s := c.request("HelloWorldVM", nil)
	keys(t, s, "FirstName", "LastName", "FullName")
	eq(t, "FirstName", get[string](t, s, "FirstName"), "Hello")
	eq(t, "LastName", get[string](t, s, "LastName"), "World")
	eq(t, "FullName", get[string](t, s, "FullName"), "Hello World")

	// Echo suppression: only the reaction comes back.
	d := only(t, c.dispatch("HelloWorldVM", map[string]any{"FirstName": "John"}), "HelloWorldVM")
	keys(t, d, "FullName")
	eq(t, "FullName", get[string](t, d, "FullName"), "John World")
	d = only(t, c.dispatch("HelloWorldVM", map[string]any{"LastName": "Doe"}), "HelloWorldVM")
	eq(t, "FullName", get[string](t, d, "FullName"), "John Doe")

	// Unknown paths are ignored: no frame at all.
	if f := c.dispatch("HelloWorldVM", map[string]any{"NoSuchProp": 1}); len(f) != 0 {
		t.Fatalf("unexpected %s", dump(f))
	}

	c.dispose("HelloWorldVM")
	waitVMs(t, h, 0)
}

func TestGreeting(t *testing.T) {
	h := newHub(t, quiet)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	s := c.request("GreetingVM", nil)
	keys(t, s, "Greetings", "Submit")
	eq(t, "Greetings", get[string](t, s, "Greetings"), "Hello World!")
	eq(t, "Submit", string(s["Submit"]), "null")
	d := only(t, c.dispatch("GreetingVM", map[string]any{"Submit": map[string]string{"FirstName": "Ada", "LastName": "Byron"}}), "GreetingVM")
	keys(t, d, "Greetings")
	eq(t, "Greetings", get[string](t, d, "Greetings"), "Hello Ada Byron!")
	c.dispose("GreetingVM")
	waitVMs(t, h, 0)
}

func TestServerTimePush(t *testing.T) {
	before := countGoroutines()
	opts := quiet
	opts.ServerTimeInterval = 20 * time.Millisecond
	h := newHub(t, opts)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	s := c.request("ServerTimeVM", nil)
	keys(t, s, "ServerTime")
	if st := get[time.Time](t, s, "ServerTime"); time.Since(st) > time.Minute {
		t.Fatalf("ServerTime %v", st)
	}
	frames := c.wait(2, 5*time.Second)
	for _, f := range frames[:2] {
		eq(t, "vmId", f.VMID, "ServerTimeVM")
		keys(t, f.Data, "ServerTime")
	}
	c.dispose("ServerTimeVM")
	waitVMs(t, h, 0)
	waitGoroutines(t, before) // the timer stopped
	c.take()
	time.Sleep(60 * time.Millisecond)
	if f := c.take(); len(f) != 0 {
		t.Fatalf("push after dispose: %s", dump(f))
	}
}
