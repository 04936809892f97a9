package main

import (
	"github.com/gonetify/gonetify/server"

	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t)
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	a, err := startApp(context.Background(), appConfig{Options: server.Options{Addr: "127.0.0.1:0", ReadLimit: 1 << 16, SendQueue: 8, LogFormat: "text", TLSCert: certFile, TLSKey: keyFile}}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.shutdown() }()
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := cl.Get("https://" + a.addr + "/healthz")
	if err != nil {
		t.Fatalf("GET https /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(logs.String(), "wss://"+a.addr+"/ws") {
		t.Fatalf("status %d; log:\n%s", resp.StatusCode, logs)
	}

	for name, cfg := range map[string]appConfig{
		"cert without key": {Options: server.Options{TLSCert: certFile}},
		"key without cert": {Options: server.Options{TLSKey: keyFile}},
		"not PEM":          {Options: server.Options{TLSCert: keyFile, TLSKey: certFile}},
	} {
		cfg.Addr, cfg.ReadLimit, cfg.SendQueue = "127.0.0.1:0", 1<<16, 8
		if _, err := startApp(context.Background(), cfg, log); err == nil || !strings.Contains(err.Error(), "--tls-") {
			t.Errorf("%s: err = %v, want one naming the --tls- flags", name, err)
		}
	}
}

// --connection-url without --integration-secret leaves the integration
// endpoints open: the server says so at start-up. Missing credentials are
// named with their fix, not blamed on the network.
func TestServeStartupWarnings(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	a, err := startApp(context.Background(), appConfig{Options: server.Options{Addr: "127.0.0.1:0", ReadLimit: 1 << 16, SendQueue: 8, MaxPushes: 10, LogFormat: "text",
		ConnectionURL: "http://127.0.0.1:9/prod/@connections"}}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.shutdown() }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "create-access-key") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	l := logs.String()
	if !strings.Contains(l, "accept calls from anyone") || !strings.Contains(l, "--integration-secret") {
		t.Errorf("no warning about the missing secret:\n%s", l)
	}
	if !strings.Contains(l, "no AWS credentials") || !strings.Contains(l, "aws iam create-access-key") {
		t.Errorf("no credentials error naming the fix:\n%s", l)
	}

	// With a secret and credentials: neither.
	logs2 := &syncBuf{}
	b, err := startApp(context.Background(), appConfig{Options: server.Options{Addr: "127.0.0.1:0", ReadLimit: 1 << 16, SendQueue: 8, MaxPushes: 10, LogFormat: "text",
		ConnectionURL: "http://127.0.0.1:9/prod/@connections", IntegrationSecret: "s3cret-s3cret-s3cret",
		AWSCredentials: credentials.NewStaticCredentialsProvider("AKID", "x", "")}}, slog.New(slog.NewTextHandler(logs2, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.shutdown() }()
	time.Sleep(100 * time.Millisecond)
	if l := logs2.String(); strings.Contains(l, "accept calls from anyone") || strings.Contains(l, "no AWS credentials") {
		t.Errorf("warnings with a secret and credentials:\n%s", l)
	}
}

// The emulator takes its region like the SDK: AWS_REGION, then
// AWS_DEFAULT_REGION, then the profile in ~/.aws/config.
func TestGatewayRegionChain(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte("[default]\nregion = ap-southeast-2\n[profile other]\nregion = sa-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	for _, tc := range []struct{ region, defaultRegion, profile, want string }{
		{"eu-west-1", "eu-west-2", "", "eu-west-1"},
		{"", "eu-west-2", "", "eu-west-2"},
		{"", "", "", "ap-southeast-2"},
		{"", "", "other", "sa-east-1"},
	} {
		t.Setenv("AWS_REGION", tc.region)
		t.Setenv("AWS_DEFAULT_REGION", tc.defaultRegion)
		t.Setenv("AWS_PROFILE", tc.profile)
		got, err := sdkRegion(context.Background())
		if err != nil || got != tc.want {
			t.Errorf("AWS_REGION=%q AWS_DEFAULT_REGION=%q AWS_PROFILE=%q: %q, %v; want %q", tc.region, tc.defaultRegion, tc.profile, got, err, tc.want)
		}
	}
}
