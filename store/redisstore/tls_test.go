package redisstore_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gonetify/gonetify/store/redisstore"
)

// TestTLSAndPassword: rediss:// with the password in the URL or in
// Target.Password (--redis-password) reaches a redis-server that requires
// TLS and a password, as ElastiCache with in-transit encryption and an
// AUTH token does; a wrong password is refused. The server's certificate
// is issued by a CA made here, trusted through SSL_CERT_FILE. It needs
// redis-server (built with TLS, as Debian's is) on PATH.
func TestTLSAndPassword(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	dir := t.TempDir()
	caFile, certFile, keyFile := writeCerts(t, dir)
	t.Setenv("SSL_CERT_FILE", caFile) // read once, at the first TLS handshake of this process
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	_ = l.Close()
	srv := exec.Command(bin, "--port", "0", "--tls-port", port, "--bind", "127.0.0.1", "--tls-cert-file", certFile,
		"--tls-key-file", keyFile, "--tls-ca-cert-file", caFile, "--tls-auth-clients", "no", "--requirepass", "s3cret",
		"--save", "", "--appendonly", "no", "--dir", dir)
	out, err := os.Create(filepath.Join(dir, "redis.log"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Stdout, srv.Stderr = out, out
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })

	connect := func(tg redisstore.Target) error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s, err := redisstore.OpenTarget(ctx, tg, redisstore.Options{})
		if err != nil {
			return err
		}
		defer s.Client().Close()
		return s.AddConnection(ctx, "c1")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := connect(redisstore.Target{URL: "rediss://:s3cret@localhost:" + port + "/0"})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("rediss:// with the password in the URL: %v\nredis-server log:\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := connect(redisstore.Target{URL: "rediss://localhost:" + port + "/0", Password: "s3cret"}); err != nil {
		t.Fatalf("rediss:// with --redis-password: %v", err)
	}
	if err := connect(redisstore.Target{URL: "rediss://localhost:" + port + "/0"}); err == nil || !strings.Contains(err.Error(), "--redis-password") {
		t.Fatalf("no password: %v", err)
	}
	if err := connect(redisstore.Target{URL: "rediss://:wrong@localhost:" + port + "/0"}); err == nil || !strings.Contains(err.Error(), "refused the credentials") {
		t.Fatalf("a wrong password: %v", err)
	}
	if err := connect(redisstore.Target{URL: "redis://:s3cret@localhost:" + port + "/0"}); err == nil {
		t.Fatal("plain redis:// to a TLS port succeeded")
	}
}

// writeCerts writes a CA and a server certificate for localhost and
// 127.0.0.1 it signs, PEM, into dir.
func writeCerts(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gonetify test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", leafDER), write("key.pem", "EC PRIVATE KEY", keyDER)
}
