package auth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gonetify/gonetify/auth"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// signer is one key of the test identity provider.
type signer struct {
	kid string
	alg jwt.SigningMethod
	key crypto.Signer
}

func newRSA(t testing.TB, kid string) *signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{kid, jwt.SigningMethodRS256, k}
}

func newEC(t testing.TB, kid string) *signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{kid, jwt.SigningMethodES256, k}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwk is the public JWK of s, as a provider publishes it.
func (s *signer) jwk() map[string]string {
	switch k := s.key.Public().(type) {
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "kid": s.kid, "alg": "RS256", "use": "sig", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		b, err := k.Bytes() // 0x04 || X || Y
		if err != nil {
			panic(err)
		}
		x, y := b[1:33], b[33:]
		return map[string]string{"kty": "EC", "kid": s.kid, "alg": "ES256", "use": "sig", "crv": "P-256", "x": b64(x), "y": b64(y)}
	}
	panic("key type")
}

func (s *signer) sign(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(s.alg, claims)
	tok.Header["kid"] = s.kid
	str, err := tok.SignedString(s.key)
	if err != nil {
		t.Fatal(err)
	}
	return str
}

// idp is a local identity provider's JWKS endpoint whose keys a test
// rotates.
type idp struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []*signer
	fetches atomic.Int32
}

func newIDP(t testing.TB, keys ...*signer) *idp {
	p := &idp{keys: keys}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		set := []map[string]string{}
		for _, k := range p.keys {
			set = append(set, k.jwk())
		}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": set})
	}))
	t.Cleanup(p.Close)
	return p
}

// publish replaces the published keys.
func (p *idp) publish(keys ...*signer) {
	p.mu.Lock()
	p.keys = keys
	p.mu.Unlock()
}

const (
	testIssuer   = "https://idp.example/pool"
	testAudience = "app-client"
)

func claims(sub string, extra ...any) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"sub": sub, "iss": testIssuer, "aud": testAudience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == nil {
			delete(c, extra[i].(string))
		} else {
			c[extra[i].(string)] = extra[i+1]
		}
	}
	return c
}

func newJWKS(t *testing.T, p *idp, tweak func(*auth.Options)) *auth.JWT {
	t.Helper()
	o := auth.Options{JWKSURL: p.URL, Issuer: testIssuer, Audience: testAudience, Logger: quiet()}
	if tweak != nil {
		tweak(&o)
	}
	j, err := auth.NewJWT(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(j.Close)
	return j
}

// hubWith returns a connect function for a hub checking tokens with j.
func hubWith(t *testing.T, j *auth.JWT) func(info *vm.Conn) *conn {
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[SecretVM](reg, "SecretVM"))
	mustReg(vm.RegisterType[AdminVM](reg, "AdminVM"))
	h := hub.New(reg, hub.Options{
		Logger:      quiet(),
		Middlewares: []hub.Middleware{j.Middleware()},
		Filters:     []hub.Filter{auth.AuthorizeFilter()},
	})
	return func(info *vm.Conn) *conn {
		rec := &recorder{}
		c, err := h.Connect(info, rec)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return &conn{t, c, rec}
	}
}

func served(t *testing.T, c *conn, user string) {
	t.Helper()
	f := c.rec.wait(t, "state of "+user, func(f map[string]any) bool { return f["User"] != nil || f["ExceptionType"] != nil })
	if f["User"] != user {
		t.Fatalf("want the state for %s, got %v", user, f)
	}
}

