package redisstore

import (
	"reflect"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestParseAddrList(t *testing.T) {
	for _, c := range []struct {
		flag, v  string
		sentinel bool
		want     addrList
	}{
		{"--redis-cluster", "a:1,b:2, c:3", false, addrList{addrs: []string{"a:1", "b:2", "c:3"}}},
		{"--redis-cluster", "rediss://:s%40cret@a:6379,b:6379", false, addrList{tls: true, password: "s@cret", addrs: []string{"a:6379", "b:6379"}}},
		{"--redis-cluster", "redis://u:p@a:1", false, addrList{user: "u", password: "p", addrs: []string{"a:1"}}},
		{"--redis-sentinel", "mymaster@s1:26379,s2:26379", true, addrList{master: "mymaster", addrs: []string{"s1:26379", "s2:26379"}}},
		{"--redis-sentinel", "rediss://:pw@mymaster@s1:26379/3", true, addrList{tls: true, password: "pw", master: "mymaster", addrs: []string{"s1:26379"}, db: 3}},
	} {
		got, err := parseAddrList(c.flag, c.v, c.sentinel)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q = %+v, %v; want %+v", c.flag, c.v, got, err, c.want)
		}
	}
	for _, c := range []struct {
		v        string
		sentinel bool
		want     string
	}{
		{"", false, "no address"},
		{"a", false, `"a" is not host:port`},
		{"http://a:1", false, "unknown scheme"},
		{"s1:26379", true, "the master's name is missing"},
		{"m@s1:26379/x", true, "not a number"},
	} {
		_, err := parseAddrList("--flag", c.v, c.sentinel)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "want ") {
			t.Errorf("%q: error %v, want one saying %q and what to give", c.v, err, c.want)
		}
	}
}

// TestErrorsHidePassword: a value that does not parse is quoted in the
// error without its password.
func TestErrorsHidePassword(t *testing.T) {
	for _, tg := range []Target{
		{URL: "redis://:hunter2@h:1/x"},
		{URL: "redis://:hunter2@h:port/0"},
		{Cluster: "rediss://:hunter2@h"},
		{Sentinel: "rediss://:hunter2@m@h:1/x"},
	} {
		_, err := tg.NewClient()
		if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "xxx") {
			t.Errorf("%s: error %v", tg, err)
		}
	}
}

func TestTargetClients(t *testing.T) {
	for _, c := range []struct {
		t    Target
		want any
	}{
		{Target{URL: "redis://a:1/2"}, &redis.Client{}},
		{Target{Cluster: "a:1,b:2"}, &redis.ClusterClient{}},
		{Target{Sentinel: "m@a:1"}, &redis.Client{}},
	} {
		rdb, err := c.t.NewClient()
		if err != nil {
			t.Fatal(err)
		}
		if reflect.TypeOf(rdb) != reflect.TypeOf(c.want) {
			t.Errorf("%s: client %T, want %T", c.t, rdb, c.want)
		}
		_ = rdb.Close()
	}
	for _, tg := range []Target{{}, {URL: "redis://a:1", Cluster: "a:1"}} {
		if _, err := tg.NewClient(); err == nil || !strings.Contains(err.Error(), "exactly one of --redis") {
			t.Errorf("%+v: error %v", tg, err)
		}
	}
	rdb, err := Target{Cluster: "redis://:old@a:1", Password: "new"}.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if p := rdb.(*redis.ClusterClient).Options().Password; p != "new" {
		t.Errorf("--redis-password gave password %q, want it to replace the one in the list", p)
	}
}

func TestTargetStringHidesPassword(t *testing.T) {
	for in, want := range map[Target]string{ //nolint:gosec // made-up passwords, the test checks they are hidden
		{URL: "redis://:pw@h:1/0"}:                      "redis://:xxx@h:1/0",
		{URL: "rediss://u:pw@h:1"}:                      "rediss://u:xxx@h:1", //nolint:gosec // made-up
		{Cluster: "rediss://:pw@a:1,b:2"}:               "rediss://:xxx@a:1,b:2",
		{Cluster: "a:1,b:2"}:                            "a:1,b:2",
		{Sentinel: "rediss://:pw@mymaster@s1:1,s2:2/3"}: "rediss://:xxx@mymaster@s1:1,s2:2/3",
		{Sentinel: "mymaster@s1:1"}:                     "mymaster@s1:1",
	} {
		if got := in.String(); got != want {
			t.Errorf("%+v: %q, want %q", in, got, want)
		}
	}
}
