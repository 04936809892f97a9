package hub

import (
	"context"

	"github.com/gonetify/gonetify/vm"
)

// IsMulticast reports whether the VMs registered as typeName are multicast
// (one instance shared by its connections). The first time a type is asked
// about before any was requested, one instance is made and disposed to find
// out. Unknown types are not multicast.
func (h *Hub) IsMulticast(typeName string) bool {
	if v, ok := h.kinds.Load(typeName); ok {
		return v.(bool)
	}
	inst, err := h.reg.New(context.Background(), typeName, vm.ParseID(typeName))
	if err != nil {
		return false
	}
	m := inst.Multicast()
	inst.Dispose()
	h.learnType(typeName, m)
	return m
}

// SharedKey returns the key under which a message for vmID must go to the
// one server that owns it when several share their VMs (package cluster):
// "<Type>$<instance>" for a multicast VM that has no master, else "" (any
// server may serve it).
func (h *Hub) SharedKey(vmID string) string {
	id := vm.ParseID(vmID)
	if id.Master != "" || !h.IsMulticast(id.Type) {
		return ""
	}
	return id.Type + "$" + id.Instance
}