// TestJWKSRefused: only tokens signed by a published key, with the right
// algorithm, issuer, audience and times, are served; the others get
// UnauthorizedAccessException and no state.
func TestJWKSRefused(t *testing.T) {
	rs, es := newRSA(t, "rsa-1"), newEC(t, "ec-1")
	p := newIDP(t, rs, es)
	j := newJWKS(t, p, func(o *auth.Options) { o.Leeway = 5 * time.Second })
	connect := hubWith(t, j)

	impostor := newRSA(t, "rsa-1") // same kid, another key
	stranger := newRSA(t, "who")   // a kid the provider never published
	noneTok, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims("ann")).SignedString(jwt.UnsafeAllowNoneSignatureType)
	noneKid := jwt.NewWithClaims(jwt.SigningMethodNone, claims("ann"))
	noneKid.Header["kid"] = "rsa-1"
	noneKidTok, _ := noneKid.SignedString(jwt.UnsafeAllowNoneSignatureType)
	// Algorithm confusion: HS256 keyed with the provider's public key.
	pub, _ := x509.MarshalPKIXPublicKey(rs.key.Public())
	pemPub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	confused := jwt.NewWithClaims(jwt.SigningMethodHS256, claims("ann"))
	confused.Header["kid"] = "rsa-1"
	confusedTok, _ := confused.SignedString(pemPub)
	rsMod, _ := rs.key.Public().(*rsa.PublicKey)
	confused2Tok, _ := confused.SignedString(rsMod.N.Bytes())

	cases := map[string]string{
		"forged (another key, published kid)": impostor.sign(t, claims("ann")),
		"unknown kid":                         stranger.sign(t, claims("ann")),
		"expired":                             rs.sign(t, claims("ann", "exp", time.Now().Add(-time.Minute).Unix())),
		"expired, ES256":                      es.sign(t, claims("ann", "exp", time.Now().Add(-time.Minute).Unix())),
		"no expiry":                           rs.sign(t, claims("ann", "exp", nil)),
		"not yet valid":                       rs.sign(t, claims("ann", "nbf", time.Now().Add(time.Minute).Unix())),
		"wrong issuer":                        rs.sign(t, claims("ann", "iss", "https://evil.example")),
		"no issuer":                           rs.sign(t, claims("ann", "iss", nil)),
		"wrong audience":                      rs.sign(t, claims("ann", "aud", "other-client")),
		"wrong client_id, no aud":             rs.sign(t, claims("ann", "aud", nil, "client_id", "other-client")),
		"no audience at all":                  rs.sign(t, claims("ann", "aud", nil)),
		"alg none":                            noneTok,
		"alg none with a kid":                 noneKidTok,
		"HS256 keyed with the public key PEM": confusedTok,
		"HS256 keyed with the modulus":        confused2Tok,
		"tampered claims":                     tamper(rs.sign(t, claims("ann"))),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			c := connect(&vm.Conn{ID: name})
			c.t = t
			c.request("SecretVM", "Bearer "+tok)
			c.refused(name)
		})
	}

	for name, tok := range map[string]string{
		"RS256":                          rs.sign(t, claims("ann")),
		"ES256":                          es.sign(t, claims("ann")),
		"expired within the leeway":      rs.sign(t, claims("ann", "exp", time.Now().Add(-2*time.Second).Unix())),
		"aud array":                      rs.sign(t, claims("ann", "aud", []string{"x", testAudience})),
		"Cognito access token client_id": rs.sign(t, claims("ann", "aud", nil, "client_id", testAudience, "token_use", "access")),
	} {
		t.Run("accepted "+name, func(t *testing.T) {
			c := connect(&vm.Conn{ID: "ok " + name})
			c.request("SecretVM", "Bearer "+tok)
			served(t, c, "ann")
		})
	}
}

