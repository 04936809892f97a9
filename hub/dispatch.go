package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Target selects the VMs a server-side [Hub.Dispatch] reaches (dotNetify
// users' "push from a controller"). Empty fields match anything; they
// combine with AND.
type Target struct {
	// VMType is the registered name of the VMs (the vmId's type part, as
	// "ChatRoomVM"); "" for every type.
	VMType string `json:"vmType,omitempty"`
	// ConnID limits the dispatch to one connection's VMs (and the
	// multicast VMs it shares).
	ConnID string `json:"connId,omitempty"`
	// User limits it to the connections whose identity (Conn.Principal,
	// set by the auth middleware: the token's name claim, else sub) has
	// this Name.
	User string `json:"user,omitempty"`
	// Group limits multicast VMs to the instances of this group name
	// (vm.GroupNamer); unicast VMs never match a Group.
	Group string `json:"group,omitempty"`
}

// Dispatch applies values to every VM of this server that target selects,
// as a client's $dispatch would (property values, setters, commands, in
// the order of the object), and pushes what changed to their clients. It
// may also call the VMs' exported methods that are not declared commands
// (server-only commands, which no client can call). A
// multicast VM is reached once however many of its members match. ctx is
// given to commands; it carries no client connection
// (vm.ConnFromContext returns nil). It returns how many VM instances were
// reached; an error of one VM does not stop the others and the first is
// returned. With several servers (package cluster), publish the dispatch
// with [EncodeDispatch] so each applies it to the VMs it holds.
func (h *Hub) Dispatch(ctx context.Context, target Target, values map[string]any) (int, error) {
	raw, err := json.Marshal(values)
	if err != nil {
		return 0, fmt.Errorf("hub: dispatch values: %w", err)
	}
	entries, err := orderedObject(raw)
	if err != nil {
		return 0, err
	}
	type hit struct {
		c *Client
		e *entry
	}
	var hits []hit
	seen := map[*group]bool{}
	for _, c := range h.connList() {
		if target.ConnID != "" && c.info.ID != target.ConnID {
			continue
		}
		if target.User != "" && c.userName() != target.User {
			continue
		}
		c.mu.Lock()
		for _, e := range c.vms {
			if target.VMType != "" && e.id.Type != target.VMType {
				continue
			}
			if e.group != nil {
				if seen[e.group] || (target.Group != "" && e.group.name != target.Group) {
					continue
				}
				seen[e.group] = true
			} else if target.Group != "" {
				continue
			}
			hits = append(hits, hit{c, e})
		}
		c.mu.Unlock()
	}
	var first error
	for _, x := range hits {
		if err := x.e.inst.ApplyServer(ctx, entries); err != nil {
			if first == nil {
				first = fmt.Errorf("hub: dispatch to %s: %w", x.e.id.Full, err)
			}
			h.log.Warn("server-side dispatch failed", "vm", x.e.id.Full, "conn", x.c.info.ID, "err", err)
		}
		x.c.flush(x.e)
	}
	return len(hits), first
}

// dispatchEvent is the cluster event a dispatch travels in.
type dispatchEvent struct {
	Target Target         `json:"target"`
	Values map[string]any `json:"values"`
}

const dispatchPrefix = "dispatch "

// EncodeDispatch returns the cluster event (Router.Publish) that has the
// other servers run the dispatch; they hand it to [Hub.HandleEvent].
func EncodeDispatch(target Target, values map[string]any) (string, error) {
	b, err := json.Marshal(dispatchEvent{target, values})
	if err != nil {
		return "", err
	}
	return dispatchPrefix + string(b), nil
}

// HandleEvent runs a cluster event meant for the hub (a dispatch from
// another server) and reports whether it was one.
func (h *Hub) HandleEvent(ctx context.Context, ev string) bool {
	rest, ok := strings.CutPrefix(ev, dispatchPrefix)
	if !ok {
		return false
	}
	var d dispatchEvent
	if err := json.Unmarshal([]byte(rest), &d); err != nil {
		h.log.Warn("cluster: dispatch event not understood", "err", err)
		return true
	}
	_, _ = h.Dispatch(ctx, d.Target, d.Values)
	return true
}
