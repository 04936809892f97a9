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
// Tokens may also be signed by an identity provider (Amazon Cognito,
// Auth0, Entra ID, Keycloak, …) with RS256, ES256 and the like: give
// [Options.JWKSURL], and the keys it publishes are fetched, cached and
// refreshed as the provider rotates them. Besides $headers, the token may
// come with the connection's handshake (see [TokenOf]).
//
// Claim names are the token's own (sub, name, role, …): unlike .NET, no
// claim is renamed. Roles are read from the claims [Options.RoleClaims]
// names (role, roles and cognito:groups by default).
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// Options configure token validation (and issuing, see [JWT.Issue]).
//
// Set Key, JWKSURL or both: a token signed with HS256, HS384 or HS512 is
// checked with Key; one signed with RS*, PS*, ES* or EdDSA with the public
// keys of JWKSURL. Any other algorithm, "none" included, is refused, and
// an HMAC token is never checked against a JWKS key (no algorithm
// confusion).
type Options struct {
	// Key is the HMAC key (HS256, HS384 or HS512). Use at least 32 random
	// bytes. Required without JWKSURL; needed by [JWT.Issue].
	Key []byte
	// JWKSURL is the JSON Web Key Set of an identity provider (for Amazon
	// Cognito https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/jwks.json).
	// The keys are fetched by [NewJWT], cached, fetched again every
	// JWKSRefresh and, when a token names a key id (kid) the cache does not
	// hold (the provider rotated its keys), at once, at most once per
	// JWKSMinRefresh. A key the provider no longer publishes stops
	// verifying tokens at the next fetch.
	JWKSURL string
	// JWKSRefresh is how often the key set is fetched again; 0 means an
	// hour.
	JWKSRefresh time.Duration
	// JWKSMinRefresh is the least time between two fetches caused by an
	// unknown kid (a burst of forged kids cannot make the server hammer
	// the provider); 0 means 30 seconds. A token with an unknown kid
	// arriving sooner is refused at once: checking a token never waits
	// for the limit (only the one call that fetches waits, for the fetch,
	// at most 10 seconds).
	JWKSMinRefresh time.Duration
	// HTTPClient fetches the key set; nil means a client with a
	// 10-second timeout.
	HTTPClient *http.Client
	// Issuer, when set, must be the token's iss claim.
	Issuer string
	// Audience, when set, must be one of the token's aud values or, for a
	// token without aud, its client_id claim (Amazon Cognito's access
	// tokens carry the app client id there and have no aud).
	Audience string
	// TokenUse, when set, must be the token's token_use claim (Amazon
	// Cognito: "id" or "access"), so that only one kind of token is taken.
	TokenUse string
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration
	// RoleClaims name the claims holding the user's roles (a string or an
	// array of strings each), in addition to one another; nil means
	// [DefaultRoleClaims]. A name that is not a claim but contains dots is
	// read as a path into nested objects (Keycloak's "realm_access.roles").
	RoleClaims []string
	// Logger receives refused tokens; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultRoleClaims are the claims read as roles when [Options.RoleClaims]
// is nil: dotNetify's "role", the "roles" of Microsoft Entra ID and
// others, and Amazon Cognito's "cognito:groups".
var DefaultRoleClaims = []string{"role", "roles", "cognito:groups"}

// Algorithms accepted with a JWKS key set, and with an HMAC key.
var (
	jwksMethods = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	hmacMethods = []string{"HS256", "HS384", "HS512"}
)

// JWT validates and issues bearer tokens.
type JWT struct {
	opts   Options
	parser *jwt.Parser
	log    *slog.Logger
	now    func() time.Time
	roles  []string
	jwks   keyfunc.Keyfunc // nil without JWKSURL
	stop   context.CancelFunc
	// kidGate allows one fetch of the key set for an unknown kid per
	// minRefresh (JWKSMinRefresh).
	kidGate    *rate.Limiter
	minRefresh time.Duration
}

// NewJWT returns a validator for opts. With a JWKSURL it fetches the key
// set first and fails if it cannot; call [JWT.Close] to stop its
// background refresh.
func NewJWT(opts Options) (*JWT, error) {
	if len(opts.Key) == 0 && opts.JWKSURL == "" {
		return nil, errors.New("auth: no way to check tokens: set an HMAC Key (--jwt-key), a JWKSURL (--jwt-jwks-url) or both")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	// HS* is always parsed so that, without a Key, the refusal says why
	// (key refuses it).
	methods := slices.Clone(hmacMethods)
	j := &JWT{opts: opts, log: log, now: time.Now, roles: opts.RoleClaims, stop: func() {}}
	if j.roles == nil {
		j.roles = DefaultRoleClaims
	}
	if opts.JWKSURL != "" {
		if err := j.startJWKS(); err != nil {
			return nil, err
		}
		methods = append(methods, jwksMethods...)
	}
	popts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(opts.Leeway),
		jwt.WithIssuedAt(),
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	// The audience is checked by Validate (aud, else client_id).
	j.parser = jwt.NewParser(popts...)
	return j, nil
}

// Close stops the background refresh of the JWKS key set. The JWT still
// validates tokens with the keys it holds.
func (j *JWT) Close() { j.stop() }

// Validate checks a token (signature, algorithm, issuer, audience, expiry)
// and returns its principal.
func (j *JWT) Validate(token string) (*Principal, error) {
	claims := jwt.MapClaims{}
	if _, err := j.parser.ParseWithClaims(token, claims, j.key); err != nil {
		return nil, err
	}
	if err := j.checkAudience(claims); err != nil {
		return nil, err
	}
	if want := j.opts.TokenUse; want != "" {
		if got, _ := claims["token_use"].(string); got != want {
			return nil, fmt.Errorf("%w: token_use %q, want %q", jwt.ErrTokenInvalidClaims, got, want)
		}
	}
	return &Principal{Claims: claims, roleClaims: j.roles}, nil
}

// key picks the verification key for the token's algorithm: the HMAC key
// for HS*, the JWKS key named by its kid otherwise.
func (j *JWT) key(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if slices.Contains(hmacMethods, alg) {
		if len(j.opts.Key) == 0 {
			return nil, fmt.Errorf("token signed with %s, but no HMAC key is configured (--jwt-key)", alg)
		}
		return j.opts.Key, nil
	}
	if j.jwks == nil {
		return nil, fmt.Errorf("token signed with %s, but no JWKS URL is configured (--jwt-jwks-url)", alg)
	}
	return j.jwksKey(t)
}

// checkAudience enforces Options.Audience: one of the aud values, or for
// a token without aud, client_id.
func (j *JWT) checkAudience(claims jwt.MapClaims) error {
	want := j.opts.Audience
	if want == "" {
		return nil
	}
	aud, err := claims.GetAudience()
	if err != nil {
		return err
	}
	if len(aud) > 0 {
		if slices.Contains(aud, want) {
			return nil
		}
		return fmt.Errorf("%w: aud %q, want %q", jwt.ErrTokenInvalidAudience, []string(aud), want)
	}
	if id, ok := claims["client_id"].(string); ok {
		if id == want {
			return nil
		}
		return fmt.Errorf("%w: client_id %q, want %q", jwt.ErrTokenInvalidAudience, id, want)
	}
	return fmt.Errorf("%w: the token has neither aud nor client_id, want %q", jwt.ErrTokenRequiredClaimMissing, want)
}

// Issue signs a token (HS256) for user with the given roles, valid from
// now for lifetime, with the configured issuer and audience. It returns
// the token and its expiry.
func (j *JWT) Issue(user string, roles []string, lifetime time.Duration) (string, time.Time, error) {
	if len(j.opts.Key) == 0 {
		return "", time.Time{}, errors.New("auth: issuing tokens needs an HMAC Key (set --jwt-key); tokens of a JWKS provider are issued by the provider")
	}
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

// Middleware returns dotNetify's JWT bearer middleware: it finds the
// call's token (see [TokenOf]), validates it and sets the call's Principal
// to its claims. A missing or invalid token leaves the call anonymous (an
// invalid one is logged) and the pipeline continues: the
// [AuthorizeFilter] refuses what needs a user.
func (j *JWT) Middleware() hub.Middleware {
	return func(x *hub.Context, next func() error) error {
		if tok, from := TokenOf(x); tok != "" {
			p, err := j.Validate(tok)
			if err != nil {
				level := slog.LevelInfo
				if x.CallType == hub.ResponseVM {
					level = slog.LevelDebug // re-checked on every push: don't flood the log
				}
				attrs := []any{"call", string(x.CallType), "vm", x.VMID, "from", from, "err", err}
				if x.Client != nil {
					attrs = append(attrs, "conn", x.Client.ID())
				}
				j.log.Log(context.Background(), level, "bearer token refused", attrs...)
			} else {
				x.Principal = p
			}
		}
		return next()
	}
}

// AccessTokenParam is the query parameter of the WebSocket handshake that
// may carry the token: a browser cannot set headers on a WebSocket, and
// API Gateway hands the app server only what its $connect route maps.
const AccessTokenParam = "access_token"

// TokenOf returns the bearer token of a call and where it was found:
//
//   - "$headers": the Authorization value of the $headers the client sent
//     with request_vm or, refreshed, with an update_vm ("Bearer <token>",
//     both names case-insensitive); it wins over the handshake's, so a
//     token refreshed in band replaces the one the connection opened with;
//   - "handshake header": the Authorization header of the connection's
//     handshake request (the WebSocket upgrade; SignalR's transport
//     request; API Gateway's $connect, as the integration forwards it);
//   - "handshake query": its access_token query parameter (the raw token).
//
// It returns "", "" when the call has none.
func TokenOf(x *hub.Context) (token, from string) {
	if tok, ok := Bearer(x.Header("Authorization")); ok {
		return tok, "$headers"
	}
	if x.Client == nil || x.Client.Info() == nil {
		return "", ""
	}
	info := x.Client.Info()
	if tok, ok := Bearer(info.Header.Get("Authorization")); ok {
		return tok, "handshake header"
	}
	if tok := strings.TrimSpace(info.Query.Get(AccessTokenParam)); tok != "" {
		return tok, "handshake query"
	}
	return "", ""
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
	// roleClaims name the claims Roles reads; nil means DefaultRoleClaims.
	roleClaims []string
}

// Name returns the first of the claims name, unique_name,
// preferred_username (OpenID Connect), cognito:username (Cognito's ID
// tokens), username (its access tokens) and sub that is set.
func (p *Principal) Name() string {
	for _, k := range []string{"name", "unique_name", "preferred_username", "cognito:username", "username", "sub"} {
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

// Roles returns the user's roles: the values of the role claims the
// validator was configured with ([Options.RoleClaims], by default
// [DefaultRoleClaims]), each a string or an array of strings.
func (p *Principal) Roles() []string {
	if p == nil {
		return nil
	}
	names := p.roleClaims
	if names == nil {
		names = DefaultRoleClaims
	}
	var out []string
	for _, n := range names {
		for _, r := range p.claimOrPath(n) {
			if r != "" && !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// claimOrPath returns Claim(name) or, when there is no such claim and name
// has dots, the values at that path of nested objects.
func (p *Principal) claimOrPath(name string) []string {
	if v := p.Claim(name); v != nil || !strings.Contains(name, ".") {
		return v
	}
	parts := strings.Split(name, ".")
	var cur any = map[string]any(p.Claims)
	for _, k := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[k]; !ok {
			return nil
		}
	}
	return (&Principal{Claims: jwt.MapClaims{"v": cur}}).Claim("v")
}

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
