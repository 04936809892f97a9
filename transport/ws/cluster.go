package ws

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/vm"
)

// Router is the part of a cluster node (package cluster) the WebSocket
// server uses to share multicast VMs with other servers.
type Router interface {
	// ID is this server's id in the cluster.
	ID() string
	// Route queues msg for the owner of key.
	Route(ctx context.Context, key string, msg []byte) error
	// Publish tells every other server about an event.
	Publish(ctx context.Context, event string) error
	// Alive reports whether a server is running.
	Alive(ctx context.Context, id string) bool
}

// clusterState is a Server's share of a cluster.
type clusterState struct {
	r     Router
	store store.Store
}

// EnableCluster makes the server share its multicast VMs with the other
// servers of r (Redis pub/sub backplane): every message for a multicast VM
// goes to the server that owns it, which pushes to members on other
// servers through r; the members are recorded in st so that a server
// taking over knows them. Call it before serving; then run the node with
// the Server as its handler (cluster.Node.Start(ctx, server)).
func (s *Server) EnableCluster(r Router, st store.Store) {
	s.cl = &clusterState{r: r, store: st}
}

// idPrefix starts the ids of this server's connections when clustered, so
// that any server knows where a connection lives.
func (s *Server) idPrefix() string {
	if s.cl == nil {
		return ""
	}
	return s.cl.r.ID() + "~"
}

// receive handles a client frame: locally, or, for a multicast VM of a
// clustered server, at its owner.
func (s *Server) receive(c *conn, frame []byte) error {
	if s.cl == nil {
		return c.hc.ReceiveAsync(frame)
	}
	m, err := hub.DecodeMessage(frame)
	if err != nil {
		return c.hc.ReceiveAsync(frame) // the hub answers bad frames
	}
	key := s.h.SharedKey(m.VMID)
	if key == "" {
		return c.hc.ReceiveAsync(frame)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info := c.hc.Info()
	b, _ := json.Marshal(cluster.Message{ConnectionID: info.ID, RemoteAddr: info.RemoteAddr, UserAgent: info.Header.Get("User-Agent"), Message: m})
	if err := s.cl.r.Route(ctx, key, b); err != nil {
		s.opts.Logger.Error("cluster: message not routed to its view model's owner (Redis unreachable): serving it on this server", "conn", info.ID, "vm", m.VMID, "err", err)
		return c.hc.ReceiveAsync(frame)
	}
	var serr error
	if m.CallType == hub.RequestVM {
		serr = s.cl.store.AddConnection(ctx, info.ID)
	}
	if serr == nil {
		serr = store.Record(ctx, s.cl.store, info.ID, string(m.CallType), m.VMID, m.VMArgs)
	}
	if serr != nil {
		s.opts.Logger.Warn("cluster: store update failed", "conn", info.ID, "err", serr)
	}
	return nil
}

// left tells the cluster a connection of this server is gone.
func (s *Server) left(id string) {
	if s.cl == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.cl.store.RemoveConnection(ctx, id)
	if err := s.cl.r.Publish(ctx, "disconnect "+id); err != nil {
		s.opts.Logger.Warn("cluster: disconnect not published", "conn", id, "err", err)
	}
}

// remoteSender delivers frames to a connection held by another server.
type remoteSender struct {
	s  *Server
	id string
}

// Send implements hub.Sender through the cluster's pub/sub: the server
// holding the socket writes the frame as it is.
func (r *remoteSender) Send(resp *hub.Response) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.s.cl.r.Publish(ctx, "frame "+r.id+" "+string(wire.Frame(resp)))
}

// hubConn returns the hub connection for a member, local or remote.
func (s *Server) hubConn(m cluster.Message) (*hub.Client, error) {
	if c := s.h.Client(m.ConnectionID); c != nil {
		return c, nil
	}
	if strings.HasPrefix(m.ConnectionID, s.idPrefix()) {
		return nil, nil // one of ours, gone meanwhile
	}
	info := &vm.Conn{ID: m.ConnectionID, RemoteAddr: m.RemoteAddr, Header: http.Header{}, Transport: "ws"}
	if m.UserAgent != "" {
		info.Header.Set("User-Agent", m.UserAgent)
	}
	c, err := s.h.Connect(info, &remoteSender{s: s, id: m.ConnectionID})
	if err != nil {
		if c := s.h.Client(m.ConnectionID); c != nil {
			return c, nil
		}
	}
	return c, err
}

// Deliver applies a message routed to this server as its VM's owner.
func (s *Server) Deliver(ctx context.Context, raw []byte) {
	var m cluster.Message
	if err := json.Unmarshal(raw, &m); err != nil || m.ConnectionID == "" {
		s.opts.Logger.Warn("cluster: dropped a malformed routed message", "err", err)
		return
	}
	c, err := s.hubConn(m)
	if err != nil || c == nil {
		return
	}
	c.Handle(m.Message)
	fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.h.FlushSnapshots(fctx)
}

// TakeOver re-creates, for the members recorded in the store, the VMs of
// a shared VM type this server now owns (from their snapshot); members of
// servers that are gone are forgotten.
func (s *Server) TakeOver(ctx context.Context, key string) {
	ids, err := s.cl.store.Connections(ctx)
	if err != nil {
		s.opts.Logger.Warn("cluster: take-over could not list connections", "key", key, "err", err)
		return
	}
	n := 0
	for _, id := range ids {
		origin, _, ok := strings.Cut(id, "~")
		if !ok {
			continue
		}
		if !s.cl.r.Alive(ctx, origin) {
			_ = s.cl.store.RemoveConnection(ctx, id)
			continue
		}
		vms, err := s.cl.store.VMs(ctx, id)
		if err != nil {
			continue
		}
		for _, v := range vms {
			if s.h.SharedKey(v.VMID) != key {
				continue
			}
			c, err := s.hubConn(cluster.Message{ConnectionID: id})
			if err != nil || c == nil || c.Has(v.VMID) {
				continue
			}
			args, _ := json.Marshal(v.VMArgs)
			c.Handle(hub.Message{CallType: hub.RequestVM, VMID: v.VMID, VMArgs: args})
			n++
		}
	}
	s.opts.Logger.Info("cluster: took over a shared view model", "key", key, "members", n)
}

// Event handles another server's event: a frame for one of this server's
// connections, or a connection that left.
func (s *Server) Event(ctx context.Context, ev string) {
	if s.h.HandleEvent(ctx, ev) { // a server-side dispatch
		return
	}
	if rest, ok := strings.CutPrefix(ev, "frame "); ok {
		id, frame, _ := strings.Cut(rest, " ")
		if !strings.HasPrefix(id, s.idPrefix()) {
			return
		}
		s.mu.Lock()
		c := s.byID[id]
		s.mu.Unlock()
		if c != nil {
			_ = c.push([]byte(frame))
		}
		return
	}
	if id, ok := strings.CutPrefix(ev, "disconnect "); ok && !strings.HasPrefix(id, s.idPrefix()) {
		if c := s.h.Client(id); c != nil {
			c.Close()
		}
	}
}
