package main

import (
	"crypto/rand"
	"flag"
	"log/slog"

	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/server"
)

// The demo's token issuer and audience.
const (
	demoIssuer   = "gonetify"
	demoAudience = "gonetify-demo"
	demoPassword = "dotnetify"
)

// demoAuthUsage describes the --jwt-* flags as `serve` and `demo` use them.
func demoAuthUsage(fs *flag.FlagSet) {
	usage := map[string]string{
		"jwt-key":        "HMAC `key` signing and checking bearer tokens (at least 32 bytes; default without --jwt-jwks-url: a random key per run, demo mode)",
		"token-lifetime": "lifetime of the tokens POST /token issues (demo mode)",
		"jwt-issuer":     "required iss claim of bearer tokens (Cognito: https://cognito-idp.REGION.amazonaws.com/POOL_ID; default in demo mode: " + demoIssuer + ")",
		"jwt-audience":   "required audience: one of the token's aud values or, for a token without aud, its client_id (Cognito: the app client id; default in demo mode: " + demoAudience + ")",
	}
	for name, u := range usage {
		fs.Lookup(name).Usage = u
	}
}

// demoAuth sets up the example app's authentication in opts: the JWT
// bearer middleware, the Authorize filter, SecurePage's access-token
// filter and, in demo mode, the POST /token handler of dotNetify's
// SecurePage demo: password "dotnetify" for any user name, role admin for
// user admin.
//
// Without --jwt-jwks-url the server is in demo mode: it checks and issues
// HS256 tokens with --jwt-key (a random key per run by default), issuer
// "gonetify" and audience "gonetify-demo" unless --jwt-issuer or
// --jwt-audience say otherwise. With --jwt-jwks-url it checks the tokens
// of an identity provider (Amazon Cognito, Auth0, Entra ID, Keycloak, …)
// against its published keys, issues none (no POST /token), and accepts
// HS256 tokens only if --jwt-key is set.
func demoAuth(opts *server.Options, log *slog.Logger) error {
	opts.Filters = append(opts.Filters, examples.AccessTokenFilter())
	if opts.JWT.JWKSURL != "" {
		return nil // the provider issues the tokens
	}
	if len(opts.JWT.Key) == 0 {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return err
		}
		opts.JWT.Key = k
		log.Info("demo mode: bearer tokens are signed with a random key made for this run (set --jwt-key or GONETIFY_JWT_KEY to keep tokens valid across restarts and servers, or --jwt-jwks-url to use an identity provider's tokens)")
	}
	if opts.JWT.Issuer == "" {
		opts.JWT.Issuer = demoIssuer
	}
	if opts.JWT.Audience == "" {
		opts.JWT.Audience = demoAudience
	}
	opts.TokenCheck = func(user, password string) ([]string, bool) {
		if password != demoPassword {
			return nil, false
		}
		if user == "admin" {
			return []string{"admin"}, true
		}
		return nil, true
	}
	return nil
}
