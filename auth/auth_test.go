package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gonetify/gonetify/auth"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
	"github.com/gonetify/gonetify/vm"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newJWT(t *testing.T) *auth.JWT {
	t.Helper()
	j, err := auth.NewJWT(auth.Options{Key: key, Issuer: "iss", Audience: "aud", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func sign(t *testing.T, k []byte, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SecretVM is for any user, AdminVM for admins, SalesVM for dept=sales.
type SecretVM struct {
	vm.Base
	_    auth.Authorize
	User string
	N    int
}

func (v *SecretVM) OnCreated(ctx context.Context) error {
	v.User = auth.FromContext(ctx).Name()
	v.Every(20*time.Millisecond, func() { v.N++; v.Changed("N") })
	return nil
}

type AdminVM struct {
	vm.Base
	auth.Authorize `role:"admin"`
	Ok             bool
}

type SalesVM struct {
	vm.Base
	_  auth.Authorize `claimType:"dept" claimValue:"sales"`
	_  auth.Authorize `role:"staff"`
	Ok bool
}

type recorder struct {
	mu     sync.Mutex
	frames []map[string]any
	vmIDs  []string
}

func (r *recorder) Send(resp *hub.Response) error {
	b := wire.Frame(resp)
	var m struct{ VMID, Data string }
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(m.Data), &d); err != nil {
		return err
	}
	r.mu.Lock()
	r.frames = append(r.frames, d)
	r.vmIDs = append(r.vmIDs, m.VMID)
	r.mu.Unlock()
	return nil
}

func (r *recorder) take() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.frames
	r.frames, r.vmIDs = nil, nil
	return f
}

func (r *recorder) wait(t *testing.T, what string, pred func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for i, f := range r.frames {
			if pred(f) {
				r.frames = r.frames[i+1:]
				r.vmIDs = r.vmIDs[i+1:]
				r.mu.Unlock()
				return f
			}
		}
		r.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no frame: %s; have %v", what, r.take())
	return nil
}

type conn struct {
	t   *testing.T
	c   *hub.Client
	rec *recorder
}

func setup(t *testing.T) (*auth.JWT, func(id string) *conn) {
	j := newJWT(t)
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[SecretVM](reg, "SecretVM"))
	mustReg(vm.RegisterType[AdminVM](reg, "AdminVM"))
	mustReg(vm.RegisterType[SalesVM](reg, "SalesVM"))
	h := hub.New(reg, hub.Options{
		Logger:      quiet(),
		Middlewares: []hub.Middleware{j.Middleware()},
		Filters:     []hub.Filter{auth.AuthorizeFilter()},
	})
	return j, func(id string) *conn {
		rec := &recorder{}
		c, err := h.Connect(&vm.Conn{ID: id}, rec)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return &conn{t, c, rec}
	}
}

func (c *conn) send(callType, vmID, key string, inner any) {
	b, _ := json.Marshal(inner)
	msg, _ := json.Marshal(map[string]string{"callType": callType, "vmId": vmID, key: string(b)})
	if err := c.c.Receive(msg); err != nil {
		c.t.Fatal(err)
	}
}

func (c *conn) request(vmID, token string) {
	args := map[string]any{}
	if token != "" {
		args["$headers"] = map[string]string{"Authorization": token}
	}
	c.send("request_vm", vmID, "vmArgs", args)
}

func isUnauthorized(f map[string]any) bool {
	return f["ExceptionType"] == "UnauthorizedAccessException" && f["Message"] == "Attempted to perform an unauthorized operation."
}

func (c *conn) refused(what string) {
	c.t.Helper()
	fs := c.rec.take()
	if len(fs) != 1 || !isUnauthorized(fs[0]) || len(fs[0]) != 2 {
		c.t.Fatalf("%s: want only UnauthorizedAccessException, got %v", what, fs)
	}
}

func TestRefused(t *testing.T) {
	j, connect := setup(t)
	now := time.Now()
	good := jwt.MapClaims{"sub": "ann", "iss": "iss", "aud": "aud", "exp": now.Add(time.Hour).Unix()}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for a, b := range good {
			c[a] = b
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, good)
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	cases := map[string]string{
		"missing":         "",
		"not bearer":      "Basic " + sign(t, key, good),
		"forged":          "Bearer " + sign(t, []byte("another key, just as long as it is"), good),
		"alg none":        "Bearer " + noneTok,
		"expired":         "Bearer " + sign(t, key, with("exp", now.Add(-time.Minute).Unix())),
		"no expiry":       "Bearer " + sign(t, key, with("exp", nil)),
		"wrong issuer":    "Bearer " + sign(t, key, with("iss", "evil")),
		"wrong audience":  "Bearer " + sign(t, key, with("aud", "other")),
		"not yet valid":   "Bearer " + sign(t, key, with("nbf", now.Add(time.Hour).Unix())),
		"garbage":         "Bearer abc.def.ghi",
		"tampered claims": "Bearer " + tamper(sign(t, key, good)),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			c := connect(name)
			c.t = t
			c.request("SecretVM", tok)
			c.refused(name)
		})
	}
	// A valid token passes (lower-case scheme and header name too).
	c := connect("ok")
	tok, _, _ := j.Issue("ann", nil, time.Hour)
	c.send("request_vm", "SecretVM", "vmArgs", map[string]any{"$headers": map[string]string{"authorization": "bearer " + tok}})
	f := c.rec.wait(t, "state", func(map[string]any) bool { return true })
	if f["User"] != "ann" {
		t.Fatalf("state %v", f)
	}
}

