package store_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonetify/gonetify/store"
)

// flaky is a memory store that fails while down is set.
type flaky struct {
	*store.Memory
	down atomic.Bool
}

var errDown = errors.New("connection refused")

func (f *flaky) AddConnection(ctx context.Context, id string) error {
	if f.down.Load() {
		return errDown
	}
	return f.Memory.AddConnection(ctx, id)
}

func (f *flaky) AddVM(ctx context.Context, c string, v store.VMInfo) error {
	if f.down.Load() {
		return errDown
	}
	return f.Memory.AddVM(ctx, c, v)
}

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestResilientReplaysAfterAnOutage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inner := &flaky{Memory: store.NewMemory()}
	logs := &logBuf{}
	r := store.NewResilient(ctx, inner, slog.New(slog.NewTextHandler(logs, nil)))
	if err := r.AddConnection(ctx, "a="); err != nil {
		t.Fatal(err)
	}
	inner.down.Store(true)
	for _, id := range []string{"b=", "c="} {
		if err := r.AddConnection(ctx, id); err != nil {
			t.Fatalf("a write during the outage failed: %v", err)
		}
		if err := r.AddVM(ctx, id, store.VMInfo{VMID: "ChatRoomVM", VMArgs: "{}"}); err != nil {
			t.Fatal(err)
		}
	}
	if r.Pending() != 4 {
		t.Fatalf("pending %d, want 4", r.Pending())
	}
	inner.down.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for r.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	conns, _ := inner.Connections(ctx)
	if strings.Join(conns, ",") != "a=,b=,c=" {
		t.Fatalf("after the outage the store has %v", conns)
	}
	if vms, _ := inner.VMs(ctx, "c="); len(vms) != 1 {
		t.Fatalf("VM writes not replayed: %v", vms)
	}
	for _, want := range []string{"shared store unreachable", "shared store reachable again"} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("log lacks %q:\n%s", want, logs)
		}
	}
}
