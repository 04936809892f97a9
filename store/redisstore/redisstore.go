// Package redisstore is a [store.Store] on Redis (ElastiCache in AWS), so
// that a restarted app server, or several behind one API Gateway, share the
// live connections and the VMs each holds with their arguments.
//
// Keys (PREFIX defaults to "gonetify:"):
//
//	PREFIXactive            sorted set: connection id -> last activity (unix ms)
//	PREFIXconn:ID           hash: vmId -> raw vmArgs
//	PREFIXsnap:KEY          a view model's snapshot
//
// On a Redis Cluster (a *redis.ClusterClient) the first two are
// {PREFIX}active and {PREFIX}conn:ID instead: the hash tag puts them in one
// slot, as the transactions that write a connection's hash and the active
// set together need. Snapshots keep their names and spread over
// the cluster. (One server and Sentinel keep the names above, so servers of
// an older version share the keys during a rolling upgrade.)
//
// Every key a connection touches slides its expiry (default 2 h, API
// Gateway's maximum connection life).
package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gonetify/gonetify/store"
)

// Options configure a [Store].
type Options struct {
	// Prefix starts every key. Default "gonetify:".
	Prefix string
	// Expiry is the sliding lifetime of a connection's entries. Default 2h.
	Expiry time.Duration
}

// Store implements store.Store on a go-redis client.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	expiry  time.Duration
	tag     string // prefix of the keys that share a slot on a Redis Cluster
	cluster bool
}

var _ store.Store = (*Store)(nil)

// New returns a store using rdb.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = "gonetify:"
	}
	if opts.Expiry <= 0 {
		opts.Expiry = 2 * time.Hour
	}
	s := &Store{rdb: rdb, prefix: opts.Prefix, expiry: opts.Expiry, tag: opts.Prefix}
	if IsCluster(rdb) {
		s.cluster = true
		s.tag = HashTag(opts.Prefix)
	}
	return s
}

// IsCluster reports whether rdb talks to a Redis Cluster, where the keys of
// one multi-key command or transaction must share a hash slot.
func IsCluster(rdb redis.UniversalClient) bool {
	_, ok := rdb.(*redis.ClusterClient)
	return ok
}

// HashTag returns s as a Redis Cluster hash tag, {s}: keys that contain it
// (before any other {…}) are in the same slot. An empty s gives "{_}" (an
// empty tag would not count).
func HashTag(s string) string {
	if s == "" {
		s = "_"
	}
	return "{" + s + "}"
}

// Open connects to the Redis server of a URL (redis://[:password@]host:port[/db])
// and checks that it answers.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	return OpenTarget(ctx, Target{URL: url}, opts)
}

// OpenTarget connects to one Redis server, a Redis Cluster or a master
// through Sentinel, and checks that it answers.
func OpenTarget(ctx context.Context, t Target, opts Options) (*Store, error) {
	rdb, err := t.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return New(rdb, opts), nil
}

// Client returns the underlying Redis client.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

func (s *Store) activeKey() string        { return s.tag + "active" }
func (s *Store) connKey(id string) string { return s.tag + "conn:" + id }
func now() float64                        { return float64(time.Now().UnixMilli()) }
func (s *Store) cutoff() string           { return strconv.FormatInt(time.Now().Add(-s.expiry).UnixMilli(), 10) }
func (s *Store) touch(p redis.Pipeliner, id string) {
	p.ZAdd(context.Background(), s.activeKey(), redis.Z{Score: now(), Member: id})
}

// AddConnection implements store.Store.
func (s *Store) AddConnection(ctx context.Context, id string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, s.activeKey(), redis.Z{Score: now(), Member: id})
		p.Expire(ctx, s.connKey(id), s.expiry)
		return nil
	})
	return err
}

// RemoveConnection implements store.Store.
func (s *Store) RemoveConnection(ctx context.Context, id string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.activeKey(), id)
		p.Del(ctx, s.connKey(id))
		return nil
	})
	return err
}

