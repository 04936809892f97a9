package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// jwksTimeout bounds one fetch of the key set.
const jwksTimeout = 10 * time.Second

// startJWKS fetches the key set of opts.JWKSURL and starts its refresh.
func (j *JWT) startJWKS() error {
	u, err := url.Parse(j.opts.JWKSURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("auth: JWKS URL %q is not an http(s) URL (for Cognito: https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/jwks.json)", j.opts.JWKSURL)
	}
	if u.Scheme == "http" {
		j.log.Warn("the JWKS URL is plain http: anyone on the path can swap the keys; use https outside tests", "jwks_url", j.opts.JWKSURL)
	}
	refresh := j.opts.JWKSRefresh
	if refresh <= 0 {
		refresh = time.Hour
	}
	minRefresh := j.opts.JWKSMinRefresh
	if minRefresh <= 0 {
		minRefresh = 30 * time.Second
	}
	client := j.opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: jwksTimeout}
	}
	ctx, cancel := context.WithCancel(context.Background())
	noStartWithoutKeys := false
	// The first fetch's error is returned by keyfunc; the handler logs the
	// later ones (the keys held so far stay in use).
	var started atomic.Bool
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{j.opts.JWKSURL}, keyfunc.Override{
		Client:                    client,
		HTTPTimeout:               jwksTimeout,
		NoErrorReturnFirstHTTPReq: &noStartWithoutKeys,
		RefreshInterval:           refresh,
		// The library fetches the set again for an unknown kid whenever
		// it is asked to: j.kidGate (see jwksKey) decides when it is, without
		// ever making a call wait for the limiter. (The library's own
		// limiter would make callers wait, and the hub checks tokens in
		// line with the messages and pushes.)
		RefreshUnknownKID: rate.NewLimiter(rate.Inf, 1),
		RateLimitWaitMax:  jwksTimeout,
		RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
			return func(_ context.Context, err error) {
				if !started.Load() {
					return // NewDefaultOverrideCtx returns it
				}
				j.log.Warn("JWKS refresh failed: still using the keys fetched before (is the identity provider reachable?)", "jwks_url", j.opts.JWKSURL, "err", err)
			}
		},
	})
	if err != nil {
		cancel()
		return fmt.Errorf("auth: cannot fetch the JWKS at %s: %w (check --jwt-jwks-url and that this server can reach the identity provider)", j.opts.JWKSURL, err)
	}
	started.Store(true)
	keys, err := kf.Storage().KeyReadAll(ctx)
	if err == nil && len(keys) == 0 {
		err = errors.New("the key set has no key this server can use")
	}
	if err != nil {
		cancel()
		return fmt.Errorf("auth: JWKS at %s: %w (is it the provider's jwks.json?)", j.opts.JWKSURL, err)
	}
	j.jwks, j.stop = kf, cancel
	j.kidGate, j.minRefresh = rate.NewLimiter(rate.Every(minRefresh), 1), minRefresh
	j.log.Info("bearer tokens checked against a JWKS", "jwks_url", j.opts.JWKSURL, "keys", len(keys), "issuer", j.opts.Issuer, "audience", j.opts.Audience)
	return nil
}

// jwksKey returns the JWKS key for t. A kid the cached set lacks makes the
// set be fetched again, at once, when j.kidGate allows one fetch (once per
// JWKSMinRefresh); otherwise the token is refused without waiting.
func (j *JWT) jwksKey(t *jwt.Token) (any, error) {
	if kid, ok := t.Header["kid"].(string); ok && !j.knownKID(kid) && !j.kidGate.Allow() {
		return nil, fmt.Errorf("key id %q is not in the JWKS, which was fetched again less than %v ago (a key the provider does not publish, or a forged token)", kid, j.minRefresh)
	}
	return j.jwks.Keyfunc(t)
}

// knownKID reports whether the cached key set holds kid.
func (j *JWT) knownKID(kid string) bool {
	keys, err := j.jwks.Storage().KeyReadAll(context.Background())
	if err != nil {
		return false
	}
	for _, k := range keys {
		if k.Marshal().KID == kid {
			return true
		}
	}
	return false
}
