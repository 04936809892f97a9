package cluster

import (
	"crypto/rand"
	"sync"
)

// Acks are the messages this server handed to another server and waits
// for: each gets an id, which the server that handled the message
// publishes as the event "ack <id>". The zero value is ready to use; it is
// safe for concurrent use.
type Acks struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

// New returns a fresh id and a channel closed when [Acks.Done] is called
// with it. Call [Acks.Forget] when no longer waiting.
func (a *Acks) New() (id string, done <-chan struct{}) {
	id = rand.Text()
	ch := make(chan struct{})
	a.mu.Lock()
	if a.m == nil {
		a.m = map[string]chan struct{}{}
	}
	a.m[id] = ch
	a.mu.Unlock()
	return id, ch
}

// Done wakes the waiter of id and reports whether it is on this server.
func (a *Acks) Done(id string) bool {
	a.mu.Lock()
	ch := a.m[id]
	delete(a.m, id)
	a.mu.Unlock()
	if ch != nil {
		close(ch)
	}
	return ch != nil
}

// Forget drops id: its waiter gave up, or was woken.
func (a *Acks) Forget(id string) {
	a.mu.Lock()
	delete(a.m, id)
	a.mu.Unlock()
}
