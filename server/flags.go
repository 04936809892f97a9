package server

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gonetify/gonetify/auth"
)

// BindFlags defines on fs the flags of `gonetify serve`, each setting a
// field of o: --addr, --debug, --log-format, --read-limit, --send-queue,
// --allow-origin, --max-conns-per-source, --connection-url, --aws-region,
// --integration-secret, --max-pushes, --redis, --redis-cluster,
// --redis-sentinel, --redis-password, --redis-async-snapshots,
// --cluster, --cluster-lease, --tls-cert, --tls-key, --shutdown-delay, --jwt-key,
// --jwt-jwks-url, --jwt-issuer, --jwt-audience, --jwt-roles-claim,
// --jwt-token-use, --jwt-leeway and --token-lifetime. A flag's default is
// the field's value, or the package default where the field is zero.
// Parse with [ParseFlags] to also read them from GONETIFY_* variables.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	o.fillDefaults()
	if o.LogFormat == "" {
		o.LogFormat = "text"
	}
	if o.JWT.Leeway == 0 {
		o.JWT.Leeway = DefaultJWTLeeway
	}
	if o.JWT.RoleClaims == nil {
		o.JWT.RoleClaims = append([]string(nil), auth.DefaultRoleClaims...)
	}

	fs.StringVar(&o.Addr, "addr", o.Addr, "listen address `host:port`")
	fs.BoolVar(&o.Debug, "debug", o.Debug, "log every message in and out")
	fs.StringVar(&o.LogFormat, "log-format", o.LogFormat, "log format: text or json")
	fs.Int64Var(&o.ReadLimit, "read-limit", o.ReadLimit, "largest client message in `bytes` (API Gateway's is 128 KiB)")
	fs.IntVar(&o.SendQueue, "send-queue", o.SendQueue, "frames queued for a slow client before it is disconnected")
	fs.Var((*listValue)(&o.AllowedOrigins), "allow-origin", "comma-separated browser origins allowed to connect (\"*\" for any; default same origin)")
	fs.IntVar(&o.MessagesPerSecond, "messages-per-second", o.MessagesPerSecond, "messages a connection may send per second, in bursts of twice that; more get an error and are dropped (0: 100; negative: no limit, e.g. for load tests)")
	fs.StringVar(&o.WSEngine, "ws-engine", o.WSEngine, "how the direct WebSocket transport serves connections: epoll (lesismal/nbio: no goroutine per idle connection; default on Linux) or gorilla (a reader and a writer goroutine per connection)")
	fs.Var((*perSourceValue)(&o.MaxConnsPerSource), "max-conns-per-source", "open WebSocket connections allowed from one IP address (0: no limit)")
	fs.StringVar(&o.ConnectionURL, "connection-url", o.ConnectionURL, "API Gateway stage Connection `URL` (https://…/STAGE/@connections); enables the integration endpoints at /api/dotnetify/vm")
	fs.StringVar(&o.AWSRegion, "aws-region", o.AWSRegion, "AWS region signing the pushes (default: the SDK's configuration, else us-east-1)")
	fs.StringVar(&o.IntegrationSecret, "integration-secret", o.IntegrationSecret, "require this value in header X-Gonetify-Secret on integration calls (the template's IntegrationSecret)")
	fs.IntVar(&o.MaxPushes, "max-pushes", o.MaxPushes, "pushes to the gateway in flight at once")
	fs.StringVar(&o.RedisURL, "redis", o.RedisURL, "Redis `URL` (redis://[:password@]host:port/db, rediss:// for TLS) keeping connections, groups and VM state, so they survive a restart and are shared by several servers; default: in memory")
	fs.StringVar(&o.RedisCluster, "redis-cluster", o.RedisCluster, "keep that state in a Redis Cluster instead: seed `nodes` host:port,host:port,… (rediss://[:password@]host:port,… for TLS and a password; ElastiCache: the configuration endpoint)")
	fs.StringVar(&o.RedisSentinel, "redis-sentinel", o.RedisSentinel, "keep that state in a Redis master watched by Sentinel instead: `MASTER@host:port,…` (the master's name, then the sentinels; rediss://[:password@] before it for TLS and a password, /db after it)")
	fs.StringVar(&o.RedisPassword, "redis-password", o.RedisPassword, "`password` of the Redis servers of --redis, --redis-cluster or --redis-sentinel (replaces one in them; ElastiCache: the AUTH token)")
	fs.BoolVar(&o.AsyncSnapshots, "redis-async-snapshots", o.AsyncSnapshots, "with --redis, write view-model state in the background, about 100 ms after the reaction instead of before it: fewer Redis round trips, but a crash loses the changes of the last moments although clients were told of them")
	fs.BoolVar(&o.Cluster, "cluster", o.Cluster, "share multicast view models with the other servers on the same --redis (behind one gateway, or each with its own WebSocket clients; no sticky sessions needed)")
	fs.DurationVar(&o.ClusterLease, "cluster-lease", o.ClusterLease, "with --cluster, how long a server's ownership of a shared view model lasts without renewal (0: 1s); a dead owner's view models move to another server within about 5/4 of it")
	fs.StringVar(&o.TLSCert, "tls-cert", o.TLSCert, "serve HTTPS with this PEM certificate `file` (chain included); API Gateway's HTTP integrations need https:// and a publicly trusted certificate (or put a load balancer with one in front)")
	fs.StringVar(&o.TLSKey, "tls-key", o.TLSKey, "PEM private key `file` of --tls-cert")
	fs.DurationVar(&o.ShutdownDelay, "shutdown-delay", o.ShutdownDelay, "on SIGTERM, how long /readyz answers 503 before connections are closed (let a load balancer notice first)")

	fs.Var((*bytesValue)(&o.JWT.Key), "jwt-key", "HMAC `key` signing and checking bearer tokens (at least 32 bytes); enables authentication")
	fs.DurationVar(&o.TokenLifetime, "token-lifetime", o.TokenLifetime, "lifetime of the tokens POST /token issues")
	fs.StringVar(&o.JWT.JWKSURL, "jwt-jwks-url", o.JWT.JWKSURL, "check RS256/ES256/… bearer tokens against the identity provider's JSON Web Key Set at this `URL` (Cognito: https://cognito-idp.REGION.amazonaws.com/POOL_ID/.well-known/jwks.json); keys are cached and fetched again hourly and on an unknown kid")
	fs.StringVar(&o.JWT.Issuer, "jwt-issuer", o.JWT.Issuer, "required iss claim of bearer tokens (Cognito: https://cognito-idp.REGION.amazonaws.com/POOL_ID)")
	fs.StringVar(&o.JWT.Audience, "jwt-audience", o.JWT.Audience, "required audience: one of the token's aud values or, for a token without aud, its client_id (Cognito: the app client id)")
	fs.Var((*listValue)(&o.JWT.RoleClaims), "jwt-roles-claim", "comma-separated `claims` holding the user's roles; a dotted name reads a nested claim (Keycloak: realm_access.roles)")
	fs.StringVar(&o.JWT.TokenUse, "jwt-token-use", o.JWT.TokenUse, "required token_use claim (Cognito: id or access; default: either)")
	fs.DurationVar(&o.JWT.Leeway, "jwt-leeway", o.JWT.Leeway, "clock skew allowed on the exp, nbf and iat of bearer tokens")
}

