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
		// One fetch for an unknown kid per minRefresh. A token arriving
		// when the next allowed fetch is more than jwksTimeout away is
		// refused at once (the limiter fails fast when the wait would
		// exceed RateLimitWaitMax): the hub checks tokens in line with the
		// connection's messages, so nothing waits long.
		RefreshUnknownKID: rate.NewLimiter(rate.Every(minRefresh), 1),
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
	j.log.Info("bearer tokens checked against a JWKS", "jwks_url", j.opts.JWKSURL, "keys", len(keys), "issuer", j.opts.Issuer, "audience", j.opts.Audience)
	return nil
}