// Connections implements store.Store: those active within the expiry.
func (s *Store) Connections(ctx context.Context) ([]string, error) {
	if err := s.rdb.ZRemRangeByScore(ctx, s.activeKey(), "-inf", "("+s.cutoff()).Err(); err != nil {
		return nil, err
	}
	ids, err := s.rdb.ZRange(ctx, s.activeKey(), 0, -1).Result()
	sort.Strings(ids)
	return ids, err
}

// AddVM implements store.Store: a vmId already recorded keeps its args.
func (s *Store) AddVM(ctx context.Context, connID string, vm store.VMInfo) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, s.connKey(connID), vm.VMID, vm.VMArgs)
		p.Expire(ctx, s.connKey(connID), s.expiry)
		p.ZAdd(ctx, s.activeKey(), redis.Z{Score: now(), Member: connID})
		return nil
	})
	return err
}

// RemoveVM implements store.Store: vmID and its sub-VMs ("vmID.…").
func (s *Store) RemoveVM(ctx context.Context, connID, vmID string) error {
	keys, err := s.rdb.HKeys(ctx, s.connKey(connID)).Result()
	if err != nil {
		return err
	}
	var del []string
	for _, k := range keys {
		if k == vmID || strings.HasPrefix(k, vmID+".") {
			del = append(del, k)
		}
	}
	if len(del) == 0 {
		return nil
	}
	return s.rdb.HDel(ctx, s.connKey(connID), del...).Err()
}

// VMs implements store.Store, sorted by vmId (masters before children).
func (s *Store) VMs(ctx context.Context, connID string) ([]store.VMInfo, error) {
	m, err := s.rdb.HGetAll(ctx, s.connKey(connID)).Result()
	if err != nil {
		return nil, err
	}
	out := make([]store.VMInfo, 0, len(m))
	for id, args := range m {
		out = append(out, store.VMInfo{VMID: id, VMArgs: args})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].VMID < out[j].VMID })
	return out, nil
}

// Touch implements store.Store: slides the connection's expiry.
func (s *Store) Touch(ctx context.Context, connID string) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.touch(p, connID)
		p.Expire(ctx, s.connKey(connID), s.expiry)
		return nil
	})
	return err
}

func (s *Store) snapKey(k string) string { return s.prefix + "snap:" + k }

// SaveSnapshots implements hub.SnapshotStore: one pipeline per batch, each
// key with the sliding expiry. The value is {"v":version,"state":…}, the
// version being the save time in nanoseconds.
func (s *Store) SaveSnapshots(ctx context.Context, states map[string][]byte) error {
	v := time.Now().UnixNano()
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k, st := range states {
			val := make([]byte, 0, len(st)+40)
			val = append(val, `{"v":`...)
			val = strconv.AppendInt(val, v, 10)
			val = append(val, `,"state":`...)
			val = append(val, st...)
			val = append(val, '}')
			p.Set(ctx, s.snapKey(k), val, s.expiry)
		}
		return nil
	})
	return err
}

// LoadSnapshot implements hub.SnapshotStore.
func (s *Store) LoadSnapshot(ctx context.Context, key string) ([]byte, error) {
	b, err := s.rdb.Get(ctx, s.snapKey(key)).Bytes()
	if err == redis.Nil {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var snap struct {
		V     int64           `json:"v"`
		State json.RawMessage `json:"state"`
	}
	if err := json.Unmarshal(b, &snap); err != nil {
		return nil, fmt.Errorf("snapshot %s is corrupt: %w", key, err)
	}
	return snap.State, nil
}

// DeleteSnapshots implements hub.SnapshotStore: one DEL, or on a Redis
// Cluster (where the keys are in several slots) one DEL per key in a
// pipeline.
func (s *Store) DeleteSnapshots(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if s.cluster {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Del(ctx, s.snapKey(k))
			}
			return nil
		})
		return err
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.snapKey(k)
	}
	return s.rdb.Del(ctx, full...).Err()
}

// quietLogger drops go-redis's internal log lines.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...interface{}) {}
