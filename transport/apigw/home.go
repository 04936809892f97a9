package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
)

// Homes (see package cluster): with a Router, a connection's own VMs (the
// ones that are not shared) run on its home server only, so a timer never
// runs on two servers and updates apply in order whichever server API
// Gateway sends them to. A message reaching another server is forwarded to
// the home, and the integration call answers once the home has applied it.

// Homes is implemented by a Router whose servers give connections a home.
type Homes interface {
	// ID is this server's id.
	ID() string
	// Home returns the server that is connection connID's home, making
	// this server its home when it has none or its home is dead.
	Home(ctx context.Context, connID string) (string, error)
	// LeaveHome forgets the connection's home (it disconnected).
	LeaveHome(ctx context.Context, connID string)
}

// forwardWait bounds the wait for the home to apply a forwarded message;
// past it, the home is presumed dead and the message served here.
const forwardWait = 3 * time.Second

var errNoAck = errors.New("the connection's home server did not acknowledge the message")

// homes returns the Router's homes, or nil.
func (s *Server) homes() Homes {
	h, _ := s.opts.Router.(Homes)
	return h
}

// serveAtHome handles a message of a connection whose home is another
// server: it forwards it there and waits for it to be applied. handled is
// false when the message must be served here (this is the home, the home
// died, or Redis is unreachable).
func (s *Server) serveAtHome(ctx context.Context, connID string, r *http.Request, msg hub.Message) (handled bool, err error) {
	hs := s.homes()
	if hs == nil {
		return false, nil
	}
	home, err := hs.Home(ctx, connID)
	if err != nil {
		s.log.Error("cluster: the connection's home is unknown (Redis unreachable): serving its message here", "conn", connID, "err", err)
		return false, nil
	}
	if home == hs.ID() || msg.CallType == "" {
		return false, nil
	}
	if err := s.forward(ctx, home, connID, r, msg); err == nil {
		return true, nil
	} else if home2, herr := hs.Home(ctx, connID); herr != nil || home2 != hs.ID() {
		// The home is alive but did not answer in time.
		return true, err
	}
	s.log.Warn("cluster: a connection's home died with a message in flight: this server is its home now", "conn", connID, "was", home)
	return false, nil
}

// forward hands msg to the home server and waits until it has applied it.
func (s *Server) forward(ctx context.Context, home, connID string, r *http.Request, msg hub.Message) error {
	b, err := json.Marshal(cluster.Message{ConnectionID: connID, RemoteAddr: clientAddr(r), UserAgent: r.UserAgent(), Message: msg})
	if err != nil {
		return err
	}
	id, done := s.acks.New()
	defer s.acks.Forget(id)
	if err := s.opts.Router.Publish(ctx, "to "+home+" "+id+" "+string(b)); err != nil {
		return err
	}
	t := time.NewTimer(forwardWait)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return errNoAck
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deliverHome applies a message forwarded to this server as the
// connection's home, then acknowledges it.
func (s *Server) deliverHome(ctx context.Context, ack string, raw []byte) {
	s.Deliver(ctx, raw)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.opts.Router.Publish(pctx, "ack "+ack); err != nil {
		s.log.Warn("cluster: acknowledgement of a forwarded message not published", "err", err)
	}
}

// Adopt implements cluster.HomeHandler: this server inherited the
// connections of a dead server; their VMs are re-created here (from their
// stored arguments and snapshots, without sending their state), so their
// timers run again. Connections the gateway no longer has are forgotten.
func (s *Server) Adopt(ctx context.Context, connIDs []string) {
	st := s.restoreIDs(ctx, connIDs, nil)
	s.log.Info("cluster: inherited connections restored", "alive", st.Alive, "gone", st.Gone, "failed", st.Failed, "vms", st.VMs)
}

// disown lets go of the connections another server inherited from this
// one while it was taken for dead (stalled longer than its lease): their
// own VMs run on their new home, so this server disposes its copies
// (keeping their snapshots, and the multicast VMs it may serve them).
func (s *Server) disown(ctx context.Context) {
	hs := s.homes()
	s.mu.Lock()
	ids := make([]string, 0, len(s.senders))
	for id := range s.senders {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	n := 0
	for _, id := range ids {
		home, err := hs.Home(ctx, id)
		if err != nil || home == hs.ID() {
			continue
		}
		if c := s.h.Client(id); c != nil {
			c.Handover()
			n++
		}
	}
	s.log.Warn("cluster: another server took this one for dead and inherited its connections: their view models were disposed here", "connections", n)
}
