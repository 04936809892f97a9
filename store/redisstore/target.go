package redisstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Target says which Redis deployment to use: exactly one of URL (one
// server), Cluster (a Redis Cluster) or Sentinel (a master watched by
// Sentinel) is set. They are the values of `gonetify serve`'s --redis,
// --redis-cluster and --redis-sentinel.
type Target struct {
	// URL is one Redis server: redis://[[user]:password@]host:port[/db],
	// or rediss://… for TLS.
	URL string
	// Cluster is a Redis Cluster: comma-separated seed nodes host:port,…
	// (any of its masters or replicas; the client discovers the others),
	// optionally preceded by redis:// or rediss:// (TLS) and
	// [user]:password@, as in rediss://:secret@node1:6379,node2:6379.
	// A Redis Cluster has database 0 only.
	Cluster string
	// Sentinel is a master watched by Sentinel: MASTER@host:port,… (the
	// master's name, then the sentinels' addresses), optionally preceded by
	// redis:// or rediss:// (TLS, to the master and replicas) and
	// [user]:password@ (the master's credentials), optionally followed by
	// /db: rediss://:secret@mymaster@s1:26379,s2:26379/2.
	Sentinel string
	// Password, when set, authenticates to the Redis servers (not to the
	// sentinels) instead of the password given in the URL or address list.
	Password string
}

// Mode names the deployment: "server", "cluster" or "sentinel".
func (t Target) Mode() string {
	switch {
	case t.Cluster != "":
		return "cluster"
	case t.Sentinel != "":
		return "sentinel"
	}
	return "server"
}

// IsZero reports whether no Redis is configured.
func (t Target) IsZero() bool { return t.URL == "" && t.Cluster == "" && t.Sentinel == "" }

// String describes the target with its password, if any, replaced by
// xxx, for logs and errors.
func (t Target) String() string {
	v := t.URL
	switch t.Mode() {
	case "cluster":
		v = t.Cluster
	case "sentinel":
		v = t.Sentinel
	}
	scheme := ""
	if s, rest, ok := strings.Cut(v, "://"); ok {
		scheme, v = s+"://", rest
	}
	at := strings.LastIndex(firstItem(v), "@")
	if at < 0 {
		return scheme + v
	}
	head, tail := v[:at], v[at:]
	if t.Mode() == "sentinel" { // [user:password@]MASTER@hosts
		i := strings.LastIndex(head, "@")
		if i < 0 {
			return scheme + v
		}
		head, tail = head[:i], head[i:]+tail
	}
	user, _, hasPassword := strings.Cut(head, ":")
	if !hasPassword {
		return scheme + v
	}
	return scheme + user + ":xxx" + tail
}

// firstItem is s up to its first comma.
func firstItem(s string) string {
	first, _, _ := strings.Cut(s, ",")
	return first
}

// NewClient returns the go-redis client of the target, without connecting
// yet: a *redis.Client for URL, a *redis.ClusterClient for Cluster, a
// failover *redis.Client for Sentinel.
func (t Target) NewClient() (redis.UniversalClient, error) {
	set := 0
	for _, v := range []string{t.URL, t.Cluster, t.Sentinel} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return nil, errors.New("give exactly one of --redis (one server), --redis-cluster (a Redis Cluster) and --redis-sentinel (a Sentinel group)")
	}
	switch t.Mode() {
	case "cluster":
		return t.clusterClient()
	case "sentinel":
		return t.sentinelClient()
	}
	o, err := redis.ParseURL(t.URL)
	if err != nil {
		// url.Parse's errors quote the URL: keep its password out.
		msg := strings.ReplaceAll(err.Error(), t.URL, t.String())
		return nil, fmt.Errorf("--redis %q: %s (want redis://[:password@]host:port[/db], or rediss:// for TLS)", t.String(), msg)
	}
	if t.Password != "" {
		o.Password = t.Password
	}
	return redis.NewClient(o), nil
}

// addrList is a parsed --redis-cluster or --redis-sentinel value.
type addrList struct {
	tls      bool
	user     string
	password string
	master   string // Sentinel only
	addrs    []string
	db       int // Sentinel only
}

