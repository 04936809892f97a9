package hub

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gonetify/gonetify/vm"
)

// SnapshotStore keeps the public state of VMs so that a VM re-created after
// a restart, or on another server, resumes where it was (see
// Options.Snapshots). Keys are opaque strings made by the hub.
type SnapshotStore interface {
	// SaveSnapshots writes a batch of states (JSON objects) by key.
	SaveSnapshots(ctx context.Context, states map[string][]byte) error
	// LoadSnapshot returns the state saved under key, or nil.
	LoadSnapshot(ctx context.Context, key string) ([]byte, error)
	// DeleteSnapshots forgets keys (their VMs were disposed).
	DeleteSnapshots(ctx context.Context, keys []string) error
}

// snapshotter batches the VMs whose state changed and writes their full
// state in the background; when the store fails it keeps them and retries.
type snapshotter struct {
	st    SnapshotStore
	log   *slog.Logger
	delay time.Duration

	mu      sync.Mutex
	dirty   map[string]*vm.Instance
	deleted map[string]bool
	failing bool
	wake    chan struct{}
	idle    *sync.Cond // signalled when a write round ends
	busy    bool
	keep    bool // shutting down: disposed VMs keep their snapshots
}

func newSnapshotter(st SnapshotStore, log *slog.Logger, delay time.Duration) *snapshotter {
	if delay <= 0 {
		delay = 100 * time.Millisecond
	}
	s := &snapshotter{st: st, log: log, delay: delay, dirty: map[string]*vm.Instance{}, deleted: map[string]bool{}, wake: make(chan struct{}, 1)}
	s.idle = sync.NewCond(&s.mu)
	go s.loop()
	return s
}

func (s *snapshotter) mark(key string, inst *vm.Instance) {
	s.mu.Lock()
	s.dirty[key] = inst
	delete(s.deleted, key)
	s.mu.Unlock()
	s.poke()
}

func (s *snapshotter) drop(key string) {
	s.mu.Lock()
	if s.keep {
		s.mu.Unlock()
		return
	}
	delete(s.dirty, key)
	s.deleted[key] = true
	s.mu.Unlock()
	s.poke()
}

func (s *snapshotter) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *snapshotter) load(key string) []byte {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := s.st.LoadSnapshot(ctx, key)
	if err != nil {
		s.log.Warn("snapshot not loaded: the view model starts from its arguments", "key", key, "err", err)
		return nil
	}
	return b
}

func (s *snapshotter) loop() {
	backoff := s.delay
	for range s.wake {
		time.Sleep(s.delay) // gather a batch
		if s.write() {
			backoff = s.delay
			continue
		}
		time.Sleep(backoff)
		backoff = min(backoff*2, 5*time.Second)
		s.poke()
	}
}

// write saves one batch; false when the store failed (the batch is kept).
func (s *snapshotter) write() bool {
	s.mu.Lock()
	dirty, deleted := s.dirty, s.deleted
	s.dirty, s.deleted = map[string]*vm.Instance{}, map[string]bool{}
	s.busy = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.busy = false
		s.idle.Broadcast()
		s.mu.Unlock()
	}()
	states := make(map[string][]byte, len(dirty))
	for key, inst := range dirty {
		if st, err := inst.FullState(); err == nil {
			states[key] = st
		}
	}
	var dels []string
	for key := range deleted {
		dels = append(dels, key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	if len(states) > 0 {
		err = s.st.SaveSnapshots(ctx, states)
	}
	if err == nil && len(dels) > 0 {
		err = s.st.DeleteSnapshots(ctx, dels)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		// Keep what was not written, unless newer news came meanwhile.
		for key, inst := range dirty {
			if _, newer := s.dirty[key]; !newer && !s.deleted[key] {
				s.dirty[key] = inst
			}
		}
		for _, key := range dels {
			if _, revived := s.dirty[key]; !revived {
				s.deleted[key] = true
			}
		}
		if !s.failing {
			s.log.Error("view model snapshots not saved: the store is unreachable; serving from memory and retrying", "pending", len(s.dirty)+len(s.deleted), "err", err)
		}
		s.failing = true
		return false
	}
	if s.failing {
		s.log.Info("view model snapshots saved again: the store is back", "saved", len(states), "deleted", len(dels))
	}
	s.failing = false
	return true
}

// flush writes what is pending now and waits for it, bounded by ctx.
func (s *snapshotter) flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.mu.Lock()
		for s.busy {
			s.idle.Wait()
		}
		s.mu.Unlock()
		s.write()
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// FlushSnapshots writes the pending VM snapshots now (on a graceful
// shutdown). It does nothing without Options.Snapshots.
func (h *Hub) FlushSnapshots(ctx context.Context) error {
	if h.snaps == nil {
		return nil
	}
	return h.snaps.flush(ctx)
}

// KeepSnapshots makes the VMs disposed from now on keep their snapshots,
// for a graceful shutdown: the transports then close their connections,
// which disposes their VMs, but the clients will be back (on the restarted
// server, or another), and their VMs should resume where they were. Call it
// before closing the transports, and [Hub.FlushSnapshots] after. It cannot
// be undone; it does nothing without Options.Snapshots.
func (h *Hub) KeepSnapshots() {
	if h.snaps == nil {
		return
	}
	h.snaps.mu.Lock()
	h.snaps.keep = true
	h.snaps.mu.Unlock()
}

// snapKey is the snapshot key of a connection's VM, or "" when its state
// is not kept (a connection whose id dies with the socket).
func (c *Conn) snapKey(e *entry) string {
	if c.h.snaps == nil {
		return ""
	}
	if e.group != nil {
		return e.group.snapKey()
	}
	if !c.info.Persistent {
		return ""
	}
	return "vm/" + c.info.ID + "/" + e.id.Full
}

func (g *group) snapKey() string {
	if g.h.snaps == nil {
		return ""
	}
	return "mc/" + g.key + "/" + g.name
}

// stateChanged notes that a VM's state changed, for its snapshot.
func (c *Conn) stateChanged(e *entry) {
	if key := c.snapKey(e); key != "" {
		c.h.snaps.mark(key, e.inst)
	}
}

// restoreSnapshot applies a saved state to a VM just created.
func (h *Hub) restoreSnapshot(key string, inst *vm.Instance) {
	if key == "" {
		return
	}
	if st := h.snaps.load(key); st != nil {
		if err := inst.RestoreState(st); err != nil {
			h.log.Warn("snapshot not applied: the view model starts from its arguments", "key", key, "err", err)
			return
		}
		h.log.Debug("view model state restored from its snapshot", "key", key)
	}
}
