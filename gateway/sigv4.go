package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	sigV4Service   = "execute-api"
	amzDateLayout  = "20060102T150405Z"
)

// authError is a SigV4 rejection, answered with status 403.
type authError struct {
	Type    string // X-Amzn-ErrorType
	Message string
}

func (e *authError) Error() string { return e.Type + ": " + e.Message }

// sigV4Verifier checks header-signed AWS Signature Version 4 requests.
type sigV4Verifier struct {
	region  string
	secrets map[string]string // access key id → secret access key
	skew    time.Duration
	now     func() time.Time
}

// verify checks r (whose body was read into body) and returns the access
// key id that signed it.
func (v *sigV4Verifier) verify(r *http.Request, body []byte) (string, *authError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		if r.URL.Query().Get("X-Amz-Signature") != "" {
			return "", &authError{"IncompleteSignatureException", "Query-string (presigned) SigV4 is not supported by the emulator; sign the Authorization header."}
		}
		return "", &authError{"MissingAuthenticationTokenException", "Missing Authentication Token"}
	}
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != sigV4Algorithm {
		return "", &authError{"IncompleteSignatureException", fmt.Sprintf("Authorization header uses %q; only %s is accepted.", alg, sigV4Algorithm)}
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = val
		}
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[k] == "" {
			return "", &authError{"IncompleteSignatureException", fmt.Sprintf("Authorization header requires '%s' parameter. Authorization=%s", k, auth)}
		}
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return "", &authError{"IncompleteSignatureException", fmt.Sprintf("Credential %q must have the form KEYID/YYYYMMDD/REGION/execute-api/aws4_request.", fields["Credential"])}
	}
	keyID, day, region, service := scope[0], scope[1], scope[2], scope[3]
	if service != sigV4Service {
		return "", &authError{"InvalidSignatureException", "Credential should be scoped to correct service: 'execute-api'. "}
	}
	if region != v.region {
		return "", &authError{"InvalidSignatureException", fmt.Sprintf("Credential should be scoped to a valid region, not '%s'. This API is in '%s'. ", region, v.region)}
	}
	dateStr := r.Header.Get("X-Amz-Date")
	if dateStr == "" {
		return "", &authError{"IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. (The emulator accepts only X-Amz-Date.)"}
	}
	ts, err := time.Parse(amzDateLayout, dateStr)
	if err != nil {
		return "", &authError{"IncompleteSignatureException", fmt.Sprintf("X-Amz-Date %q is not in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z'.", dateStr)}
	}
	if day != dateStr[:8] {
		return "", &authError{"InvalidSignatureException", fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", day, dateStr[:8], dateStr)}
	}
	now := v.now().UTC()
	if ts.Before(now.Add(-v.skew)) {
		return "", &authError{"InvalidSignatureException", fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)", dateStr, now.Add(-v.skew).Format(amzDateLayout), now.Format(amzDateLayout), skewText(v.skew))}
	}
	if ts.After(now.Add(v.skew)) {
		return "", &authError{"InvalidSignatureException", fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)", dateStr, now.Add(v.skew).Format(amzDateLayout), now.Format(amzDateLayout), skewText(v.skew))}
	}
	secret, ok := v.secrets[keyID]
	if !ok {
		return "", &authError{"UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	signedSet := map[string]bool{}
	for _, h := range signed {
		signedSet[h] = true
	}
	if !signedSet["host"] {
		return "", &authError{"InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."}
	}
	for name := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-") && !signedSet[l] {
			return "", &authError{"InvalidSignatureException", fmt.Sprintf("Header '%s' is present but not listed in SignedHeaders; every x-amz-* header must be signed.", l)}
		}
	}
	payloadHash := hexSHA256(body)
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != "UNSIGNED-PAYLOAD" {
		if h != payloadHash {
			return "", &authError{"InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed."}
		}
	}
	canonical := canonicalRequest(r, signed, payloadHash)
	scopeStr := strings.Join(scope[1:], "/")
	sts := stringToSign(dateStr, scopeStr, canonical)
	want := hex.EncodeToString(hmacSHA256(signingKey(secret, day, region, service), []byte(sts)))
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(fields["Signature"]))) != 1 {
		return "", &authError{"InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'" + canonical + "'\n\nThe String-to-Sign should have been\n'" + sts + "'\n"}
	}
	return keyID, nil
}

func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return d.String()
}

// canonicalRequest builds the SigV4 canonical request of r for the header
// names in signed (lowercase), with the body's hex SHA-256 payloadHash. The
// path is taken from the wire (r.RequestURI) and every segment is
// URI-encoded again, as execute-api (not S3) expects.
func canonicalRequest(r *http.Request, signed []string, payloadHash string) string {
	rawPath, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	if rawPath == "" || strings.Contains(r.RequestURI, "://") {
		rawPath, rawQuery = r.URL.EscapedPath(), r.URL.RawQuery
	}
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(rawPath))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(rawQuery))
	b.WriteByte('\n')
	names := append([]string(nil), signed...)
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(names, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func canonicalHeaderValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 && r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		vals = r.Header.Values(name)
	}
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

// canonicalURI encodes each segment of a wire path again (so "%3D" becomes
// "%253D" and "@" becomes "%40"); an empty path is "/".
func canonicalURI(rawPath string) string {
	if rawPath == "" {
		return "/"
	}
	segs := strings.Split(rawPath, "/")
	for i, s := range segs {
		segs[i] = uriEncode(s)
	}
	return strings.Join(segs, "/")
}

// canonicalQuery decodes the raw query's names and values, encodes them the
// SigV4 way, sorts them and joins them with "&".
func canonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if d, err := url.QueryUnescape(k); err == nil {
			k = d
		}
		if d, err := url.QueryUnescape(v); err == nil {
			v = d
		}
		pairs = append(pairs, kv{uriEncode(k), uriEncode(v)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// uriEncode percent-encodes every byte except A-Z a-z 0-9 - . _ ~.
func uriEncode(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

// stringToSign returns the SigV4 string to sign for a canonical request.
func stringToSign(amzDate, scope, canonical string) string {
	return sigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
}

func signingKey(secret, day, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(day))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte("aws4_request"))
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
