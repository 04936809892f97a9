// Package cluster lets several app servers behind one API Gateway share
// multicast VMs without sticky sessions. Every message for a shared VM
// goes, through Redis, to the one server that owns that VM type (a lease
// in Redis); the owner applies it and pushes to every member through the
// gateway. When the owner dies its lease runs out and another server takes
// the VM over (restoring it from the store and its snapshot) and carries on
// with the messages queued meanwhile: none is lost. A connection's own
// (unicast) VMs run on its home server ([Node.Home]); when a server dies,
// another inherits its connections.
//
// Keys (PREFIX defaults to "gonetify:"):
//
//	PREFIXroutes            set of route keys ever used
//	PREFIXowner:KEY         the owning server's id (expires after LeaseTTL)
//	PREFIXinbox:KEY         list of messages waiting for the owner (FIFO)
//	PREFIXdoing:KEY         the message the owner is applying (moved there
//	                        from the inbox; a new owner re-applies it first)
//	PREFIXnode:ID           a server's heartbeat (expires after LeaseTTL)
//	PREFIXnodes, PREFIXhome:CONN, PREFIXhomes:ID, PREFIXheir:ID
//	                        connections' homes: see [Node.Home]
//	PREFIXevents            pub/sub channel for cluster-wide events (a
//	                        shard channel, SPUBLISH, on a Redis Cluster:
//	                        it keeps the events in order; Redis 7 or later)
//
// On a Redis Cluster (a *redis.ClusterClient) the route key is a hash tag:
// PREFIXowner:{KEY}, PREFIXinbox:{KEY} and PREFIXdoing:{KEY}, so that the
// owner's BLMOVE from inbox to doing stays in one slot while different
// keys spread over the cluster. (One server and Sentinel keep the names
// above, so servers of an older version share them during a rolling
// upgrade.)
package cluster

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Handler is what the node calls on its server.
type Handler interface {
	// Deliver applies a routed message on the owner, in queue order.
	Deliver(ctx context.Context, msg []byte)
	// TakeOver is called when this server becomes the owner of key, before
	// its queued messages are delivered: re-create the key's VMs.
	TakeOver(ctx context.Context, key string)
	// Event receives what another server published.
	Event(ctx context.Context, event string)
}

// Options configure a [Node].
type Options struct {
	// Prefix starts every key. Default "gonetify:".
	Prefix string
	// LeaseTTL is how long an ownership (and a server's heartbeat) lasts
	// without renewal. Leases are renewed, and those of dead servers
	// taken, every quarter of it. Default 1s: a dead owner is replaced
	// within LeaseTTL*5/4 (1.25 s) of its death, plus the time to restore
	// its VMs. A server stalled (a GC pause, Redis slow to answer) for
	// longer than LeaseTTL loses its leases to another, which then serves
	// the VMs: nothing is lost, but they move.
	LeaseTTL time.Duration
	// Logger receives the node's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Node is this server's place in the cluster.
type Node struct {
	rdb     redis.UniversalClient
	prefix  string
	ttl     time.Duration
	cluster bool // Redis Cluster: route keys are hash tags
	log     *slog.Logger
	id      string

	mu    sync.Mutex
	owned map[string]context.CancelFunc // stops the key's consumer
	seen  map[string]bool
	h     Handler
	ctx   context.Context
	wg    sync.WaitGroup
}

// New returns a node on rdb with a fresh server id.
func New(rdb redis.UniversalClient, opts Options) *Node {
	if opts.Prefix == "" {
		opts.Prefix = "gonetify:"
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	id := rand.Text()
	_, cl := rdb.(*redis.ClusterClient)
	return &Node{rdb: rdb, prefix: opts.Prefix, ttl: opts.LeaseTTL, cluster: cl, log: opts.Logger.With("node", id), id: id, owned: map[string]context.CancelFunc{}, seen: map[string]bool{}}
}

// keyOf is the Redis key of kind ("owner", "inbox" or "doing") for a route
// key: on a Redis Cluster the route key is a hash tag, so a key's inbox and
// doing lists are in one slot.
func (n *Node) keyOf(kind, key string) string {
	if n.cluster {
		if key == "" {
			key = "_" // an empty tag would not count
		}
		return n.prefix + kind + ":{" + key + "}"
	}
	return n.prefix + kind + ":" + key
}

// ID returns this server's id in the cluster.
func (n *Node) ID() string { return n.id }

// Start runs the node until ctx ends: lease keeping, message consumption
// and events.
func (n *Node) Start(ctx context.Context, h Handler) {
	n.h = h
	n.ctx = ctx
	n.rdb.Set(ctx, n.prefix+"node:"+n.id, "1", n.ttl)
	n.rdb.SAdd(ctx, n.prefix+"nodes", n.id)
	n.wg.Add(2)
	go func() { defer n.wg.Done(); n.leaseLoop(ctx) }()
	go func() { defer n.wg.Done(); n.eventLoop(ctx) }()
	n.log.Info("cluster node started", "lease", n.ttl)
}

// Wait waits for the node's loops to end after its context ended.
func (n *Node) Wait() { n.wg.Wait() }

// Route queues msg for the owner of key; the caller may answer its client
// at once. The first server to see a key owns it.
func (n *Node) Route(ctx context.Context, key string, msg []byte) error {
	_, err := n.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, n.prefix+"routes", key)
		p.RPush(ctx, n.keyOf("inbox", key), msg)
		return nil
	})
	if err != nil {
		return err
	}
	n.mu.Lock()
	first := !n.seen[key]
	n.seen[key] = true
	n.mu.Unlock()
	if first { // later, the lease loop competes for it
		n.tryAcquire(ctx, key)
	}
	return nil
}

