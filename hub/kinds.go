package hub

import (
	"github.com/gonetify/gonetify/vm"
)

// IsMulticast reports whether the VMs registered as typeName are multicast
// (one instance shared by its connections), as known from their type at
// registration. Unknown types are not multicast.
func (h *Hub) IsMulticast(typeName string) bool {
	mc, _ := h.reg.Multicast(typeName)
	return mc
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
