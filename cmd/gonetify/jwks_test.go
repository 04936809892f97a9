package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"
)

// testIDP is a local identity provider: an ES256 key published at a JWKS
// URL.
type testIDP struct {
	url string
	key *ecdsa.PrivateKey
}

const (
	idpIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test"
	idpClient = "test-app-client"
)

func newTestIDP(t *testing.T) *testIDP {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := k.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	x, y := pub[1:33], pub[33:]
	enc := base64.RawURLEncoding.EncodeToString
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","alg":"ES256","use":"sig","x":%q,"y":%q}]}`, enc(x), enc(y))
	}))
	t.Cleanup(srv.Close)
	return &testIDP{srv.URL, k}
}

// token is a Cognito-style ID token for user, signed with key (the
// provider's when nil).
func (p *testIDP) token(t *testing.T, user string, key *ecdsa.PrivateKey, groups ...string) string {
	t.Helper()
	if key == nil {
		key = p.key
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"sub": user, "cognito:username": user, "iss": idpIssuer, "aud": idpClient, "token_use": "id",
		"cognito:groups": groups, "exp": time.Now().Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jwksConfig is the serve configuration given by the --jwt-* flags.
func jwksConfig(t *testing.T, p *testIDP) appConfig {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg appConfig
	cfg.flags(fs)
	if err := parseFlags(fs, []string{"--jwt-jwks-url", p.url, "--jwt-issuer", idpIssuer, "--jwt-audience", idpClient, "--jwt-roles-claim", "cognito:groups"}); err != nil {
		t.Fatal(err)
	}
	cfg.Addr, cfg.ReadLimit, cfg.SendQueue = "127.0.0.1:0", 128<<10, 64
	return cfg
}

// expectSecure reads frames until SecurePageVM's first answer and checks
// it is the state for user ("" means: UnauthorizedAccessException).
func expectSecure(t *testing.T, read func() ([]byte, error), user string) {
	t.Helper()
	for {
		b, err := read()
		if err != nil {
			t.Fatalf("no answer for SecurePageVM: %v", err)
		}
		s := string(b)
		if !strings.Contains(s, "SecurePageVM") {
			continue
		}
		switch {
		case user == "" && strings.Contains(s, "UnauthorizedAccessException") && !strings.Contains(s, "SecureCaption"):
		case user != "" && strings.Contains(s, "Authenticated user: ") && strings.Contains(s, user) && !strings.Contains(s, "ExceptionType"):
		default:
			t.Fatalf("want %s, got %s", map[bool]string{true: "UnauthorizedAccessException", false: "the state for " + user}[user == ""], s)
		}
		return
	}
}

// startJWKSApp runs the example app checking p's tokens, until the test ends.
func startJWKSApp(t *testing.T, p *testIDP) *app {
	t.Helper()
	a, err := startApp(context.Background(), jwksConfig(t, p), testLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.shutdown() })
	return a
}

const secureRequest = `{"callType":"request_vm","vmId":"SecurePageVM","vmArgs":"{}"}`

// TestServeJWKSDirectWebSocket: `serve --jwt-jwks-url …` takes the token
// from the handshake's access_token parameter or Authorization header, or
// from $headers, on /ws.
func TestServeJWKSDirectWebSocket(t *testing.T) {
	p := newTestIDP(t)
	a := startJWKSApp(t, p)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dial := func(query string, h http.Header) *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+a.addr+"/ws"+query, h)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		return c
	}
	for name, tc := range map[string]struct {
		query string
		h     http.Header
		msg   string
		user  string
	}{
		"access_token":          {"?access_token=" + p.token(t, "ann", nil), nil, secureRequest, "ann"},
		"Authorization header":  {"", http.Header{"Authorization": {"Bearer " + p.token(t, "bob", nil)}}, secureRequest, "bob"},
		"$headers":              {"", nil, `{"callType":"request_vm","vmId":"SecurePageVM","vmArgs":"{\"$headers\":{\"Authorization\":\"Bearer ` + p.token(t, "cy", nil) + `\"}}"}`, "cy"},
		"none":                  {"", nil, secureRequest, ""},
		"forged access_token":   {"?access_token=" + p.token(t, "eve", other), nil, secureRequest, ""},
		"HS256 without jwt-key": {"?access_token=" + hs256(t), nil, secureRequest, ""},
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(tc.query, tc.h)
			if err := c.WriteMessage(websocket.TextMessage, []byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
			expectSecure(t, func() ([]byte, error) { _, b, err := c.ReadMessage(); return b, err }, tc.user)
		})
	}
	// No POST /token with an identity provider.
	resp, err := http.PostForm("http://"+a.addr+"/token", url.Values{"grant_type": {"password"}, "username": {"x"}, "password": {"dotnetify"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("POST /token issues tokens with --jwt-jwks-url")
	}
}

func hs256(t *testing.T) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "x", "iss": idpIssuer, "aud": idpClient, "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestServeJWKSSignalR: a SignalR client's access_token (what
// @microsoft/signalr's accessTokenFactory sends on a WebSocket) is the
// connection's token.
func TestServeJWKSSignalR(t *testing.T) {
	p := newTestIDP(t)
	a := startJWKSApp(t, p)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for user, tok := range map[string]string{"ann": p.token(t, "ann", nil), "": p.token(t, "eve", other)} {
		resp, err := http.Post("http://"+a.addr+"/dotnetify/negotiate?negotiateVersion=1", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		var n struct{ ConnectionToken string }
		err = json.NewDecoder(resp.Body).Decode(&n)
		_ = resp.Body.Close()
		if err != nil || n.ConnectionToken == "" {
			t.Fatalf("negotiate: %v %+v", err, n)
		}
		c, _, err := websocket.DefaultDialer.Dial("ws://"+a.addr+"/dotnetify?id="+url.QueryEscape(n.ConnectionToken)+"&access_token="+tok, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		send := func(s string) {
			if err := c.WriteMessage(websocket.TextMessage, []byte(s+"\x1e")); err != nil {
				t.Fatal(err)
			}
		}
		send(`{"protocol":"json","version":1}`)
		send(`{"type":1,"target":"Request_VM","arguments":["SecurePageVM",{}]}`)
		var pending [][]byte
		expectSecure(t, func() ([]byte, error) {
			for len(pending) == 0 {
				_, b, err := c.ReadMessage()
				if err != nil {
					return nil, err
				}
				for r := range bytes.SplitSeq(b, []byte{0x1e}) {
					if len(r) > 0 {
						pending = append(pending, r)
					}
				}
			}
			r := pending[0]
			pending = pending[1:]
			return r, nil
		}, user)
		_ = c.Close()
	}
}

// TestServeJWKSThroughGateway: behind API Gateway (the emulator, configured
// from our template), the $connect integration forwards the handshake's
// access_token query parameter and Authorization header, and the app
// server authenticates the connection with them.
func TestServeJWKSThroughGateway(t *testing.T) {
	p := newTestIDP(t)
	e := startAWSPathWith(t, jwksConfig(t, p), "gwsecret", func(u string) string { return u })
	gs, logs := e.gw, e.logs
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, tc := range map[string]struct {
		query string
		h     http.Header
		user  string
	}{
		"access_token":         {"?access_token=" + p.token(t, "ann", nil), nil, "ann"},
		"Authorization header": {"", http.Header{"Authorization": {"Bearer " + p.token(t, "bob", nil)}}, "bob"},
		"none":                 {"", nil, ""},
		"forged":               {"?access_token=" + p.token(t, "eve", other), nil, ""},
	} {
		t.Run(name, func(t *testing.T) {
			c, _, err := websocket.DefaultDialer.Dial(gs.WebSocketURL()+tc.query, tc.h)
			if err != nil {
				t.Fatalf("dial the emulator: %v\n%s", err, logs)
			}
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if err := c.WriteMessage(websocket.TextMessage, []byte(secureRequest)); err != nil {
				t.Fatal(err)
			}
			expectSecure(t, func() ([]byte, error) { _, b, err := c.ReadMessage(); return b, err }, tc.user)
		})
	}
}
