package ws

import (
	"context"
	"time"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
)

// EnableCluster makes the server share its multicast VMs with the other
// servers of a cluster through rl: every message for a multicast VM goes
// to the server that owns it, and the owner's responses come back to this
// server's sockets. Call it before serving; run the node with rl as its
// handler (cluster.Node.Start(ctx, rl)).
func (s *Server) EnableCluster(rl *cluster.Relay) { s.relay = rl }

// connID returns a new connection id (prefixed with the server's own when
// clustered, so any server knows where the connection lives).
func (s *Server) connID() string {
	if s.relay == nil {
		return newID()
	}
	return s.relay.ConnID(newID())
}

// receive handles a client frame: locally or, for a multicast VM of a
// clustered server, at its owner.
func (s *Server) receive(hc *hub.Client, frame []byte) error {
	if s.relay == nil {
		return hc.ReceiveAsync(frame)
	}
	m, err := hub.DecodeMessage(frame)
	if err != nil {
		return hc.ReceiveAsync(frame) // the hub answers bad frames
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if routed, err := s.relay.Route(ctx, hc.Info(), m, false); routed && err == nil {
		return nil
	}
	return hc.ReceiveAsync(frame)
}

// attached and detached tell the cluster about a connection of this
// server.
func (s *Server) attached(id string, to hub.Sender) {
	if s.relay != nil {
		s.relay.Attach(id, to)
	}
}

func (s *Server) detached(id string) {
	if s.relay != nil {
		s.relay.Detach(id)
	}
}