// tamper changes the payload of a token, keeping its signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","role":"admin","iss":"iss","aud":"aud","exp":9999999999}`))
	return strings.Join(parts, ".")
}

func TestRolesAndClaims(t *testing.T) {
	j, connect := setup(t)
	guest, _, _ := j.Issue("guest", nil, time.Hour)
	admin, _, _ := j.Issue("admin", []string{"admin"}, time.Hour)
	many, _, _ := j.Issue("boss", []string{"staff", "admin"}, time.Hour)
	sales := sign(t, key, jwt.MapClaims{"sub": "sam", "iss": "iss", "aud": "aud", "exp": time.Now().Add(time.Hour).Unix(), "DEPT": "sales", "role": []string{"staff"}})
	salesNoRole := sign(t, key, jwt.MapClaims{"sub": "sam", "iss": "iss", "aud": "aud", "exp": time.Now().Add(time.Hour).Unix(), "dept": "sales"})

	c := connect("g")
	c.request("AdminVM", "Bearer "+guest)
	c.refused("guest on AdminVM")
	for _, tok := range []string{admin, many} {
		c := connect(tok[len(tok)-8:])
		c.request("AdminVM", "Bearer "+tok)
		if f := c.rec.wait(t, "admin state", func(map[string]any) bool { return true }); f["Ok"] != false {
			t.Fatalf("admin: %v", f)
		}
	}
	c = connect("s")
	c.request("SalesVM", "Bearer "+sales)
	if f := c.rec.wait(t, "sales state", func(map[string]any) bool { return true }); f["Ok"] != false {
		t.Fatalf("sales: %v", f)
	}
	c = connect("s2")
	c.request("SalesVM", "Bearer "+salesNoRole)
	c.refused("both declarations must pass")
	c = connect("s3")
	c.request("SalesVM", "Bearer "+admin)
	c.refused("claim missing")
}

