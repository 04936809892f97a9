// Package wsout is the outgoing side of a connection, shared by the
// transports (transport/ws, transport/signalr and the gateway emulator): a
// bounded queue that never blocks the sender, and the writer loop that
// drains it in order and sends keepalive pings.
//
// The queue does not own the connection's end: it watches a done channel
// the transport closes, so each transport keeps its own closing rules
// (close codes, a last record, flushing) and decides what a full queue
// means (transport/ws closes the connection with 1008).
package wsout

import (
	"errors"
	"time"
)

// ErrFull is returned by [Queue.Push] when the queue is full: the client
// reads too slowly.
var ErrFull = errors.New("send queue full")

// ErrClosed is returned by [Queue.Push] once the connection's done channel
// is closed; the message is dropped.
var ErrClosed = errors.New("connection closed")

// Queue is a connection's bounded queue of outgoing messages.
type Queue struct {
	q    chan []byte
	done <-chan struct{}
}

// New returns a queue holding up to size messages (at least 1) for a
// connection that ends when done is closed.
func New(size int, done <-chan struct{}) *Queue {
	return &Queue{q: make(chan []byte, max(size, 1)), done: done}
}

// Push queues b without blocking: [ErrClosed] once done is closed,
// [ErrFull] when the queue is full.
func (q *Queue) Push(b []byte) error {
	select {
	case <-q.done:
		return ErrClosed
	default:
	}
	select {
	case q.q <- b:
		return nil
	default:
		return ErrFull
	}
}

// C returns the queue's channel, for a writer that waits on other events
// too (a long poll) instead of running [Queue.Run].
func (q *Queue) C() <-chan []byte { return q.q }

// Cap returns the queue's capacity.
func (q *Queue) Cap() int { return cap(q.q) }

// TryPop returns the oldest queued message, if any, without blocking.
func (q *Queue) TryPop() ([]byte, bool) {
	select {
	case b := <-q.q:
		return b, true
	default:
		return nil, false
	}
}

// Flush writes every queued message, in order, until the queue is empty or
// write fails.
func (q *Queue) Flush(write func([]byte) error) error {
	for {
		b, ok := q.TryPop()
		if !ok {
			return nil
		}
		if err := write(b); err != nil {
			return err
		}
	}
}

// Writer is what [Queue.Run] does with the queue.
type Writer struct {
	// Write sends one message (it may take more with TryPop to send a
	// batch). An error ends Run.
	Write func(b []byte) error
	// Ping, if set, is called every PingInterval; an error ends Run.
	Ping         func() error
	PingInterval time.Duration
	// Stop, if set, also ends Run, which then returns [ErrStopped] (the
	// request carrying the stream was cancelled).
	Stop <-chan struct{}
}

// ErrStopped is returned by [Queue.Run] when [Writer.Stop] is closed.
var ErrStopped = errors.New("writer stopped")

// Run is the writer loop: it writes queued messages in order and pings,
// until done is closed (it returns nil; what is still queued stays there,
// for [Queue.Flush]) or a write or ping fails (it returns that error).
func (q *Queue) Run(w Writer) error {
	var tick <-chan time.Time
	if w.Ping != nil && w.PingInterval > 0 {
		t := time.NewTicker(w.PingInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case b := <-q.q:
			if err := w.Write(b); err != nil {
				return err
			}
		case <-tick:
			if err := w.Ping(); err != nil {
				return err
			}
		case <-w.Stop:
			return ErrStopped
		case <-q.done:
			return nil
		}
	}
}
