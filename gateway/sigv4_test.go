package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testKeyID  = "AKIDEXAMPLE"
	testSecKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var testNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// sdkSigned signs a request with the AWS SDK and returns it as the server
// would receive it (parsed back from the wire).
func sdkSigned(t testing.TB, method, rawURL string, body []byte, creds aws.Credentials, service, region string, at time.Time, hdr map[string]string) (*http.Request, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	sreq, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(sreq.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sreq, got
}

func testVerifier() *sigV4Verifier {
	return &sigV4Verifier{region: "us-east-1", secrets: map[string]string{testKeyID: testSecKey}, skew: 5 * time.Minute, now: func() time.Time { return testNow }}
}

func TestSigV4AcceptsSDKSignatures(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecKey}
	withToken := creds
	withToken.SessionToken = "session/token=="
	for _, tc := range []struct {
		name, method, url string
		body              string
		creds             aws.Credentials
		hdr               map[string]string
	}{
		{"post raw =", "POST", "http://127.0.0.1:8081/prod/@connections/L0SM9cOFvHcCIhw=", `{"a":1}`, creds, nil},
		{"post %3D", "POST", "http://127.0.0.1:8081/prod/@connections/L0SM9cOFvHcCIhw%3D", "x", creds, map[string]string{"Content-Type": "application/octet-stream"}},
		{"get %40", "GET", "http://h.example/prod/%40connections/abc-_%3D", "", creds, nil},
		{"delete", "DELETE", "http://h.example/dev/@connections/e_d2EewNLPECIGw=", "", creds, nil},
		{"query", "GET", "http://h.example/prod/@connections/x?b=2&a=1&a=0&sp=a%20b&plus=a+b&e=", "", creds, nil},
		{"token and x-amz header", "POST", "http://h.example/prod/@connections/x", "data", withToken, map[string]string{"X-Amz-Meta-Thing": "  two   spaces  "}},
		{"default port", "POST", "http://h.example:80/prod/@connections/x", "data", creds, nil},
	} {
		r, body := sdkSigned(t, tc.method, tc.url, []byte(tc.body), tc.creds, "execute-api", "us-east-1", testNow.Add(-4*time.Minute), tc.hdr)
		if key, err := testVerifier().verify(r, body); err != nil || key != testKeyID {
			t.Errorf("%s: key %q err %v", tc.name, key, err)
		}
	}
}

func TestSigV4Rejections(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecKey}
	const u = "http://h.example/prod/@connections/abc%3D"
	type mod func(r *http.Request)
	for _, tc := range []struct {
		name           string
		creds          aws.Credentials
		service, reg   string
		at             time.Time
		after          mod
		wantType, want string
	}{
		{"wrong secret", aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "nope"}, "execute-api", "us-east-1", testNow, nil,
			"InvalidSignatureException", "The Canonical String for this request should have been\n'POST\n/prod/%40connections/abc%253D\n\ncontent-length:4\nhost:h.example\nx-amz-date:20250102T030405Z\n\ncontent-length;host;x-amz-date\n"},
		{"unknown key", aws.Credentials{AccessKeyID: "AKIDNOPE", SecretAccessKey: testSecKey}, "execute-api", "us-east-1", testNow, nil,
			"UnrecognizedClientException", "security token included in the request is invalid"},
		{"wrong service", creds, "execute-apis", "us-east-1", testNow, nil, "InvalidSignatureException", "Credential should be scoped to correct service: 'execute-api'. "},
		{"wrong region", creds, "execute-api", "eu-west-1", testNow, nil, "InvalidSignatureException", "valid region"},
		{"expired", creds, "execute-api", "us-east-1", testNow.Add(-6 * time.Minute), nil, "InvalidSignatureException", "Signature expired: 20250102T025805Z is now earlier than 20250102T025905Z (20250102T030405Z - 5 min.)"},
		{"future", creds, "execute-api", "us-east-1", testNow.Add(6 * time.Minute), nil, "InvalidSignatureException", "Signature not yet current"},
		{"tampered body header", creds, "execute-api", "us-east-1", testNow, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20250102T030406Z") }, "InvalidSignatureException", "does not match"},
		{"unsigned x-amz header", creds, "execute-api", "us-east-1", testNow, func(r *http.Request) { r.Header.Set("X-Amz-Extra", "1") }, "InvalidSignatureException", "x-amz-extra"},
		{"unsigned", creds, "execute-api", "us-east-1", testNow, func(r *http.Request) { r.Header.Del("Authorization") }, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"other algorithm", creds, "execute-api", "us-east-1", testNow, func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA512 x") }, "IncompleteSignatureException", "AWS4-HMAC-SHA512"},
	} {
		r, body := sdkSigned(t, "POST", u, []byte("data"), tc.creds, tc.service, tc.reg, tc.at, nil)
		if tc.after != nil {
			tc.after(r)
		}
		_, err := testVerifier().verify(r, body)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if err.Type != tc.wantType || !strings.Contains(err.Message, tc.want) {
			t.Errorf("%s: got %s %q\nwant %s containing %q", tc.name, err.Type, err.Message, tc.wantType, tc.want)
		}
	}
	// A body changed after signing.
	r, _ := sdkSigned(t, "POST", u, []byte("data"), creds, "execute-api", "us-east-1", testNow, nil)
	if _, err := testVerifier().verify(r, []byte("DATA")); err == nil || err.Type != "InvalidSignatureException" {
		t.Errorf("changed body: %v", err)
	}
}

func TestCanonicalURI(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "/",
		"/":                              "/",
		"/prod/@connections/abc%3D":      "/prod/%40connections/abc%253D",
		"/prod/%40connections/a=":        "/prod/%2540connections/a%3D",
		"/prod/@connections/L0SM-_9c~.x": "/prod/%40connections/L0SM-_9c~.x",
	} {
		if got := canonicalURI(in); got != want {
			t.Errorf("CanonicalURI(%q) = %q, want %q", in, got, want)
		}
	}
	if got := canonicalQuery("b=2&a=1&a=0&sp=a%20b&plus=a+b&e"); got != "a=0&a=1&b=2&e=&plus=a%20b&sp=a%20b" {
		t.Errorf("CanonicalQuery = %q", got)
	}
}

// FuzzSigV4 checks that every id the SDK can sign is accepted.
func FuzzSigV4(f *testing.F) {
	f.Add("L0SM9cOFvHcCIhw=", []byte("hello"))
	f.Add("a b/c%d@e", []byte{})
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		if strings.ContainsAny(id, "\x00\r\n") || !isValidUTF8(id) {
			t.Skip()
		}
		u := "http://h.example/prod/@connections/" + uriEncode(id)
		r, got := sdkSigned(t, "POST", u, body, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecKey}, "execute-api", "us-east-1", testNow, nil)
		if _, err := testVerifier().verify(r, got); err != nil {
			t.Fatalf("id %q: %v", id, err)
		}
	})
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "") == s }

func FuzzFrameScanner(f *testing.F) {
	f.Add([]byte{0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'}, uint8(3))
	f.Fuzz(func(t *testing.T, stream []byte, split uint8) {
		// Feeding in two chunks must give the same verdict as at once.
		a := frameScanner{max: 16}
		b := frameScanner{max: 16}
		whole := a.feed(stream)
		k := min(int(split), len(stream))
		parts := b.feed(stream[:k]) || b.feed(stream[k:])
		if whole != parts {
			t.Fatalf("verdict differs: whole %v, split at %d %v", whole, k, parts)
		}
	})
}
