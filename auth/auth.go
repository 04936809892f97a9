// Package auth is dotNetify's JWT bearer authentication and Authorize
// filter for the gonetify hub.
//
// The client sends its token the dotNetify way, in the connect option
// headers, which arrive as $headers of request_vm:
//
//	dotnetify.react.connect("SecurePageVM", this, {
//		headers: { Authorization: "Bearer " + token },
//		exceptionHandler: ex => …, // {name: "UnauthorizedAccessException", …}
//	});
//
// and refreshes it in band with vm.$dispatch({$headers: {Authorization:
// "Bearer " + newToken}}). The hub caches the headers per connection, so
// the [JWT] middleware validates the current token on every call: the
// request, every update, and every response and push. A VM type declares
// who may use it with an [Authorize] field:
//
//	type AdminVM struct {
//		vm.Base
//		_ auth.Authorize `role:"admin"`
//		…
//	}
//
// and the server registers both:
//
//	j, _ := auth.NewJWT(auth.Options{Key: key, Issuer: "me", Audience: "my-app"})
//	h := hub.New(reg, hub.Options{
//		Middlewares: []hub.Middleware{j.Middleware()},
//		Filters:     []hub.Filter{auth.AuthorizeFilter()},
//	})
//
// Claim names are the token's own (sub, name, role, …): unlike .NET, no
// claim is renamed.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// Options configure token validation (and issuing, see [JWT.Issue]).
type Options struct {
	// Key is the HMAC key (HS256, HS384 or HS512). Required; use at least
	// 32 random bytes.
	Key []byte
	// Issuer, when set, must be the token's iss claim.
	Issuer string
	// Audience, when set, must be one of the token's aud values.
	Audience string
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration
	// Logger receives refused tokens; nil means slog.Default().
	Logger *slog.Logger
}

// JWT validates and issues bearer tokens.
type JWT struct {
	opts   Options
	parser *jwt.Parser
	log    *slog.Logger
	now    func() time.Time
}

// NewJWT returns a validator for opts.
func NewJWT(opts Options) (*JWT, error) {
	if len(opts.Key) == 0 {
		return nil, errors.New("auth: a signing key is required")
	}
	popts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"HS256", "HS384", "HS512"}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(opts.Leeway),
		jwt.WithIssuedAt(),
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	if opts.Audience != "" {
		popts = append(popts, jwt.WithAudience(opts.Audience))
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &JWT{opts: opts, parser: jwt.NewParser(popts...), log: log, now: time.Now}, nil
}

// Validate checks a token (signature, algorithm, issuer, audience, expiry)
// and returns its principal.
func (j *JWT) Validate(token string) (*Principal, error) {
	claims := jwt.MapClaims{}
	_, err := j.parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return j.opts.Key, nil })
	if err != nil {
		return nil, err
	}
	return &Principal{Claims: claims}, nil
}

