package redisstore_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/store/redisstore"
	"github.com/gonetify/gonetify/store/storetest"
)

var seq atomic.Int64

// redisURL is the test server: GONETIFY_TEST_REDIS, which scripts/test.sh
// sets after starting redis-server. Without it the tests are skipped, with
// a note; CI always sets it.
func redisURL(t *testing.T) string {
	u := os.Getenv("GONETIFY_TEST_REDIS")
	if u == "" {
		t.Skip("GONETIFY_TEST_REDIS is not set: run scripts/test.sh, or start redis-server and set it to redis://127.0.0.1:6379/0")
	}
	return u
}

func TestConformance(t *testing.T) {
	url := redisURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := redisstore.Open(context.Background(), url, redisstore.Options{Prefix: fmt.Sprintf("test%d-%d:", os.Getpid(), seq.Add(1))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Client().Close() })
		return s
	})
}

func TestOpenNamesTheFix(t *testing.T) {
	_, err := redisstore.Open(context.Background(), "redis://127.0.0.1:1/0", redisstore.Options{})
	if err == nil || !strings.Contains(err.Error(), "is redis-server running") {
		t.Fatalf("error %v does not say what to do", err)
	}
}
