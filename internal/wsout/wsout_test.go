package wsout

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestPushFullAndClosed(t *testing.T) {
	done := make(chan struct{})
	q := New(2, done)
	if q.Cap() != 2 {
		t.Fatalf("Cap = %d", q.Cap())
	}
	for i := range 2 {
		if err := q.Push([]byte{byte(i)}); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	if err := q.Push([]byte{2}); !errors.Is(err, ErrFull) {
		t.Fatalf("push into a full queue: %v, want ErrFull", err)
	}
	close(done)
	if err := q.Push([]byte{3}); !errors.Is(err, ErrClosed) {
		t.Fatalf("push after done: %v, want ErrClosed", err)
	}
	var got []byte
	if err := q.Flush(func(b []byte) error { got = append(got, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []byte{0, 1}) {
		t.Fatalf("flushed %v, want [0 1] in order", got)
	}
	if _, ok := q.TryPop(); ok {
		t.Fatal("TryPop on an empty queue")
	}
}

func TestRunWritesInOrderAndStopsOnDone(t *testing.T) {
	done := make(chan struct{})
	q := New(100, done)
	var mu sync.Mutex
	var got []byte
	wrote := make(chan struct{}, 100)
	ended := make(chan error, 1)
	go func() {
		ended <- q.Run(Writer{Write: func(b []byte) error {
			mu.Lock()
			got = append(got, b...)
			mu.Unlock()
			wrote <- struct{}{}
			return nil
		}})
	}()
	for i := range 50 {
		if err := q.Push([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		<-wrote
	}
	close(done)
	if err := <-ended; err != nil {
		t.Fatalf("Run after done: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, b := range got {
		if int(b) != i {
			t.Fatalf("message %d is %d: out of order", i, b)
		}
	}
}

func TestRunReturnsWriteError(t *testing.T) {
	q := New(1, make(chan struct{}))
	boom := errors.New("boom")
	if err := q.Push([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := q.Run(Writer{Write: func([]byte) error { return boom }}); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the write error", err)
	}
}

func TestRunPings(t *testing.T) {
	done := make(chan struct{})
	q := New(1, done)
	pings := make(chan struct{}, 10)
	ended := make(chan error, 1)
	go func() {
		ended <- q.Run(Writer{
			Write:        func([]byte) error { return nil },
			Ping:         func() error { pings <- struct{}{}; return nil },
			PingInterval: time.Millisecond,
		})
	}()
	for range 3 {
		select {
		case <-pings:
		case <-time.After(5 * time.Second):
			t.Fatal("no keepalive ping")
		}
	}
	close(done)
	if err := <-ended; err != nil {
		t.Fatal(err)
	}
	boom := errors.New("ping failed")
	err := New(1, make(chan struct{})).Run(Writer{
		Write:        func([]byte) error { return nil },
		Ping:         func() error { return boom },
		PingInterval: time.Millisecond,
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the ping error", err)
	}
}

func TestRunStop(t *testing.T) {
	stop := make(chan struct{})
	close(stop)
	err := New(1, make(chan struct{})).Run(Writer{Write: func([]byte) error { return nil }, Stop: stop})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("Run = %v, want ErrStopped", err)
	}
}