// Issue signs a token (HS256) for user with the given roles, valid from
// now for lifetime, with the configured issuer and audience. It returns
// the token and its expiry.
func (j *JWT) Issue(user string, roles []string, lifetime time.Duration) (string, time.Time, error) {
	now := j.now().Truncate(time.Second)
	exp := now.Add(lifetime)
	claims := jwt.MapClaims{
		"sub":  user,
		"name": user,
		"iat":  now.Unix(),
		"nbf":  now.Unix(),
		"exp":  exp.Unix(),
	}
	if j.opts.Issuer != "" {
		claims["iss"] = j.opts.Issuer
	}
	if j.opts.Audience != "" {
		claims["aud"] = j.opts.Audience
	}
	switch len(roles) {
	case 0:
	case 1:
		claims["role"] = roles[0]
	default:
		claims["role"] = roles
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(j.opts.Key)
	return s, exp, err
}

// Middleware returns dotNetify's JWT bearer middleware: it reads the
// Authorization header of the call's $headers ("Bearer <token>", both
// names case-insensitive), validates the token and sets the call's
// Principal to its claims. A missing or invalid token leaves the call
// anonymous (an invalid one is logged) and the pipeline continues: the
// [AuthorizeFilter] refuses what needs a user.
func (j *JWT) Middleware() hub.Middleware {
	return func(x *hub.Context, next func() error) error {
		if tok, ok := Bearer(x.Header("Authorization")); ok {
			p, err := j.Validate(tok)
			if err != nil {
				level := slog.LevelInfo
				if x.CallType == hub.ResponseVM {
					level = slog.LevelDebug // re-checked on every push: don't flood the log
				}
				attrs := []any{"call", string(x.CallType), "vm", x.VMID, "err", err}
				if x.Conn != nil {
					attrs = append(attrs, "conn", x.Conn.ID())
				}
				j.log.Log(context.Background(), level, "bearer token refused", attrs...)
			} else {
				x.Principal = p
			}
		}
		return next()
	}
}

// Bearer returns the token of an Authorization value "Bearer <token>"
// (the scheme is case-insensitive).
func Bearer(h string) (string, bool) {
	const scheme = "bearer "
	h = strings.TrimSpace(h)
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	tok := strings.TrimSpace(h[len(scheme):])
	return tok, tok != ""
}

// Principal is an authenticated user: the claims of a valid token. It
// implements [hub.Principal].
type Principal struct {
	// Claims are the token's claims, by their JWT names.
	Claims jwt.MapClaims
}

// Name returns the name claim, else unique_name, else sub.
func (p *Principal) Name() string {
	for _, k := range []string{"name", "unique_name", "sub"} {
		if v := p.Claim(k); len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return ""
}

// Authenticated reports true for a non-nil principal.
func (p *Principal) Authenticated() bool { return p != nil }

// Claim returns the values of the claim typ (matched case-insensitively),
// as strings: an array claim gives each element.
func (p *Principal) Claim(typ string) []string {
	if p == nil {
		return nil
	}
	v, ok := p.Claims[typ]
	if !ok {
		for k, x := range p.Claims {
			if strings.EqualFold(k, typ) {
				v, ok = x, true
				break
			}
		}
	}
	if !ok {
		return nil
	}
	if a, isArr := v.([]any); isArr {
		out := make([]string, 0, len(a))
		for _, e := range a {
			out = append(out, claimString(e))
		}
		return out
	}
	return []string{claimString(v)}
}

func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// HasClaim reports whether the claim typ (case-insensitive) has the exact
// value.
func (p *Principal) HasClaim(typ, value string) bool { return slices.Contains(p.Claim(typ), value) }

// Roles returns the role claim (a string or an array of strings).
func (p *Principal) Roles() []string { return p.Claim("role") }

// InRole reports whether the user has role.
func (p *Principal) InRole(role string) bool { return slices.Contains(p.Roles(), role) }

// Issuer returns the iss claim.
func (p *Principal) Issuer() string {
	s, _ := p.Claims.GetIssuer()
	return s
}

// ValidFrom returns nbf, else iat (zero if neither).
func (p *Principal) ValidFrom() time.Time {
	if t, _ := p.Claims.GetNotBefore(); t != nil {
		return t.Time
	}
	if t, _ := p.Claims.GetIssuedAt(); t != nil {
		return t.Time
	}
	return time.Time{}
}

// ValidTo returns exp (zero if none).
func (p *Principal) ValidTo() time.Time {
	if t, _ := p.Claims.GetExpirationTime(); t != nil {
		return t.Time
	}
	return time.Time{}
}

// FromContext returns the authenticated user of the call a VM hook or
// command runs for (the ctx of OnCreated and of commands), or nil.
func FromContext(ctx context.Context) *Principal { return Of(hub.FromContext(ctx)) }

// Of returns the authenticated user of a pipeline context, or nil.
func Of(x *hub.Context) *Principal {
	if x == nil {
		return nil
	}
	p, _ := x.Principal.(*Principal)
	return p
}

// ErrUnauthorized is what the client gets when authorization fails, as
// dotNetify sends it.
var ErrUnauthorized error = &vm.Exception{Type: "UnauthorizedAccessException", Message: "Attempted to perform an unauthorized operation."}

func describe(r requirement) string {
	switch {
	case r.role != "":
		return "role " + r.role
	case r.claimType != "":
		return fmt.Sprintf("claim %s=%s", r.claimType, r.claimValue)
	}
	return "an authenticated user"
}
