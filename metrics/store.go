package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/store"
)

// Store operation labels (op) of gonetify_store_operations_total and
// gonetify_store_errors_total.
var (
	connectionOps = []string{"add_connection", "remove_connection", "connections", "add_vm", "remove_vm", "vms", "touch"}
	snapshotOps   = []string{"save_snapshots", "load_snapshot", "delete_snapshots"}
)

// opCounters are one store's counters by operation, resolved once.
type opCounters struct {
	ops, errs map[string]prometheus.Counter
}

func (m *Metrics) opCounters(storeName string, ops []string) opCounters {
	c := opCounters{ops: map[string]prometheus.Counter{}, errs: map[string]prometheus.Counter{}}
	for _, op := range ops {
		c.ops[op] = m.storeOps.WithLabelValues(storeName, op)
		c.errs[op] = m.storeErrs.WithLabelValues(storeName, op)
	}
	return c
}

// done counts one operation and returns its error unchanged.
func (c opCounters) done(op string, err error) error {
	c.ops[op].Inc()
	if err != nil {
		c.errs[op].Inc()
	}
	return err
}

// Store returns s counting its operations under store="connections". The
// series of every operation exist (at 0) from the start.
func (m *Metrics) Store(s store.Store) store.Store {
	return &instrumentedStore{s: s, c: m.opCounters("connections", connectionOps)}
}

type instrumentedStore struct {
	s store.Store
	c opCounters
}

func (i *instrumentedStore) AddConnection(ctx context.Context, connID string) error {
	return i.c.done("add_connection", i.s.AddConnection(ctx, connID))
}

func (i *instrumentedStore) RemoveConnection(ctx context.Context, connID string) error {
	return i.c.done("remove_connection", i.s.RemoveConnection(ctx, connID))
}

func (i *instrumentedStore) Connections(ctx context.Context) ([]string, error) {
	ids, err := i.s.Connections(ctx)
	return ids, i.c.done("connections", err)
}

func (i *instrumentedStore) AddVM(ctx context.Context, connID string, vm store.VMInfo) error {
	return i.c.done("add_vm", i.s.AddVM(ctx, connID, vm))
}

func (i *instrumentedStore) RemoveVM(ctx context.Context, connID, vmID string) error {
	return i.c.done("remove_vm", i.s.RemoveVM(ctx, connID, vmID))
}

func (i *instrumentedStore) VMs(ctx context.Context, connID string) ([]store.VMInfo, error) {
	vms, err := i.s.VMs(ctx, connID)
	return vms, i.c.done("vms", err)
}

func (i *instrumentedStore) Touch(ctx context.Context, connID string) error {
	return i.c.done("touch", i.s.Touch(ctx, connID))
}

// Snapshots returns s counting its operations under store="snapshots".
func (m *Metrics) Snapshots(s hub.SnapshotStore) hub.SnapshotStore {
	return &instrumentedSnapshots{s: s, c: m.opCounters("snapshots", snapshotOps)}
}

type instrumentedSnapshots struct {
	s hub.SnapshotStore
	c opCounters
}

func (i *instrumentedSnapshots) SaveSnapshots(ctx context.Context, states map[string][]byte) error {
	return i.c.done("save_snapshots", i.s.SaveSnapshots(ctx, states))
}

func (i *instrumentedSnapshots) LoadSnapshot(ctx context.Context, key string) ([]byte, error) {
	b, err := i.s.LoadSnapshot(ctx, key)
	return b, i.c.done("load_snapshot", err)
}

func (i *instrumentedSnapshots) DeleteSnapshots(ctx context.Context, keys []string) error {
	return i.c.done("delete_snapshots", i.s.DeleteSnapshots(ctx, keys))
}
