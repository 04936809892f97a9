package apigw_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/redis/go-redis/v9"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/vm"
)

// AWS does not order a connection's integration calls: an update that
// arrives after $disconnect must not re-create the connection.
func TestUpdateAfterDisconnectDoesNotResurrect(t *testing.T) {
	e := setup(t, "", "")
	e.call(t, "/api/dotnetify/vm", `{"connectionId":"late="}`)
	e.call(t, "/api/dotnetify/vm", message("late=", "request_vm", "Counter", "vmArgs", "{}"))
	waitFor(t, "initial push", func() bool { return len(e.gw.bodies("late=")) == 1 })
	e.call(t, "/api/dotnetify/vm/disconnect", `{"connectionId":"late="}`)

	code, body := e.call(t, "/api/dotnetify/vm", message("late=", "update_vm", "Counter", "value", `{"Increment":null}`))
	if code != 410 || !strings.Contains(body, "disconnect") {
		t.Fatalf("update after $disconnect: %d %q, want 410", code, body)
	}
	if code, _ := e.call(t, "/api/dotnetify/vm", message("late=", "request_vm", "Counter", "vmArgs", "{}")); code != 410 {
		t.Fatalf("request after $disconnect: %d, want 410", code)
	}
	if st := e.h.Stats(); st.Connections != 0 || st.VMs != 0 {
		t.Fatalf("connection resurrected: %+v", st)
	}
	if conns, _ := e.store.Connections(context.Background()); len(conns) != 0 {
		t.Fatalf("store has %v", conns)
	}
	time.Sleep(50 * time.Millisecond)
	if got := e.gw.bodies("late="); len(got) != 1 {
		t.Fatalf("pushes after $disconnect: %v", got[1:])
	}
	// Other connections are unaffected.
	if code, _ := e.call(t, "/api/dotnetify/vm", message("other=", "request_vm", "Counter", "vmArgs", "{}")); code != 200 {
		t.Fatalf("another connection: %d", code)
	}
}

// A $disconnect handled by one server is known to the others through the
// shared tombstones (Redis under `gonetify serve --redis`).
func TestDisconnectSharedThroughRedis(t *testing.T) {
	u := os.Getenv("GONETIFY_TEST_REDIS")
	if u == "" {
		t.Skip("GONETIFY_TEST_REDIS is not set: start redis-server and set it (scripts/test.sh does)")
	}
	o, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	o.DB = 13
	rdb := redis.NewClient(o)
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := fmt.Sprintf("test%d:gone:", time.Now().UnixNano())
	ts := apigw.NewRedisTombstones(rdb, prefix)
	withTS := func(o *apigw.Options) { o.Tombstones = ts; o.DisconnectedTTL = time.Minute }
	gw := &fakeGateway{posts: map[string][]string{}, status: map[string][]int{}, gone: map[string]bool{}}
	st := store.NewMemory()
	a := setupWith(t, gw, st, "", "", withTS)
	b := setupWith(t, gw, st, "", "", withTS)
	a.call(t, "/api/dotnetify/vm", message("x=", "request_vm", "Counter", "vmArgs", "{}"))
	a.call(t, "/api/dotnetify/vm/disconnect", `{"connectionId":"x="}`)
	if ttl := rdb.TTL(context.Background(), prefix+"x=").Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("tombstone TTL = %v", ttl)
	}
	if code, _ := b.call(t, "/api/dotnetify/vm", message("x=", "update_vm", "Counter", "value", `{"Increment":null}`)); code != 410 {
		t.Fatalf("late update on the other server: %d, want 410", code)
	}
	if st := b.h.Stats(); st.Connections != 0 {
		t.Fatalf("resurrected on the other server: %+v", st)
	}
}

// With no credentials the push error names the cause and the fix, not the
// network.
func TestMissingCredentialsAreNamed(t *testing.T) {
	noCreds := func(o *apigw.Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errors.New("no EC2 IMDS role found, operation error ec2imds: GetMetadata, request canceled")
		})
	}
	gw := &fakeGateway{posts: map[string][]string{}, status: map[string][]int{}, gone: map[string]bool{}}
	e := setupWith(t, gw, store.NewMemory(), "", "", noCreds)
	if err := e.s.CheckCredentials(context.Background()); err == nil || !strings.Contains(err.Error(), "aws iam create-access-key") {
		t.Fatalf("CheckCredentials = %v", err)
	}
	e.call(t, "/api/dotnetify/vm", message("c=", "request_vm", "Counter", "vmArgs", "{}"))
	waitFor(t, "the credentials error", func() bool { return strings.Contains(e.logs.String(), "no AWS credentials") })
	if l := e.logs.String(); strings.Contains(l, "unreachable") || !strings.Contains(l, "create-access-key") {
		t.Fatalf("log does not name the cause and fix:\n%s", l)
	}
}

func TestRegionFromConnectionURL(t *testing.T) {
	for u, want := range map[string]string{
		"https://abc123.execute-api.eu-central-1.amazonaws.com/prod/@connections": "eu-central-1",
		"https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod":             "cn-north-1",
		"http://127.0.0.1:8081/prod/@connections":                                 "",
		"https://ws.example.com/prod":                                             "",
	} {
		if got := apigw.RegionOf(u); got != want {
			t.Errorf("RegionOf(%s) = %q, want %q", u, got, want)
		}
	}
	reg := vm.NewRegistry()
	h := hub.New(reg, hub.Options{Logger: quietLog()})
	_, err := apigw.New(context.Background(), h, apigw.Options{ConnectionURL: "https://abc123.execute-api.eu-central-1.amazonaws.com/prod/@connections", Region: "us-east-1", Logger: quietLog()})
	if err == nil || !strings.Contains(err.Error(), "eu-central-1") || !strings.Contains(err.Error(), "scoped to a valid region") {
		t.Fatalf("mismatched --aws-region: err = %v", err)
	}
	t.Setenv("AWS_REGION", "us-west-2")
	s, err := apigw.New(context.Background(), h, apigw.Options{ConnectionURL: "https://abc123.execute-api.eu-central-1.amazonaws.com/prod/@connections", Logger: quietLog()})
	if err != nil || s.Region() != "eu-central-1" {
		t.Fatalf("SDK region differs from the URL's: region %q, err %v; want the URL's", s.Region(), err)
	}
}