// TestJWKSRotation: the provider rotates its keys mid-session. A token of
// the new key is accepted at once (its unknown kid makes the server fetch
// the set again); a token of a retired key is refused from the next fetch
// on, by the pushes of the session that holds it, until the client
// refreshes it in band.
func TestJWKSRotation(t *testing.T) {
	k1, k2 := newRSA(t, "2026-1"), newRSA(t, "2026-2")
	p := newIDP(t, k1)
	j := newJWKS(t, p, func(o *auth.Options) {
		o.JWKSRefresh = 300 * time.Millisecond
		o.JWKSMinRefresh = time.Millisecond
	})
	connect := hubWith(t, j)

	a := connect(&vm.Conn{ID: "a"})
	a.request("SecretVM", "Bearer "+k1.sign(t, claims("ann")))
	served(t, a, "ann")
	a.rec.wait(t, "a push", func(f map[string]any) bool { return f["N"] != nil })

	// The provider publishes k2 beside k1 and signs with k2.
	p.publish(k1, k2)
	before := p.fetches.Load()
	b := connect(&vm.Conn{ID: "b"})
	b.request("SecretVM", "Bearer "+k2.sign(t, claims("bob")))
	served(t, b, "bob")
	if p.fetches.Load() == before {
		t.Fatal("the new kid was accepted without fetching the key set")
	}
	a.rec.take()
	a.rec.wait(t, "a still pushed with k1 published", func(f map[string]any) bool { return f["N"] != nil })

	// k1 is retired: from the next periodic fetch, a's token is refused.
	p.publish(k2)
	a.rec.wait(t, "a's pushes refused", isUnauthorized)
	time.Sleep(100 * time.Millisecond)
	for _, f := range a.rec.take() {
		if f["N"] != nil {
			t.Fatalf("pushed with a retired key: %v", f)
		}
	}
	c := connect(&vm.Conn{ID: "c"})
	c.request("SecretVM", "Bearer "+k1.sign(t, claims("ann")))
	c.refused("a new request with a retired key")

	// The client refreshes its token in band: the pushes resume.
	a.send("update_vm", "SecretVM", "value", map[string]any{"$headers": map[string]string{"Authorization": "Bearer " + k2.sign(t, claims("ann"))}})
	a.rec.wait(t, "pushes again", func(f map[string]any) bool { return f["N"] != nil })
}

// TestJWKSUnknownKIDRateLimited: tokens with made-up kids do not make the
// server fetch the key set more than once per JWKSMinRefresh, and they are
// refused without waiting.
func TestJWKSUnknownKIDRateLimited(t *testing.T) {
	p := newIDP(t, newRSA(t, "real"))
	j := newJWKS(t, p, func(o *auth.Options) { o.JWKSMinRefresh = time.Hour })
	start := p.fetches.Load()
	begin := time.Now()
	for i := range 20 {
		if _, err := j.Validate(newEC(t, "fake-"+string(rune('a'+i))).sign(t, claims("x"))); err == nil {
			t.Fatal("unknown kid accepted")
		}
	}
	if n := p.fetches.Load() - start; n > 1 {
		t.Fatalf("%d fetches for 20 unknown kids, want at most 1", n)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Fatalf("refusing 20 unknown kids took %v", d)
	}
}

// TestRoleClaims: roles come from role, roles or cognito:groups by
// default; RoleClaims chooses others, nested paths included.
func TestRoleClaims(t *testing.T) {
	k := newRSA(t, "k")
	p := newIDP(t, k)
	def := newJWKS(t, p, nil)
	for name, c := range map[string]jwt.MapClaims{
		"cognito:groups": claims("ann", "cognito:groups", []string{"users", "admin"}),
		"roles":          claims("ann", "roles", []string{"admin"}),
		"role":           claims("ann", "role", "admin"),
	} {
		pr, err := def.Validate(k.sign(t, c))
		if err != nil {
			t.Fatal(err)
		}
		if !pr.InRole("admin") {
			t.Errorf("%s: roles %v, want admin among them", name, pr.Roles())
		}
	}
	kc := newJWKS(t, p, func(o *auth.Options) { o.RoleClaims = []string{"realm_access.roles", "https://example.com/roles"} })
	pr, err := kc.Validate(k.sign(t, claims("ann", "realm_access", map[string]any{"roles": []string{"admin", "x"}}, "https://example.com/roles", "ops", "role", "root")))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(pr.Roles(), ","); got != "admin,x,ops" {
		t.Fatalf("roles %q, want admin,x,ops (role is not configured)", got)
	}

	// Through the Authorize filter: AdminVM wants role admin.
	connect := hubWith(t, def)
	c := connect(&vm.Conn{ID: "g"})
	c.request("AdminVM", "Bearer "+k.sign(t, claims("ann", "cognito:groups", []string{"users"})))
	c.refused("not in group admin")
	c = connect(&vm.Conn{ID: "a"})
	c.request("AdminVM", "Bearer "+k.sign(t, claims("ann", "cognito:groups", []string{"admin"})))
	if f := c.rec.wait(t, "admin state", func(map[string]any) bool { return true }); f["Ok"] != false {
		t.Fatalf("admin: %v", f)
	}
}

