package hub

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gonetify/gonetify/internal/vmrt"
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

// snapshotter writes the state of VMs to the store. By default a state is
// written before the frame that tells a client of it leaves (commit
// waits); the states committed while a write is in flight are written
// together in the next one (group commit). With async, commit returns at
// once and batches are written in the background. When the store fails,
// the states are kept and retried, and commit no longer waits until the
// store is back (the outage is logged).
type snapshotter struct {
	st    SnapshotStore
	log   *slog.Logger
	delay time.Duration
	async bool

	mu      sync.Mutex
	dirty   map[string][]byte // states to write, by key
	deleted map[string]bool
	next    *round // the round the pending states go in; nil: none yet
	failing bool
	wake    chan struct{}
	hurry   chan struct{} // a flush waits: don't gather a batch
	stop    chan struct{} // closed by close: the loop ends
	stopped chan struct{} // closed when the loop has ended
	keep    bool          // shutting down: disposed VMs keep their snapshots
	closed  bool          // after close: nothing more is written
}

// round is one write; done is closed when it ended (written or failed).
type round struct{ done chan struct{} }

func newSnapshotter(st SnapshotStore, log *slog.Logger, delay time.Duration, async bool) *snapshotter {
	if delay <= 0 {
		delay = 100 * time.Millisecond
	}
	s := &snapshotter{st: st, log: log, delay: delay, async: async, dirty: map[string][]byte{}, deleted: map[string]bool{},
		wake: make(chan struct{}, 1), hurry: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go s.loop()
	return s
}

// commit stores state under key and, unless async or the store is down,
// waits until it is written.
func (s *snapshotter) commit(key string, state []byte) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.log.Debug("view model snapshot not saved: the hub is closed", "key", key)
		return
	}
	s.dirty[key] = state
	delete(s.deleted, key)
	var r *round
	if !s.async && !s.failing {
		r = s.pending()
	}
	s.mu.Unlock()
	s.poke()
	if r != nil {
		<-r.done
	}
}

// pending returns the round the states pending now will be written in.
// s.mu is held.
func (s *snapshotter) pending() *round {
	if s.next == nil {
		s.next = &round{done: make(chan struct{})}
	}
	return s.next
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
	defer close(s.stopped)
	backoff := s.delay
	for {
		select {
		case <-s.stop:
			// A commit that came between close's flush and closed waits
			// for a round: write it before leaving.
			s.write()
			return
		case <-s.wake:
		}
		if s.async {
			s.sleep(s.delay) // gather a batch
		}
		if s.write() {
			backoff = s.delay
			continue
		}
		s.sleep(backoff)
		backoff = min(backoff*2, 5*time.Second)
		s.poke()
	}
}

// sleep waits d, or less if a flush waits or the snapshotter is closed.
func (s *snapshotter) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.hurry:
	case <-s.stop:
	}
}

// close writes what is pending (bounded by ctx) and stops the loop; later
// commits are not written.
func (s *snapshotter) close(ctx context.Context) error {
	err := s.flush(ctx)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return err
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	select {
	case <-s.stopped:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	return err
}

// write saves one batch; false when the store failed (the batch is kept).
// It ends the round the batch belongs to either way.
func (s *snapshotter) write() bool {
	s.mu.Lock()
	dirty, deleted, r := s.dirty, s.deleted, s.next
	s.dirty, s.deleted, s.next = map[string][]byte{}, map[string]bool{}, nil
	s.mu.Unlock()
	if r != nil {
		defer close(r.done)
	}
	if len(dirty) == 0 && len(deleted) == 0 {
		return true
	}
	var dels []string
	for key := range deleted {
		dels = append(dels, key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	if len(dirty) > 0 {
		err = s.st.SaveSnapshots(ctx, dirty)
	}
	if err == nil && len(dels) > 0 {
		err = s.st.DeleteSnapshots(ctx, dels)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		// Keep what was not written, unless newer news came meanwhile.
		for key, st := range dirty {
			if _, newer := s.dirty[key]; !newer && !s.deleted[key] {
				s.dirty[key] = st
			}
		}
		for _, key := range dels {
			if _, revived := s.dirty[key]; !revived {
				s.deleted[key] = true
			}
		}
		if !s.failing {
			s.log.Error("view model snapshots not saved: the store is unreachable; serving from memory and retrying (changes made until it is back are lost if this server crashes)", "pending", len(s.dirty)+len(s.deleted), "err", err)
		}
		s.failing = true
		return false
	}
	if s.failing {
		s.log.Info("view model snapshots saved again: the store is back", "saved", len(dirty), "deleted", len(dels))
	}
	s.failing = false
	return true
}

// flush writes what is pending now and waits for it, bounded by ctx.
func (s *snapshotter) flush(ctx context.Context) error {
	s.mu.Lock()
	if len(s.dirty) == 0 && len(s.deleted) == 0 && s.next == nil {
		s.mu.Unlock()
		return nil
	}
	r := s.pending()
	s.mu.Unlock()
	s.poke()
	select {
	case s.hurry <- struct{}{}:
	default:
	}
	select {
	case <-r.done:
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

// Close ends the hub's background work, for a graceful shutdown once the
// transports are shut down: the pending snapshots are written, bounded by
// ctx, and the snapshot writer stops. Disposed VMs keep their snapshots
// from then on (as with [Hub.KeepSnapshots]). Connections still open
// (API Gateway's, whose clients stay connected to the gateway while the
// server restarts) are left as they are: their VMs resume from their
// snapshots on the next server. Nothing is saved after Close. Calling it
// again does nothing.
func (h *Hub) Close(ctx context.Context) error {
	h.KeepSnapshots()
	if h.snaps == nil {
		return nil
	}
	return h.snaps.close(ctx)
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
func (c *Client) snapKey(e *entry) string {
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

// restoreSnapshot applies a saved state to a VM just created.
func (h *Hub) restoreSnapshot(key string, inst vmrt.Instance) {
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
