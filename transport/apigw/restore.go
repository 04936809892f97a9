package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// RestoreStats says what [Server.Restore] did.
type RestoreStats struct {
	Alive, Gone, Failed, VMs int
}

// Restore brings back the connections a shared store remembers (after a
// restart, or from another server): each one still alive at the gateway
// (GET @connections/{id}; nothing is sent to the client) gets its VMs
// re-created from their stored arguments, without their initial state
// being sent; connections the gateway no longer has are forgotten. It runs
// up to MaxInFlight connections at once.
func (s *Server) Restore(ctx context.Context) (RestoreStats, error) {
	ids, err := s.store.Connections(ctx)
	if err != nil {
		return RestoreStats{}, err
	}
	st := s.restoreIDs(ctx, ids, s.homes())
	s.log.Info("restore: connections from the store", "alive", st.Alive, "gone", st.Gone, "failed", st.Failed, "vms", st.VMs)
	return st, nil
}

// restoreIDs restores the connections ids (see Restore), up to MaxInFlight
// at once. With hs, a connection homed on another live server is left to
// it (and this server becomes the home of one that has none).
func (s *Server) restoreIDs(ctx context.Context, ids []string, hs Homes) RestoreStats {
	var st RestoreStats
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range ids {
		if s.h.Client(id) != nil {
			continue
		}
		s.sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-s.sem }()
			if hs != nil {
				// Another live server is its home: its VMs are there.
				if home, err := hs.Home(ctx, id); err == nil && home != hs.ID() {
					return
				}
			}
			info, err := s.alive(ctx, id)
			alive := info != nil
			n := 0
			if err == nil && alive {
				// With a Router, shared VMs come back on their owner (TakeOver).
				n, err = s.restoreConn(ctx, info, func(vmID string) bool { return s.routeKey(vmID) == "" })
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				st.Failed++
				s.log.Warn("restore: connection left for later", "conn", id, "err", err)
			case !alive:
				st.Gone++
				_ = s.store.RemoveConnection(ctx, id)
				if h := s.homes(); h != nil {
					h.LeaveHome(ctx, id)
				}
			default:
				st.Alive++
				st.VMs += n
			}
		}()
	}
	wg.Wait()
	return st
}

// alive asks the gateway whether a connection still exists, and returns
// what it knows of it (nil when it is gone).
func (s *Server) alive(ctx context.Context, id string) (*vm.Conn, error) {
	code, body, err := s.call(ctx, http.MethodGet, s.connectionURL(id), nil, emptyPayloadHash)
	if code == http.StatusGone {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out struct {
		Identity *struct {
			SourceIP  *string `json:"sourceIp"`
			UserAgent *string `json:"userAgent"`
		} `json:"identity"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("GET @connections/%s: the gateway's answer is not JSON: %w", id, err)
	}
	info := &vm.Conn{ID: id, Transport: "apigw", Persistent: true, Header: http.Header{}}
	if out.Identity != nil {
		if out.Identity.SourceIP != nil {
			info.RemoteAddr = net.JoinHostPort(*out.Identity.SourceIP, "0")
		}
		if out.Identity.UserAgent != nil && *out.Identity.UserAgent != "" {
			info.Header.Set("User-Agent", *out.Identity.UserAgent)
		}
	}
	return info, nil
}

// restoreConn re-creates a connection's stored VMs (only those for which
// want returns true, when want is set) with the client's frames muted.
func (s *Server) restoreConn(ctx context.Context, info *vm.Conn, want func(vmID string) bool) (int, error) {
	id := info.ID
	vms, err := s.store.VMs(ctx, id)
	if err != nil {
		return 0, err
	}
	// Masters before their children.
	sort.Slice(vms, func(i, j int) bool { return strings.Count(vms[i].VMID, ".") < strings.Count(vms[j].VMID, ".") })
	c, snd, err := s.connect(id, info)
	if err != nil {
		return 0, err
	}
	snd.muted.Add(1)
	defer snd.muted.Add(-1)
	n := 0
	for _, v := range vms {
		if (want != nil && !want(v.VMID)) || c.Has(v.VMID) {
			continue
		}
		c.Handle(hub.Message{CallType: hub.RequestVM, VMID: v.VMID, VMArgs: quote(v.VMArgs)})
		if c.Has(v.VMID) {
			n++
		} else {
			s.log.Warn("restore: view model could not be re-created", "conn", id, "vm", v.VMID)
		}
	}
	return n, nil
}

// ensureVM re-creates a VM this server does not hold before an update
// reaches it (dotNetify's EnsureVMExistsOnUpdate, but with the stored
// arguments): after a restart, or when another server created it.
func (s *Server) ensureVM(ctx context.Context, c *hub.Client, vmID string) {
	if c.Has(vmID) {
		return
	}
	master, _, _ := strings.Cut(vmID, ".")
	n, err := s.restoreConn(ctx, c.Info(), func(id string) bool { return id == vmID || id == master })
	if errors.Is(err, errDisconnected) {
		return // $disconnect arrived meanwhile: nothing to re-create
	}
	if err != nil {
		s.log.Warn("could not re-create a view model for an update", "conn", c.ID(), "vm", vmID, "err", err)
	} else if n > 0 {
		s.log.Info("re-created a view model from the store for an update", "conn", c.ID(), "vm", vmID)
	}
}

// quote makes a JSON string of the raw vmArgs, as the client sends them.
func quote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