// TestHandshakeToken: a token in the handshake's Authorization header or
// access_token query parameter authenticates the connection's calls; one
// sent in $headers wins.
func TestHandshakeToken(t *testing.T) {
	k := newRSA(t, "k")
	j := newJWKS(t, newIDP(t, k), nil)
	connect := hubWith(t, j)

	c := connect(&vm.Conn{ID: "h", Header: http.Header{"Authorization": {"Bearer " + k.sign(t, claims("hal"))}}})
	c.request("SecretVM", "")
	served(t, c, "hal")

	c = connect(&vm.Conn{ID: "q", Header: http.Header{}, Query: url.Values{"access_token": {k.sign(t, claims("quinn"))}}})
	c.request("SecretVM", "")
	served(t, c, "quinn")

	c = connect(&vm.Conn{ID: "both", Query: url.Values{"access_token": {k.sign(t, claims("quinn"))}}})
	c.request("SecretVM", "Bearer "+k.sign(t, claims("ann")))
	served(t, c, "ann")

	c = connect(&vm.Conn{ID: "bad", Query: url.Values{"access_token": {newRSA(t, "k").sign(t, claims("mallory"))}}})
	c.request("SecretVM", "")
	c.refused("forged handshake token")
}

// TestHMACAndJWKS: with both a Key and a JWKS URL, HS256 tokens are checked
// with the key and RS256 ones with the JWKS; with a JWKS only, HS256 is
// refused. TokenUse and the Cognito user name too.
func TestHMACAndJWKS(t *testing.T) {
	k := newRSA(t, "k")
	p := newIDP(t, k)
	both := newJWKS(t, p, func(o *auth.Options) { o.Key = key })
	hs := sign(t, key, claims("ann"))
	if _, err := both.Validate(hs); err != nil {
		t.Fatalf("HS256 with the key: %v", err)
	}
	if _, err := both.Validate(k.sign(t, claims("ann"))); err != nil {
		t.Fatalf("RS256 with the JWKS: %v", err)
	}
	ids := newJWKS(t, p, func(o *auth.Options) { o.TokenUse = "id" })
	if _, err := ids.Validate(k.sign(t, claims("ann", "token_use", "id"))); err != nil {
		t.Fatalf("token_use id: %v", err)
	}
	for _, use := range []any{"access", nil} {
		if _, err := ids.Validate(k.sign(t, claims("ann", "token_use", use))); err == nil || !strings.Contains(err.Error(), "token_use") {
			t.Fatalf("token_use %v accepted where id is required: %v", use, err)
		}
	}
	pr, err := ids.Validate(k.sign(t, claims("3f1c-uuid", "token_use", "id", "cognito:username", "ann")))
	if err != nil || pr.Name() != "ann" {
		t.Fatalf("Name of a Cognito ID token: %v %v", pr, err)
	}
	only := newJWKS(t, p, nil)
	if _, err := only.Validate(hs); err == nil || !strings.Contains(err.Error(), "no HMAC key") {
		t.Fatalf("HS256 without a key: %v", err)
	}
	if _, _, err := only.Issue("ann", nil, time.Minute); err == nil {
		t.Fatal("Issue without an HMAC key")
	}
}

// TestJWKSStartErrors: a JWKS that cannot be used stops NewJWT with an
// error naming the URL.
func TestJWKSStartErrors(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"keys":[]}`)) }))
	defer empty.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", 500) }))
	defer broken.Close()
	for name, u := range map[string]string{"not a URL": "cognito", "ftp": "ftp://x/jwks.json", "unreachable": down.URL, "empty set": empty.URL, "HTTP 500": broken.URL} {
		j, err := auth.NewJWT(auth.Options{JWKSURL: u, Logger: quiet()})
		if err == nil {
			j.Close()
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), u) {
			t.Errorf("%s: error does not name the URL: %v", name, err)
		}
	}
}
