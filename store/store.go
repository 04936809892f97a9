// Package store keeps what outlives one request in API Gateway mode: the
// live connections (dotNetify's "$active" group), the VMs each holds with
// the arguments they were requested with.
//
// [Memory] is the default; a Redis implementation lets several servers, or
// a restarted one, share it.
package store

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"
)

// VMInfo is a VM a connection holds: its id and the raw vmArgs string it was
// requested with ($vmArg and $headers).
type VMInfo struct {
	VMID   string
	VMArgs string
}

// Store is the connection cache. Implementations are safe for
// concurrent use.
type Store interface {
	// AddConnection marks a connection live.
	AddConnection(ctx context.Context, connID string) error
	// RemoveConnection forgets a connection and its VMs.
	RemoveConnection(ctx context.Context, connID string) error
	// Connections lists the live connections.
	Connections(ctx context.Context) ([]string, error)
	// AddVM records that connID holds vmID (a vmID it already has is kept).
	AddVM(ctx context.Context, connID string, vm VMInfo) error
	// RemoveVM forgets vmID (and its sub-VMs "vmID.…") on connID.
	RemoveVM(ctx context.Context, connID, vmID string) error
	// VMs lists the VMs a connection holds.
	VMs(ctx context.Context, connID string) ([]VMInfo, error)
	// Touch refreshes a connection's expiry.
	Touch(ctx context.Context, connID string) error
}

// Memory is an in-process [Store]. Its zero value is ready to use.
type Memory struct {
	mu    sync.Mutex
	conns map[string][]VMInfo
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{} }

func (m *Memory) init() {
	if m.conns == nil {
		m.conns = map[string][]VMInfo{}
	}
}

// AddConnection implements [Store].
func (m *Memory) AddConnection(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if _, ok := m.conns[id]; !ok {
		m.conns[id] = nil
	}
	return nil
}

// RemoveConnection implements [Store].
func (m *Memory) RemoveConnection(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	delete(m.conns, id)
	return nil
}

// Connections implements [Store].
func (m *Memory) Connections(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.conns))
	for id := range m.conns {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// AddVM implements [Store].
func (m *Memory) AddVM(_ context.Context, connID string, vm VMInfo) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	for _, v := range m.conns[connID] {
		if v.VMID == vm.VMID {
			return nil
		}
	}
	m.conns[connID] = append(m.conns[connID], vm)
	return nil
}

// RemoveVM implements [Store].
func (m *Memory) RemoveVM(_ context.Context, connID, vmID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	vms, ok := m.conns[connID]
	if !ok {
		return nil
	}
	kept := vms[:0]
	for _, v := range vms {
		if v.VMID != vmID && !isSub(v.VMID, vmID) {
			kept = append(kept, v)
		}
	}
	m.conns[connID] = kept
	return nil
}

func isSub(id, master string) bool {
	return len(id) > len(master) && id[:len(master)] == master && id[len(master)] == '.'
}

// VMs implements [Store].
func (m *Memory) VMs(_ context.Context, connID string) ([]VMInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]VMInfo(nil), m.conns[connID]...), nil
}

// Touch implements [Store]; memory entries don't expire.
func (m *Memory) Touch(context.Context, string) error { return nil }

// Snapshots is an in-memory hub.SnapshotStore, for tests and single
// servers. Its zero value is ready to use.
type Snapshots struct {
	mu sync.Mutex
	m  map[string][]byte
}

// SaveSnapshots stores the states by key.
func (s *Snapshots) SaveSnapshots(_ context.Context, states map[string][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	for k, v := range states {
		s.m[k] = append([]byte(nil), v...)
	}
	return nil
}

// LoadSnapshot returns the state saved under key, or nil.
func (s *Snapshots) LoadSnapshot(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

// DeleteSnapshots forgets keys.
func (s *Snapshots) DeleteSnapshots(_ context.Context, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.m, k)
	}
	return nil
}

// Keys lists the saved keys, sorted.
func (s *Snapshots) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.m))
	for k := range s.m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Record notes in st what a client message changes about its connection:
// a request adds the VM (with its raw vmArgs, given as the JSON string the
// client sent or as an object), an update refreshes the connection's
// expiry, a dispose removes the VM. Other call types change nothing.
func Record(ctx context.Context, st Store, connID, callType, vmID string, vmArgs json.RawMessage) error {
	switch strings.ToLower(callType) {
	case "request_vm":
		args := string(vmArgs)
		var s string
		if json.Unmarshal(vmArgs, &s) == nil {
			args = s
		}
		return st.AddVM(ctx, connID, VMInfo{VMID: vmID, VMArgs: args})
	case "update_vm":
		return st.Touch(ctx, connID)
	case "dispose_vm":
		return st.RemoveVM(ctx, connID, vmID)
	}
	return nil
}
