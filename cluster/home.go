package cluster

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Homes: the VMs of one connection that are not shared (unicast VMs)
// run on one server at a time, the connection's home, whichever server a
// message of the connection reaches (API Gateway spreads them over the
// servers). The first server to see the connection becomes its home; a
// server that gets a message for a connection homed elsewhere forwards it
// there (see the transport). When a server dies, one of the others (its
// heir) takes all its connections over and re-creates their VMs, so their
// timers run again, once.
//
// Keys:
//
//	PREFIXhome:CONN     the connection's home server id (expires with the connection, 2 h)
//	PREFIXhomes:ID      set of the connections a server is home of
//	PREFIXnodes         set of the servers that ever joined
//	PREFIXheir:ID       the server that took a dead server's connections over

// HomeTTL is how long a connection's home is kept without activity: API
// Gateway's maximum connection life.
const HomeTTL = 2 * time.Hour

// HomeHandler is implemented by a [Handler] whose connections have homes.
type HomeHandler interface {
	// Adopt is called on the heir of a dead server with the connections
	// this server is now home of: re-create their VMs.
	Adopt(ctx context.Context, connIDs []string)
}

var casHome = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then redis.call("set", KEYS[1], ARGV[2], "PX", ARGV[3]) return 1 else return 0 end`)

func (n *Node) homeKey(connID string) string  { return n.prefix + "home:" + connID }
func (n *Node) homesKey(nodeID string) string { return n.prefix + "homes:" + nodeID }

// Home returns the id of the server that is connection connID's home,
// making this server its home when it has none or its home is dead. The
// home's expiry slides.
func (n *Node) Home(ctx context.Context, connID string) (string, error) {
	key := n.homeKey(connID)
	for range 3 {
		h, err := n.rdb.GetEx(ctx, key, HomeTTL).Result() // the expiry slides
		switch {
		case err == redis.Nil:
			ok, err := n.rdb.SetNX(ctx, key, n.id, HomeTTL).Result()
			if err != nil {
				return "", err
			}
			if ok {
				return n.id, n.rdb.SAdd(ctx, n.homesKey(n.id), connID).Err()
			}
			continue // another server claimed it meanwhile
		case err != nil:
			return "", err
		case h == n.id:
			return h, nil
		case n.Alive(ctx, h):
			return h, nil
		}
		// Its home is dead (its heir has not taken it over yet): take it.
		won, err := casHome.Run(ctx, n.rdb, []string{key}, h, n.id, HomeTTL.Milliseconds()).Int()
		if err != nil {
			return "", err
		}
		if won == 1 {
			n.rdb.SRem(ctx, n.homesKey(h), connID)
			return n.id, n.rdb.SAdd(ctx, n.homesKey(n.id), connID).Err()
		}
	}
	return n.rdb.Get(ctx, key).Result()
}

// LeaveHome forgets connection connID's home (it disconnected).
func (n *Node) LeaveHome(ctx context.Context, connID string) {
	key := n.homeKey(connID)
	if h, err := n.rdb.Get(ctx, key).Result(); err == nil {
		n.rdb.SRem(ctx, n.homesKey(h), connID)
	}
	n.rdb.Del(ctx, key)
}

// adoptDead makes this server the heir of every dead server it can, and
// hands their connections to the handler.
func (n *Node) adoptDead(ctx context.Context) {
	hh, ok := n.h.(HomeHandler)
	if !ok {
		return
	}
	nodes, err := n.rdb.SMembers(ctx, n.prefix+"nodes").Result()
	if err != nil {
		return
	}
	for _, dead := range nodes {
		if dead == n.id || n.Alive(ctx, dead) {
			continue
		}
		if ok, err := n.rdb.SetNX(ctx, n.prefix+"heir:"+dead, n.id, time.Minute).Result(); err != nil || !ok {
			continue
		}
		conns, err := n.rdb.SMembers(ctx, n.homesKey(dead)).Result()
		if err != nil {
			continue
		}
		var mine []string
		for _, c := range conns {
			won, err := casHome.Run(ctx, n.rdb, []string{n.homeKey(c)}, dead, n.id, HomeTTL.Milliseconds()).Int()
			if err == nil && won == 1 {
				mine = append(mine, c)
			}
		}
		if len(mine) > 0 {
			n.rdb.SAdd(ctx, n.homesKey(n.id), toAny(mine)...)
		}
		n.rdb.Del(ctx, n.homesKey(dead))
		n.rdb.SRem(ctx, n.prefix+"nodes", dead)
		n.log.Info("cluster: took over the connections of a server that is gone", "server", dead, "connections", len(mine))
		// Were it only stalled, it learns that its connections live here
		// now and lets their VMs go.
		if err := n.Publish(ctx, "adopted "+dead); err != nil {
			n.log.Warn("cluster: adoption not published", "server", dead, "err", err)
		}
		if len(mine) > 0 {
			hh.Adopt(ctx, mine)
		}
	}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
