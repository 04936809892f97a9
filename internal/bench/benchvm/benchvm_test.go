package benchvm

import (
	"context"
	"testing"

	"github.com/gonetify/gonetify/internal/vmrt"
)

// TestAppendTick checks that the baseline's hand-encoded tick is the bytes
// the vm runtime sends.
func TestAppendTick(t *testing.T) {
	v := &PushVM{IntervalMs: 1000}
	inst, err := vmrt.Wrap(context.Background(), Push, v)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Dispose()
	for range 13 {
		_ = inst.Do(func() error { v.tick(); return nil })
	}
	ch, err := inst.TakeChanges()
	if err != nil {
		t.Fatal(err)
	}
	got, want := string(vmrt.EncodeChanges(ch, nil)), string(AppendTick(nil, v.T, v.Seq))
	if got != want {
		t.Fatalf("runtime %s, AppendTick %s", got, want)
	}
	if _, err := InitialState(Unicast); err != nil {
		t.Fatal(err)
	}
}
