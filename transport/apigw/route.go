package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// Router sends the messages for shared (multicast) VMs to the one server
// that owns them, when several app servers share a gateway (package
// cluster implements it on Redis). The owner receives them through the
// Server's Deliver, TakeOver and Event methods.
type Router interface {
	// Route queues msg for the owner of key.
	Route(ctx context.Context, key string, msg []byte) error
	// Publish tells every other server about an event.
	Publish(ctx context.Context, event string) error
}

// routeKey is the key of a message's VM when it must go to its owner
// (hub.SharedKey), or "" without a Router or for a VM any server may serve.
func (s *Server) routeKey(vmID string) string {
	if s.opts.Router == nil {
		return ""
	}
	return s.h.SharedKey(vmID)
}

// route forwards a message to its VM's owner; false when it is served here.
func (s *Server) route(ctx context.Context, connID string, r *http.Request, msg hub.Message) (bool, error) {
	key := s.routeKey(msg.VMID)
	if key == "" {
		return false, nil
	}
	b, err := json.Marshal(cluster.Message{ConnectionID: connID, RemoteAddr: clientAddr(r), UserAgent: r.UserAgent(), Message: msg})
	if err != nil {
		return false, err
	}
	return true, s.opts.Router.Route(ctx, key, b)
}

// Deliver applies a message routed to this server as its VM's owner.
func (s *Server) Deliver(ctx context.Context, raw []byte) {
	var m cluster.Message
	if err := json.Unmarshal(raw, &m); err != nil || m.ConnectionID == "" {
		s.log.Warn("cluster: dropped a malformed routed message", "err", err)
		return
	}
	info := &vm.Conn{ID: m.ConnectionID, RemoteAddr: m.RemoteAddr, Header: http.Header{}, Transport: "apigw", Persistent: true}
	if m.UserAgent != "" {
		info.Header.Set("User-Agent", m.UserAgent)
	}
	c, err := s.connFor(ctx, info)
	if errors.Is(err, errDisconnected) {
		s.log.Info("cluster: routed message after $disconnect ignored", "conn", m.ConnectionID)
		return
	}
	if err != nil {
		s.log.Warn("cluster: routed message not applied", "conn", m.ConnectionID, "err", err)
		return
	}
	s.apply(ctx, c, m.Message)
	// Write the new state before the next message is taken: a server taking
	// over after a crash then starts from it.
	fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.h.FlushSnapshots(fctx); err != nil {
		s.log.Warn("cluster: snapshot not written before the next message", "err", err)
	}
}

// TakeOver re-creates, for every stored connection, the VMs of a shared
// VM type this server now owns (with their snapshot), without sending
// anything to the clients.
func (s *Server) TakeOver(ctx context.Context, key string) {
	ids, err := s.store.Connections(ctx)
	if err != nil {
		s.log.Warn("cluster: take-over could not list connections", "key", key, "err", err)
		return
	}
	n := 0
	for _, id := range ids {
		vms, err := s.store.VMs(ctx, id)
		if err != nil {
			s.log.Warn("cluster: take-over could not read a connection's view models; it gets no pushes of this one until it sends again",
				"key", key, "conn", id, "err", err)
			continue
		}
		var want []string
		for _, v := range vms {
			if s.h.SharedKey(v.VMID) == key {
				want = append(want, v.VMID)
			}
		}
		if len(want) == 0 {
			continue
		}
		info, err := s.alive(ctx, id)
		if err != nil {
			s.log.Warn("cluster: take-over could not ask the gateway about a connection; it gets no pushes of this view model until it sends again",
				"key", key, "conn", id, "err", err)
			continue
		}
		if info == nil {
			continue // gone
		}
		if c := s.h.Client(id); c != nil {
			info = c.Info()
		}
		k, err := s.restoreConn(ctx, info, func(vmID string) bool {
			for _, w := range want {
				if w == vmID {
					return true
				}
			}
			return false
		})
		if err != nil {
			s.log.Warn("cluster: take-over could not re-create a connection's view model", "key", key, "conn", id, "err", err)
		}
		n += k
	}
	s.log.Info("cluster: took over a shared view model", "key", key, "members", n)
}

// Event handles another server's event: a connection that left, a
// message forwarded to this server as its connection's home, or the
// acknowledgement of one this server forwarded.
func (s *Server) Event(ctx context.Context, ev string) {
	if s.h.HandleEvent(ctx, ev) { // a server-side dispatch
		return
	}
	if rest, ok := strings.CutPrefix(ev, "to "); ok {
		node, rest, _ := strings.Cut(rest, " ")
		if hs := s.homes(); hs != nil && node == hs.ID() {
			ack, raw, _ := strings.Cut(rest, " ")
			go s.deliverHome(ctx, ack, []byte(raw))
		}
		return
	}
	if id, ok := strings.CutPrefix(ev, "ack "); ok {
		s.acks.Done(id)
		return
	}
	if node, ok := strings.CutPrefix(ev, "adopted "); ok {
		if hs := s.homes(); hs != nil && node == hs.ID() {
			go s.disown(ctx)
		}
		return
	}
	if id, ok := strings.CutPrefix(ev, "disconnect "); ok {
		s.buryLocal(id)
		if c := s.h.Client(id); c != nil {
			c.Close()
		}
	}
}
