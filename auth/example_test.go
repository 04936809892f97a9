package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gonetify/gonetify/auth"
	"github.com/gonetify/gonetify/hub"
)

// An identity provider publishes its public keys at a JWKS URL (for
// Amazon Cognito https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/jwks.json)
// and signs the users' tokens with them. Here a local one signs with ES256.
func ExampleNewJWT_jwks() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := key.PublicKey.Bytes() // 0x04 || X || Y
	x, y := pub[1:33], pub[33:]
	enc := base64.RawURLEncoding.EncodeToString
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"keys":[{"kty":"EC","crv":"P-256","kid":"key-1","alg":"ES256","use":"sig","x":%q,"y":%q}]}`, enc(x), enc(y))
	}))
	defer provider.Close()

	j, err := auth.NewJWT(auth.Options{
		JWKSURL:  provider.URL,
		Issuer:   "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
		Audience: "my-app-client-id", // an ID token's aud; an access token's client_id
		Leeway:   time.Minute,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer j.Close()
	// The hub is given j.Middleware() and auth.AuthorizeFilter().
	_ = hub.Options{Middlewares: []hub.Middleware{j.Middleware()}, Filters: []hub.Filter{auth.AuthorizeFilter()}}

	// What the provider issues (a Cognito access token: client_id, no aud).
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"sub":            "ann",
		"iss":            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
		"client_id":      "my-app-client-id",
		"token_use":      "access",
		"cognito:groups": []string{"admin"},
		"exp":            time.Now().Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = "key-1"
	signed, _ := tok.SignedString(key)

	p, err := j.Validate(signed)
	fmt.Println(p.Name(), p.Roles(), err)

	_, err = j.Validate(signed[:len(signed)-4] + "AAAA")
	fmt.Println(err != nil)
	// Output:
	// ann [admin] <nil>
	// true
}
