package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
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

// authSetup registers the authentication flags (--jwt-key, --token-lifetime)
// on fs. The function it returns, called after the flags are parsed, gives
// the hub's middlewares and filters (JWT bearer, Authorize, SecurePage's
// access-token filter) and the POST /token handler of dotNetify's
// SecurePage demo: password "dotnetify" for any user name, role admin for
// user admin.
func authSetup(fs *flag.FlagSet) func(log *slog.Logger) (middlewares []hub.Middleware, filters []hub.Filter, token http.Handler, err error) {
	key := fs.String("jwt-key", "", "HMAC `key` signing and checking bearer tokens (at least 32 bytes; default: a random key per run, demo mode)")
	lifetime := fs.Duration("token-lifetime", 30*time.Minute, "lifetime of the tokens POST /token issues")
	return func(log *slog.Logger) ([]hub.Middleware, []hub.Filter, http.Handler, error) {
		if *lifetime <= 0 {
			return nil, nil, nil, fmt.Errorf("--token-lifetime must be positive, got %v", *lifetime)
		}
		k := []byte(*key)
		switch {
		case len(k) == 0:
			k = make([]byte, 32)
			if _, err := rand.Read(k); err != nil {
				return nil, nil, nil, err
			}
			log.Info("demo mode: bearer tokens are signed with a random key made for this run (set --jwt-key or GONETIFY_JWT_KEY to keep tokens valid across restarts and servers)")
		case len(k) < 32:
			log.Warn("--jwt-key is shorter than 32 bytes: tokens are easier to forge; use a longer random key")
		}
		j, err := auth.NewJWT(auth.Options{Key: k, Issuer: demoIssuer, Audience: demoAudience, Leeway: time.Second, Logger: log})
		if err != nil {
			return nil, nil, nil, err
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
		mws := []hub.Middleware{j.Middleware()}
		filters := []hub.Filter{auth.AuthorizeFilter(), examples.AccessTokenFilter()}
		return mws, filters, j.TokenHandler(check, *lifetime), nil
	}
}