func TestUpdateRecheckedAndRefresh(t *testing.T) {
	j, connect := setup(t)
	c := connect("c")
	short := sign(t, key, jwt.MapClaims{"sub": "ann", "iss": "iss", "aud": "aud", "exp": time.Now().Add(1500 * time.Millisecond).Unix()})
	c.request("SecretVM", "Bearer "+short)
	c.rec.wait(t, "state", func(f map[string]any) bool { return f["User"] == "ann" })
	c.rec.wait(t, "a push", func(f map[string]any) bool { return f["N"] != nil })

	// The token expires mid-session: one exception, then no more pushes.
	c.rec.wait(t, "pushes refused", isUnauthorized)
	time.Sleep(150 * time.Millisecond)
	for _, f := range c.rec.take() {
		if isUnauthorized(f) || f["N"] != nil && len(f) == 1 {
			t.Fatalf("after expiry: %v", f)
		}
	}
	// Updates are refused too.
	c.send("update_vm", "SecretVM", "value", map[string]any{"N": 5})
	c.refused("update with an expired token")

	// A refreshed token continues the pushes.
	fresh, _, _ := j.Issue("ann", nil, time.Hour)
	c.send("update_vm", "SecretVM", "value", map[string]any{"$headers": map[string]string{"Authorization": "Bearer " + fresh}})
	c.rec.wait(t, "pushes again", func(f map[string]any) bool { return f["N"] != nil })
	c.send("update_vm", "SecretVM", "value", map[string]any{"N": 1000})
	c.rec.wait(t, "update served", func(f map[string]any) bool { n, _ := f["N"].(float64); return n > 1000 })
	if fs := c.rec.take(); len(fs) > 0 {
		for _, f := range fs {
			if f["ExceptionType"] != nil {
				t.Fatalf("exception after refresh: %v", f)
			}
		}
	}
}

func TestBearer(t *testing.T) {
	for in, want := range map[string]string{"Bearer x": "x", "bearer  y ": "y", "BEARER z": "z", "Bearer": "", "Basic x": "", "": "", "Bearerx": ""} {
		got, ok := auth.Bearer(in)
		if got != want || ok != (want != "") {
			t.Errorf("Bearer(%q) = %q, %v", in, got, ok)
		}
	}
}

func TestPrincipal(t *testing.T) {
	j := newJWT(t)
	tok, exp, _ := j.Issue("ann", []string{"a", "b"}, time.Minute)
	p, err := j.Validate(tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "ann" || !p.InRole("b") || p.InRole("c") || p.Issuer() != "iss" || !p.ValidTo().Equal(exp) || p.ValidFrom().IsZero() {
		t.Fatalf("principal %+v", p.Claims)
	}
	if !p.HasClaim("SUB", "ann") || p.HasClaim("sub", "Ann") {
		t.Fatal("claims: type is case-insensitive, value exact")
	}
	if _, err := auth.NewJWT(auth.Options{}); err == nil {
		t.Fatal("no key accepted")
	}
}

func TestTokenHandler(t *testing.T) {
	j := newJWT(t)
	check := func(u, p string) ([]string, bool) {
		if p != "pw" {
			return nil, false
		}
		if u == "admin" {
			return []string{"admin"}, true
		}
		return nil, true
	}
	srv := httptest.NewServer(j.TokenHandler(check, 90*time.Second))
	defer srv.Close()
	post := func(form url.Values) (int, map[string]any) {
		res, err := http.PostForm(srv.URL, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	code, m := post(url.Values{"username": {"admin"}, "password": {"pw"}, "grant_type": {"password"}, "client_id": {"dotnetifydemo"}})
	if code != 200 || m["token_type"] != "Bearer" || m["expires_in"] != 90.0 {
		t.Fatalf("%d %v", code, m)
	}
	p, err := j.Validate(m["access_token"].(string))
	if err != nil || !p.InRole("admin") || p.Name() != "admin" {
		t.Fatalf("token: %v %v", p, err)
	}
	for _, f := range []url.Values{
		{"username": {"admin"}, "password": {"nope"}, "grant_type": {"password"}},
		{"username": {""}, "password": {"pw"}, "grant_type": {"password"}},
		{"username": {"a"}, "password": {"pw"}, "grant_type": {"client_credentials"}},
	} {
		if code, m := post(f); code != 400 || m["error"] == nil || m["access_token"] != nil {
			t.Fatalf("%v: %d %v", f, code, m)
		}
	}
	res, err := http.Post(srv.URL, "application/x-www-form-urlencoded", bytes.NewReader(bytes.Repeat([]byte("a"), 64<<10)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("big body: %d", res.StatusCode)
	}
	res, err = http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 405 {
		t.Fatalf("GET: %d", res.StatusCode)
	}
}
