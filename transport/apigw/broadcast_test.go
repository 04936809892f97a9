package apigw

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/internal/wire"
	"github.com/gonetify/gonetify/vm"
)

// A broadcast's Response is encoded and hashed once: every member posts
// the same frame, signed with the payload hash cached on the Response.
func TestBroadcastEncodedAndHashedOnce(t *testing.T) {
	var mu sync.Mutex
	bodies := map[string]string{}
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[r.URL.Path] = string(b)
		mu.Unlock()
	}))
	defer gw.Close()
	s := pushServer(t, gw.URL)
	r := &hub.Response{VMID: "Room", Data: []byte(`{"Messages":["hi"]}`)}
	ids := []string{"a=", "b=", "c="}
	for _, id := range ids {
		if err := s.newSender(id).Send(r); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	frame := wire.Frame(r)
	sum := sha256.Sum256(frame)
	hash := r.Encoded(payloadHashKey{}, func(*hub.Response) []byte {
		t.Fatal("the payload hash was not cached on the Response")
		return nil
	})
	if string(hash) != hex.EncodeToString(sum[:]) {
		t.Fatalf("cached hash %s, want %x", hash, sum)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != len(ids) {
		t.Fatalf("posts %v", bodies)
	}
	for p, b := range bodies {
		if b != string(frame) {
			t.Fatalf("%s got %s, want %s", p, b, frame)
		}
	}
}

// BenchmarkPost is one push's cost on the app server: signing, the
// request on a keep-alive connection, the answer (a local 200).
//
//	go test -run '^$' -bench Post -benchmem ./transport/apigw/
func BenchmarkPost(b *testing.B) {
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer gw.Close()
	s := pushServer(b, gw.URL)
	r := &hub.Response{VMID: "Room", Data: []byte(`{"Messages":["hi"]}`)}
	b.ReportAllocs()
	snd := s.newSender("AbCdEfGhIjKlMn0=")
	for b.Loop() {
		s.post(snd, r)
	}
}

// pushServer is a Server with an empty hub pushing to the stand-in gateway
// at gwURL, with static test credentials.
func pushServer(tb testing.TB, gwURL string) *Server {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(context.Background(), hub.New(vm.NewRegistry(), hub.Options{Logger: log}), Options{
		ConnectionURL: gwURL + "/prod", Region: "us-east-1", Logger: log,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
