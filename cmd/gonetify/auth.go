package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gonetify/gonetify/auth"
	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/hub"
)

// The demo's token issuer and audience.
const (
	demoIssuer   = "gonetify"
	demoAudience = "gonetify-demo"
	demoPassword = "dotnetify"
)

// authSetup registers the authentication flags (--jwt-key,
// --token-lifetime, --jwt-jwks-url, --jwt-issuer, --jwt-audience,
// --jwt-roles-claim, --jwt-token-use, --jwt-leeway) on fs. The function it returns, called
// after the flags are parsed, gives the hub's middlewares and filters (JWT
// bearer, Authorize, SecurePage's access-token filter) and, in demo mode,
// the POST /token handler of dotNetify's SecurePage demo: password
// "dotnetify" for any user name, role admin for user admin.
//
// Without --jwt-jwks-url the server is in demo mode: it checks and issues
// HS256 tokens with --jwt-key (a random key per run by default), issuer
// "gonetify" and audience "gonetify-demo" unless --jwt-issuer or
// --jwt-audience say otherwise. With --jwt-jwks-url it checks the tokens
// of an identity provider (Amazon Cognito, Auth0, Entra ID, Keycloak, …)
// against its published keys, issues none (no POST /token), and accepts
// HS256 tokens only if --jwt-key is set.
func authSetup(fs *flag.FlagSet) func(log *slog.Logger) (middlewares []hub.Middleware, filters []hub.Filter, token http.Handler, err error) {
	key := fs.String("jwt-key", "", "HMAC `key` signing and checking bearer tokens (at least 32 bytes; default without --jwt-jwks-url: a random key per run, demo mode)")
	lifetime := fs.Duration("token-lifetime", 30*time.Minute, "lifetime of the tokens POST /token issues (demo mode)")
	jwksURL := fs.String("jwt-jwks-url", "", "check RS256/ES256/… bearer tokens against the identity provider's JSON Web Key Set at this `URL` (Cognito: https://cognito-idp.REGION.amazonaws.com/POOL_ID/.well-known/jwks.json); keys are cached and fetched again hourly and on an unknown kid")
	issuer := fs.String("jwt-issuer", "", "required iss claim of bearer tokens (Cognito: https://cognito-idp.REGION.amazonaws.com/POOL_ID; default in demo mode: "+demoIssuer+")")
	audience := fs.String("jwt-audience", "", "required audience: one of the token's aud values or, for a token without aud, its client_id (Cognito: the app client id; default in demo mode: "+demoAudience+")")
	roles := fs.String("jwt-roles-claim", strings.Join(auth.DefaultRoleClaims, ","), "comma-separated `claims` holding the user's roles; a dotted name reads a nested claim (Keycloak: realm_access.roles)")
	tokenUse := fs.String("jwt-token-use", "", "required token_use claim (Cognito: id or access; default: either)")
	leeway := fs.Duration("jwt-leeway", time.Second, "clock skew allowed on the exp, nbf and iat of bearer tokens")
	return func(log *slog.Logger) ([]hub.Middleware, []hub.Filter, http.Handler, error) {
		if *lifetime <= 0 {
			return nil, nil, nil, fmt.Errorf("--token-lifetime must be positive, got %v", *lifetime)
		}
		if *leeway < 0 {
			return nil, nil, nil, fmt.Errorf("--jwt-leeway must not be negative, got %v", *leeway)
		}
		var roleClaims []string
		for r := range strings.SplitSeq(*roles, ",") {
			if r = strings.TrimSpace(r); r != "" {
				roleClaims = append(roleClaims, r)
			}
		}
		if roleClaims == nil {
			roleClaims = []string{} // no roles at all, not the defaults
		}
		opts := auth.Options{JWKSURL: *jwksURL, Issuer: *issuer, Audience: *audience, TokenUse: *tokenUse, Leeway: *leeway, RoleClaims: roleClaims, Logger: log}
		k := []byte(*key)
		demo := *jwksURL == ""
		switch {
		case demo && len(k) == 0:
			k = make([]byte, 32)
			if _, err := rand.Read(k); err != nil {
				return nil, nil, nil, err
			}
			log.Info("demo mode: bearer tokens are signed with a random key made for this run (set --jwt-key or GONETIFY_JWT_KEY to keep tokens valid across restarts and servers, or --jwt-jwks-url to use an identity provider's tokens)")
		case len(k) > 0 && len(k) < 32:
			log.Warn("--jwt-key is shorter than 32 bytes: tokens are easier to forge; use a longer random key")
		}
		opts.Key = k
		if demo {
			if opts.Issuer == "" {
				opts.Issuer = demoIssuer
			}
			if opts.Audience == "" {
				opts.Audience = demoAudience
			}
		} else {
			if opts.Issuer == "" {
				log.Warn("--jwt-jwks-url without --jwt-issuer: tokens of any issuer signed with these keys are accepted; set --jwt-issuer")
			}
			if opts.Audience == "" {
				log.Warn("--jwt-jwks-url without --jwt-audience: tokens for any app of this provider are accepted; set --jwt-audience to your app client id")
			}
		}
		j, err := auth.NewJWT(opts)
		if err != nil {
			return nil, nil, nil, err
		}
		mws := []hub.Middleware{j.Middleware()}
		filters := []hub.Filter{auth.AuthorizeFilter(), examples.AccessTokenFilter()}
		if !demo {
			return mws, filters, nil, nil // the provider issues the tokens
		}
		check := func(user, password string) ([]string, bool) {
			if password != demoPassword {
				return nil, false
			}
			if user == "admin" {
				return []string{"admin"}, true
			}
			return nil, true
		}
		return mws, filters, j.TokenHandler(check, *lifetime), nil
	}
}
