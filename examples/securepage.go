package examples

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gonetify/gonetify/auth"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// SecurePageVM is dotNetify's SecurePage example: for any authenticated
// user (a valid bearer token in the connect option headers). SecureCaption
// names the user; SecureData, pushed every second, tells how long the
// token has left. The hub needs the auth package's JWT middleware and
// Authorize filter, and [AccessTokenFilter].
type SecurePageVM struct {
	vm.Base
	_ auth.Authorize

	// SecureCaption is `Authenticated user: "<name>"`.
	SecureCaption string
	// SecureData is "Access token will expire in <n> seconds".
	SecureData string

	interval time.Duration
	validTo  time.Time
}

// NewSecurePageVM returns a SecurePageVM pushing SecureData every interval.
func NewSecurePageVM(interval time.Duration) *SecurePageVM {
	return &SecurePageVM{interval: interval}
}

// OnCreated reads the user from the request's token and starts the timer.
func (v *SecurePageVM) OnCreated(ctx context.Context) error {
	p := auth.FromContext(ctx)
	if p == nil { // the Authorize filter is missing: fail closed
		return auth.ErrUnauthorized
	}
	v.setAccessToken(p)
	v.tick()
	v.Every(v.interval, v.tick)
	return nil
}

// setAccessToken is dotNetify's SetAccessToken, called by
// AccessTokenFilter with the current token (unexported: never a command).
// It reports whether the token changed what the VM shows.
func (v *SecurePageVM) setAccessToken(p *auth.Principal) bool {
	changed := false
	if c := fmt.Sprintf("Authenticated user: %q", p.Name()); c != v.SecureCaption {
		v.SecureCaption = c
		v.Changed("SecureCaption")
		changed = true
	}
	if to := p.ValidTo(); !to.Equal(v.validTo) {
		v.validTo = to
		v.tick()
		changed = true
	}
	return changed
}

func (v *SecurePageVM) tick() {
	v.SecureData = fmt.Sprintf("Access token will expire in %d seconds", int(time.Until(v.validTo).Seconds()))
	v.Changed("SecureData")
}

// AdminSecurePageVM is dotNetify's AdminSecurePage example: for users in
// role admin only, it shows the token's issuer and validity. Its Refresh
// command does nothing itself: the client dispatches it with a new token in
// $headers, and [AccessTokenFilter] shows the new token's values.
type AdminSecurePageVM struct {
	vm.Base
	_ auth.Authorize `role:"admin"`
	_ vm.Commands    `vm:"Refresh"`

	// TokenIssuer is `Token issuer: "<iss>"`.
	TokenIssuer string
	// TokenValidFrom is "Valid from: <RFC 1123 time>".
	TokenValidFrom string
	// TokenValidTo is "Valid to: <RFC 1123 time>".
	TokenValidTo string
}

// OnCreated reads the request's token.
func (v *AdminSecurePageVM) OnCreated(ctx context.Context) error {
	p := auth.FromContext(ctx)
	if p == nil || !p.InRole("admin") {
		return auth.ErrUnauthorized
	}
	v.setAccessToken(p)
	return nil
}

// Refresh is the original's no-op command: dispatching it is the way to
// send a refreshed token, which AccessTokenFilter then applies.
func (v *AdminSecurePageVM) Refresh() {}

func (v *AdminSecurePageVM) setAccessToken(p *auth.Principal) bool {
	changed := false
	set := func(field *string, name, val string) {
		if *field != val {
			*field = val
			v.Changed(name)
			changed = true
		}
	}
	set(&v.TokenIssuer, "TokenIssuer", fmt.Sprintf("Token issuer: %q", p.Issuer()))
	set(&v.TokenValidFrom, "TokenValidFrom", "Valid from: "+p.ValidFrom().UTC().Format(http.TimeFormat))
	set(&v.TokenValidTo, "TokenValidTo", "Valid to: "+p.ValidTo().UTC().Format(http.TimeFormat))
	return changed
}

// accessTokenSetter is dotNetify's [SetAccessToken] attribute.
type accessTokenSetter interface {
	setAccessToken(*auth.Principal) (changed bool)
	PushUpdates()
}

// AccessTokenFilter is dotNetify's SetAccessTokenFilter: on every call to
// a SecurePage VM (request, update, response and push) it hands the VM the
// current token, so a token refreshed in band shows at once: a push
// computed from the old token is dropped and pushed again from the new
// one. Register it after auth.AuthorizeFilter.
func AccessTokenFilter() hub.Filter {
	return func(x *hub.Context, v vm.VM, next func() error) error {
		s, ok := v.(accessTokenSetter)
		p := auth.Of(x)
		if !ok || p == nil {
			return next()
		}
		changed := false
		if err := vm.Do(v, func() error { changed = s.setAccessToken(p); return nil }); err != nil {
			return err
		}
		if changed && x.CallType == hub.ResponseVM {
			s.PushUpdates() // the fresh values, right after this stale frame is dropped
			return nil
		}
		return next()
	}
}
