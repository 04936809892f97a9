package redisstore_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonetify/gonetify/internal/redistest"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/store/redisstore"
	"github.com/gonetify/gonetify/store/storetest"
)

var seq atomic.Int64

func prefix() string { return fmt.Sprintf("test%d-%d:", os.Getpid(), seq.Add(1)) }

// TestConformance runs the store conformance suite on one Redis server, a
// Redis Cluster and a Sentinel group (GONETIFY_TEST_REDIS,
// GONETIFY_TEST_REDIS_CLUSTER, GONETIFY_TEST_REDIS_SENTINEL, which
// scripts/test.sh sets; each is skipped, with a note, when unset).
func TestConformance(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b redistest.Backend) {
		storetest.Run(t, func(t *testing.T) store.Store {
			s, err := redisstore.OpenTarget(context.Background(), b.Target, redisstore.Options{Prefix: prefix()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Client().Close() })
			return s
		})
	})
}

// TestSnapshots saves, loads and deletes snapshots spread over several
// slots of a Redis Cluster (one DEL of several keys would be refused
// there), and on the other backends.
func TestSnapshots(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b redistest.Backend) {
		ctx := context.Background()
		s := redisstore.New(b.Client(t), redisstore.Options{Prefix: prefix()})
		states := map[string][]byte{}
		var keys []string
		for i := range 20 {
			k := fmt.Sprintf("ChatRoomVM#%d", i)
			states[k] = fmt.Appendf(nil, `{"n":%d}`, i)
			keys = append(keys, k)
		}
		if err := s.SaveSnapshots(ctx, states); err != nil {
			t.Fatal(err)
		}
		for k, want := range states {
			got, err := s.LoadSnapshot(ctx, k)
			if err != nil || string(got) != string(want) {
				t.Fatalf("LoadSnapshot(%s) = %s, %v; want %s", k, got, err, want)
			}
		}
		sort.Strings(keys)
		if err := s.DeleteSnapshots(ctx, keys[:15]); err != nil {
			t.Fatalf("DeleteSnapshots of 15 keys: %v", err)
		}
		for i, k := range keys {
			got, err := s.LoadSnapshot(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			if (i < 15) != (got == nil) {
				t.Fatalf("after deleting the first 15, %s is %s", k, got)
			}
		}
	})
}

func TestOpenNamesTheFix(t *testing.T) {
	for _, c := range []struct {
		t    redisstore.Target
		want string
	}{
		{redisstore.Target{URL: "redis://127.0.0.1:1/0"}, "is redis-server running"},
		{redisstore.Target{Cluster: "127.0.0.1:1"}, "fix --redis-cluster"},
		{redisstore.Target{Sentinel: "m@127.0.0.1:1"}, "fix --redis-sentinel"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := redisstore.OpenTarget(ctx, c.t, redisstore.Options{})
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v does not say what to do (%q)", c.t, err, c.want)
		}
	}
}
