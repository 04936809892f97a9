package examples

import (
	"strings"
	"testing"
	"time"

	"github.com/gonetify/gonetify/auth"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
	"github.com/gonetify/gonetify/vmtest"
)

func secureHub(t *testing.T) (*testServer, *auth.JWT) {
	t.Helper()
	j, err := auth.NewJWT(auth.Options{Key: []byte("0123456789abcdef0123456789abcdef"), Issuer: "gonetify", Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	reg := vm.NewRegistry()
	o := quiet
	o.SecureDataInterval = 20 * time.Millisecond
	RegisterWith(reg, o)
	return &testServer{vmtest.New(t, reg, hub.Options{
		Logger:      discardLogger(),
		Middlewares: []hub.Middleware{j.Middleware()},
		Filters:     []hub.Filter{auth.AuthorizeFilter(), AccessTokenFilter()},
	})}, j
}

func (c *client) requestWith(vmID, token string) {
	c.t.Helper()
	c.send(map[string]any{"callType": "request_vm", "vmId": vmID}, "vmArgs", map[string]any{"$headers": map[string]string{"Authorization": "Bearer " + token}})
}

func TestSecurePage(t *testing.T) {
	h, j := secureHub(t)
	guest, _, _ := j.Issue("guest", nil, time.Minute)
	admin, _, _ := j.Issue("admin", []string{"admin"}, time.Minute)

	anon := connect(t, h, "anon", "")
	s := anon.request("SecurePageVM", nil)
	keys(t, s, "ExceptionType", "Message")
	eq(t, "anonymous", get[string](t, s, "ExceptionType"), "UnauthorizedAccessException")

	g := connect(t, h, "guest", "")
	g.requestWith("SecurePageVM", guest)
	s = only(t, g.take(), "SecurePageVM")
	eq(t, "caption", get[string](t, s, "SecureCaption"), `Authenticated user: "guest"`)
	if d := get[string](t, s, "SecureData"); !strings.HasPrefix(d, "Access token will expire in ") {
		t.Fatalf("SecureData %q", d)
	}
	pushed := g.wait(1, time.Second)
	if _, ok := pushed[0].Data["SecureData"]; !ok {
		t.Fatalf("push %s", dump(pushed))
	}
	g.requestWith("AdminSecurePageVM", guest)
	s = only(t, forVM(g.wait(1, time.Second), "AdminSecurePageVM"), "AdminSecurePageVM")
	keys(t, s, "ExceptionType", "Message")

	a := connect(t, h, "admin", "")
	a.requestWith("AdminSecurePageVM", admin)
	s = only(t, a.take(), "AdminSecurePageVM")
	eq(t, "issuer", get[string](t, s, "TokenIssuer"), `Token issuer: "gonetify"`)
	if v := get[string](t, s, "TokenValidTo"); !strings.HasPrefix(v, "Valid to: ") || !strings.HasSuffix(v, " GMT") {
		t.Fatalf("TokenValidTo %q", v)
	}
	g.conn.Close()
	a.conn.Close()
	waitVMs(t, h, 0)
}