// Owns reports whether this server owns key now.
func (n *Node) Owns(key string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.owned[key] != nil
}

// Alive reports whether the server with this id is running (it renews a
// heartbeat with its leases).
func (n *Node) Alive(ctx context.Context, id string) bool {
	if id == n.id {
		return true
	}
	c, err := n.rdb.Exists(ctx, n.prefix+"node:"+id).Result()
	return err != nil || c == 1 // when unsure, assume it is
}

// Publish sends an event to every other server.
func (n *Node) Publish(ctx context.Context, event string) error {
	if n.cluster {
		// PUBLISH goes to any node, so two events could overtake each
		// other on the cluster bus; a shard channel keeps their order.
		return n.rdb.SPublish(ctx, n.prefix+"events", n.id+" "+event).Err()
	}
	return n.rdb.Publish(ctx, n.prefix+"events", n.id+" "+event).Err()
}

var renewScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`)

func (n *Node) tryAcquire(ctx context.Context, key string) {
	ok, err := n.rdb.SetNX(ctx, n.keyOf("owner", key), n.id, n.ttl).Result()
	if err != nil || !ok {
		return
	}
	n.log.Info("cluster: this server now owns a shared view model", "key", key)
	n.h.TakeOver(ctx, key)
	kctx, cancel := context.WithCancel(n.ctx)
	n.mu.Lock()
	n.owned[key] = cancel
	n.mu.Unlock()
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.consume(kctx, key) }()
}

func (n *Node) leaseLoop(ctx context.Context) {
	t := time.NewTicker(n.ttl / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			n.release()
			return
		case <-t.C:
		}
		n.mu.Lock()
		owned := make([]string, 0, len(n.owned))
		for k := range n.owned {
			owned = append(owned, k)
		}
		n.mu.Unlock()
		for _, k := range owned {
			res, err := renewScript.Run(ctx, n.rdb, []string{n.keyOf("owner", k)}, n.id, n.ttl.Milliseconds()).Int()
			if err == nil && res == 0 {
				n.log.Warn("cluster: lost the ownership of a shared view model (another server has it now)", "key", k)
				n.mu.Lock()
				if stop := n.owned[k]; stop != nil {
					stop()
				}
				delete(n.owned, k)
				n.mu.Unlock()
			}
		}
		n.rdb.Set(ctx, n.prefix+"node:"+n.id, "1", n.ttl)
		n.rdb.SAdd(ctx, n.prefix+"nodes", n.id) // back, if an heir took it for dead
		n.adoptDead(ctx)
		routes, err := n.rdb.SMembers(ctx, n.prefix+"routes").Result()
		if err != nil {
			continue
		}
		for _, k := range routes {
			if !n.Owns(k) {
				n.tryAcquire(ctx, k)
			}
		}
	}
}

// release gives up this server's leases (a graceful stop), so others take
// over at once.
func (n *Node) release() {
	n.mu.Lock()
	keys := make([]string, 0, len(n.owned))
	for k, stop := range n.owned {
		stop()
		keys = append(keys, n.keyOf("owner", k))
	}
	n.owned = map[string]context.CancelFunc{}
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, k := range keys {
		n.rdb.Eval(ctx, `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`, []string{k}, n.id)
	}
	// Gone now: an heir takes this server's connections over at once.
	n.rdb.Del(ctx, n.prefix+"node:"+n.id)
}

// consume applies the queued messages of one owned key, in order. A
// message is moved to the key's "doing" list while it is applied and
// removed after, so a server taking over re-applies the one its dead owner
// was busy with (VMs keyed by item ids make that harmless).
func (n *Node) consume(ctx context.Context, key string) {
	inbox, doing := n.keyOf("inbox", key), n.keyOf("doing", key)
	if left, err := n.rdb.LRange(ctx, doing, 0, -1).Result(); err == nil {
		for _, m := range left {
			n.h.Deliver(ctx, []byte(m))
			n.rdb.LRem(ctx, doing, 1, m)
		}
	}
	for ctx.Err() == nil {
		m, err := n.rdb.BLMove(ctx, inbox, doing, "LEFT", "RIGHT", time.Second).Result()
		if err != nil {
			if err != redis.Nil && ctx.Err() == nil {
				n.log.Warn("cluster: reading queued messages failed; retrying", "key", key, "err", err)
				time.Sleep(200 * time.Millisecond)
			}
			continue
		}
		n.h.Deliver(ctx, []byte(m))
		// Use a fresh context: a message applied must leave the list even
		// when the ownership ends now.
		rctx, cancel := context.WithTimeout(context.Background(), time.Second)
		n.rdb.LRem(rctx, doing, 1, m)
		cancel()
	}
}

func (n *Node) eventLoop(ctx context.Context) {
	var sub *redis.PubSub
	if n.cluster {
		sub = n.rdb.SSubscribe(ctx, n.prefix+"events")
	} else {
		sub = n.rdb.Subscribe(ctx, n.prefix+"events")
	}
	defer sub.Close()
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			from, ev, _ := strings.Cut(m.Payload, " ")
			if from != n.id {
				n.h.Event(ctx, ev)
			}
		}
	}
}
