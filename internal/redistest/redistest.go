// Package redistest gives tests the Redis deployments scripts/test.sh
// starts: one server (GONETIFY_TEST_REDIS), a 3-master Redis Cluster
// (GONETIFY_TEST_REDIS_CLUSTER) and a Sentinel group
// (GONETIFY_TEST_REDIS_SENTINEL). A test runs on each as a subtest, skipped
// with the reason when its variable is unset.
package redistest

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gonetify/gonetify/store/redisstore"
)

// Backend is one Redis deployment under test.
type Backend struct {
	// Name is "server", "cluster" or "sentinel".
	Name string
	// Env is the variable giving its address.
	Env string
	// Target connects to it (zero when Env is unset).
	Target redisstore.Target
}

// Backends are the three deployments, in the order server, cluster,
// sentinel.
func Backends() []Backend {
	return []Backend{
		{Name: "server", Env: "GONETIFY_TEST_REDIS", Target: redisstore.Target{URL: os.Getenv("GONETIFY_TEST_REDIS")}},
		{Name: "cluster", Env: "GONETIFY_TEST_REDIS_CLUSTER", Target: redisstore.Target{Cluster: os.Getenv("GONETIFY_TEST_REDIS_CLUSTER")}},
		{Name: "sentinel", Env: "GONETIFY_TEST_REDIS_SENTINEL", Target: redisstore.Target{Sentinel: os.Getenv("GONETIFY_TEST_REDIS_SENTINEL")}},
	}
}

// Each runs f as a subtest per backend, skipped when its variable is
// unset.
func Each(t *testing.T, f func(t *testing.T, b Backend)) {
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			b.Skip(t)
			f(t, b)
		})
	}
}

// Skip skips t when the backend's variable is unset, saying how to set it.
func (b Backend) Skip(t testing.TB) {
	t.Helper()
	if b.Target.IsZero() {
		t.Skipf("%s is not set: run scripts/test.sh, which starts redis-server, a Redis Cluster and a Sentinel group (scripts/redis-ha.sh) and sets it", b.Env)
	}
}

// Client connects to the backend (skipping t when its variable is unset)
// and closes the client when t ends.
func (b Backend) Client(t testing.TB) redis.UniversalClient {
	t.Helper()
	b.Skip(t)
	rdb, err := b.Target.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}