// ParseFlags parses args with fs, then fills each flag not given on the
// command line from the environment variable GONETIFY_<FLAG> (upper case,
// dashes as underscores: GONETIFY_ADDR, GONETIFY_READ_LIMIT, …), if set.
// Positional arguments are an error.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := EnvName(f.Name)
		if v, ok := os.LookupEnv(env); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", env, v, e)
			}
		}
	})
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q (flags go before nothing else; see -h)", fs.Arg(0))
	}
	return err
}

// EnvName is the environment variable of flag name: GONETIFY_ and the
// name in upper case with dashes as underscores.
func EnvName(flagName string) string {
	return "GONETIFY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// listValue is a comma-separated list flag; "" is the empty list.
type listValue []string

func (l *listValue) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

func (l *listValue) Set(v string) error {
	out := []string{}
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	*l = out
	return nil
}

func (l *listValue) Get() any { return []string(*l) }

// bytesValue is a []byte flag set from a string.
type bytesValue []byte

func (b *bytesValue) String() string {
	if b == nil {
		return ""
	}
	return string(*b)
}

func (b *bytesValue) Set(v string) error { *b = []byte(v); return nil }

func (b *bytesValue) Get() any { return string(*b) }

// perSourceValue is --max-conns-per-source: on the command line 0 means no
// limit, which Options spell as a negative number.
type perSourceValue int

func (p *perSourceValue) String() string {
	if p == nil {
		return "0"
	}
	if *p < 0 {
		return "0"
	}
	return strconv.Itoa(int(*p))
}

func (p *perSourceValue) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return err
	}
	if n <= 0 {
		n = -1
	}
	*p = perSourceValue(n)
	return nil
}

func (p *perSourceValue) Get() any {
	if *p < 0 {
		return 0
	}
	return int(*p)
}
