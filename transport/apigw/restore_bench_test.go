package apigw_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/redis/go-redis/v9"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/store/redisstore"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/vm"
)

// roundTrips counts the round trips a go-redis client makes (a pipeline is
// one).
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { r.n.Add(1); return next(ctx, cmd) }
}
func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { r.n.Add(1); return next(ctx, cmds) }
}

func benchRedis(b *testing.B) (*redisstore.Store, *roundTrips) {
	url := os.Getenv("GONETIFY_TEST_REDIS")
	if url == "" {
		b.Skip("GONETIFY_TEST_REDIS is not set: start redis-server and set it (scripts/test.sh does)")
	}
	o, err := redis.ParseURL(url)
	if err != nil {
		b.Fatal(err)
	}
	o.DB = 14
	rdb := redis.NewClient(o)
	rdb.FlushDB(context.Background())
	rt := &roundTrips{}
	rdb.AddHook(rt)
	b.Cleanup(func() { _ = rdb.Close() })
	return redisstore.New(rdb, redisstore.Options{Prefix: fmt.Sprintf("bench%d:", time.Now().UnixNano())}), rt
}

func benchServer(b *testing.B, gw *fakeGateway, st *redisstore.Store) (*hub.Hub, *apigw.Server, string) {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Counter](reg, "Counter"))
	h := hub.New(reg, hub.Options{Snapshots: st, Logger: quietLog()})
	gsrv := newHTTPServer(gw)
	b.Cleanup(gsrv.Close)
	s, err := apigw.New(context.Background(), h, apigw.Options{ConnectionURL: gsrv.URL + "/prod", Region: "us-east-1",
		Credentials: staticCreds(), Store: st, Logger: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	srv := newHTTPServer(s.Handler())
	b.Cleanup(srv.Close)
	return h, s, srv.URL
}

// BenchmarkRestore1000 measures how long a restarted server takes to
// restore 1,000 stored connections, each with a VM and its snapshot
// (GetConnection against a local stand-in gateway, Redis on loopback).
func BenchmarkRestore1000(b *testing.B) {
	st, _ := benchRedis(b)
	gw := &fakeGateway{posts: map[string][]string{}, status: map[string][]int{}, gone: map[string]bool{}}
	_, _, url := benchServer(b, gw, st)
	for i := 0; i < 1000; i++ {
		post(b, url, message(fmt.Sprintf("c%04d=", i), "request_vm", "Counter", "vmArgs", "{}"))
		post(b, url, message(fmt.Sprintf("c%04d=", i), "update_vm", "Counter", "value", `{"Increment":null}`))
	}
	time.Sleep(500 * time.Millisecond) // snapshots written
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h, s, _ := benchServer(b, gw, st)
		start := time.Now()
		res, err := s.Restore(context.Background())
		if err != nil || res.Alive != 1000 || h.Stats().VMs != 1000 {
			b.Fatalf("restore: %+v %v, VMs %d", res, err, h.Stats().VMs)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/restore")
	}
}

// BenchmarkRoundTripsPerUpdate counts the Redis round trips an update costs
// on the API Gateway path with --redis (store touch, batched snapshot).
func BenchmarkRoundTripsPerUpdate(b *testing.B) {
	st, rt := benchRedis(b)
	gw := &fakeGateway{posts: map[string][]string{}, status: map[string][]int{}, gone: map[string]bool{}}
	_, _, url := benchServer(b, gw, st)
	post(b, url, message("u=", "request_vm", "Counter", "vmArgs", "{}"))
	time.Sleep(300 * time.Millisecond)
	rt.n.Store(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		post(b, url, message("u=", "update_vm", "Counter", "value", `{"Increment":null}`))
		time.Sleep(150 * time.Millisecond) // one update at a time: nothing to group, the worst case
	}
	b.StopTimer()
	b.ReportMetric(float64(rt.n.Load())/float64(b.N), "redis-rt/update")
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func staticCreds() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
}

func newHTTPServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }

func post(b *testing.B, url, body string) {
	resp, err := http.Post(url+"/api/dotnetify/vm", "application/json", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("integration call: %d", resp.StatusCode)
	}
}

// Room is a multicast VM for the cluster benchmark.
type Room struct {
	vm.Multicast
	Messages []string
	_        vm.Commands `vm:"Say"`
}

// Say adds a message.
func (r *Room) Say(s string) { r.Messages = append(r.Messages, s); r.AddList("Messages", s) }

// BenchmarkRoundTripsPerClusterUpdate counts the Redis round trips of an
// update to a shared VM with --cluster: routed to the owner's queue, taken,
// cleared, snapshot written before the next one, connection touched (the
// lease and queue loops' own traffic is included, so it is an upper bound).
func BenchmarkRoundTripsPerClusterUpdate(b *testing.B) {
	st, rt := benchRedis(b)
	gw := &fakeGateway{posts: map[string][]string{}, status: map[string][]int{}, gone: map[string]bool{}}
	gsrv := newHTTPServer(gw)
	b.Cleanup(gsrv.Close)
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Room](reg, "Room"))
	h := hub.New(reg, hub.Options{Snapshots: st, Logger: quietLog()})
	node := cluster.New(st.Client(), cluster.Options{Prefix: fmt.Sprintf("benchcl%d:", time.Now().UnixNano()), Logger: quietLog()})
	s, err := apigw.New(context.Background(), h, apigw.Options{ConnectionURL: gsrv.URL + "/prod", Region: "us-east-1",
		Credentials: staticCreds(), Store: st, Router: node, Logger: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	node.Start(ctx, s)
	srv := newHTTPServer(s.Handler())
	b.Cleanup(srv.Close)
	post(b, srv.URL, message("r=", "request_vm", "Room", "vmArgs", "{}"))
	waitPushes := func(n int) {
		deadline := time.Now().Add(10 * time.Second)
		for len(gw.bodies("r=")) < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	waitPushes(1)
	rt.n.Store(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		post(b, srv.URL, message("r=", "update_vm", "Room", "value", fmt.Sprintf(`{"Say":"m%d"}`, i)))
		waitPushes(i + 2)
	}
	b.StopTimer()
	b.ReportMetric(float64(rt.n.Load())/float64(b.N), "redis-rt/update")
}
