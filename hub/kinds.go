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