// parseAddrList parses [redis[s]://][[user]:password@][MASTER@]host:port,…[/db];
// sentinel says whether MASTER@ (required) and /db are allowed.
func parseAddrList(flag, v string, sentinel bool) (addrList, error) {
	var l addrList
	want := "host:port,host:port,… (optionally rediss://[:password@] before it for TLS and a password)"
	if sentinel {
		want = "MASTER@host:port,host:port,… (the master's name, then the sentinels; optionally rediss://[:password@] before it and /db after it)"
	}
	shown := Target{Cluster: v}.String() // without its password
	if sentinel {
		shown = Target{Sentinel: v}.String()
	}
	bad := func(why string) (addrList, error) {
		return addrList{}, fmt.Errorf("%s %q: %s; want %s", flag, shown, why, want)
	}
	rest := v
	if scheme, after, ok := strings.Cut(v, "://"); ok {
		switch scheme {
		case "redis":
		case "rediss":
			l.tls = true
		default:
			return bad("unknown scheme " + scheme + ":// (redis:// or rediss://)")
		}
		rest = after
	}
	if sentinel {
		if i := strings.LastIndex(rest, "/"); i >= 0 {
			db, err := strconv.Atoi(rest[i+1:])
			if err != nil || db < 0 {
				return bad("the database after / is not a number")
			}
			l.db, rest = db, rest[:i]
		}
	}
	first := firstItem(rest)
	if at := strings.LastIndex(first, "@"); at >= 0 {
		head := rest[:at]
		rest = rest[at+1:]
		if sentinel {
			if i := strings.LastIndex(head, "@"); i >= 0 {
				l.master, head = head[i+1:], head[:i]
				if err := l.userinfo(head); err != nil {
					return bad(err.Error())
				}
			} else {
				l.master = head
			}
		} else if err := l.userinfo(head); err != nil {
			return bad(err.Error())
		}
	}
	if sentinel && l.master == "" {
		return bad("the master's name is missing")
	}
	for a := range strings.SplitSeq(rest, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			return bad(fmt.Sprintf("%q is not host:port", a))
		}
		l.addrs = append(l.addrs, a)
	}
	if len(l.addrs) == 0 {
		return bad("no address")
	}
	return l, nil
}

// userinfo sets user and password from [user]:password (URL-escaped).
func (l *addrList) userinfo(s string) error {
	u, err := url.Parse("redis://" + s + "@h")
	if err != nil || u.User == nil {
		return errors.New("the credentials before @ are not [user]:password (escape @ and : in them as %40 and %3A)")
	}
	l.user = u.User.Username()
	l.password, _ = u.User.Password()
	return nil
}

// tlsConfig is the TLS of rediss://: every node's certificate is checked
// against the first address's host, as go-redis's ParseClusterURL does
// (ElastiCache's nodes share the configuration endpoint's wildcard
// certificate, whether the cluster names them by address or host name).
func (l addrList) tlsConfig() *tls.Config {
	if !l.tls {
		return nil
	}
	host, _, _ := net.SplitHostPort(l.addrs[0])
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

func (t Target) clusterClient() (redis.UniversalClient, error) {
	l, err := parseAddrList("--redis-cluster", t.Cluster, false)
	if err != nil {
		return nil, err
	}
	o := &redis.ClusterOptions{Addrs: l.addrs, Username: l.user, Password: l.password, TLSConfig: l.tlsConfig()}
	if t.Password != "" {
		o.Password = t.Password
	}
	return redis.NewClusterClient(o), nil
}

func (t Target) sentinelClient() (redis.UniversalClient, error) {
	l, err := parseAddrList("--redis-sentinel", t.Sentinel, true)
	if err != nil {
		return nil, err
	}
	o := &redis.FailoverOptions{
		MasterName: l.master, SentinelAddrs: l.addrs, Username: l.user, Password: l.password, DB: l.db,
		// A failover takes a second or two: retry a refused write
		// (READONLY, connection closed) for about as long.
		MaxRetries: 10, MaxRetryBackoff: 500 * time.Millisecond,
	}
	if l.tls {
		// The master's address comes from the sentinels: check its
		// certificate against it.
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if t.Password != "" {
		o.Password = t.Password
	}
	return redis.NewFailoverClient(o), nil
}

// Connect returns the client of the target once it answers a PING.
func (t Target) Connect(ctx context.Context) (redis.UniversalClient, error) {
	rdb, err := t.NewClient()
	if err != nil {
		return nil, err
	}
	// go-redis logs every failed dial itself; our stores log an outage once.
	redis.SetLogger(quietLogger{})
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		if msg := err.Error(); strings.Contains(msg, "WRONGPASS") || strings.Contains(msg, "NOAUTH") || strings.Contains(msg, "AUTH") && strings.Contains(msg, "password") {
			return nil, fmt.Errorf("redis %s refused the credentials: %w (fix --redis-password, GONETIFY_REDIS_PASSWORD or the [user]:password@ in the address)", t, err)
		}
		switch t.Mode() {
		case "cluster":
			return nil, fmt.Errorf("redis cluster at %s does not answer: %w (are its nodes running, and is it a cluster? check with redis-cli -c -h HOST -p PORT cluster info, or fix --redis-cluster)", t, err)
		case "sentinel":
			return nil, fmt.Errorf("redis master through sentinel %s does not answer: %w (are the sentinels running and do they know this master? check with redis-cli -p SENTINEL_PORT sentinel get-master-addr-by-name MASTER, or fix --redis-sentinel)", t, err)
		}
		return nil, fmt.Errorf("redis at %s does not answer: %w (is redis-server running? start it or fix --redis)", t, err)
	}
	return rdb, nil
}
