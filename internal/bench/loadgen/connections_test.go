package loadgen

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/vm"
)

// The connections mode's pieces, in-process: integration requests made
// the way the bench makes them reach an app server, whose signed pushes
// the sink counts; an unsigned call is refused and counted apart.
func TestConnectionsModeSinkAndIntegration(t *testing.T) {
	sk, err := startSink()
	if err != nil {
		t.Fatal(err)
	}
	defer sk.close()
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "HelloWorldVM", func(context.Context, vm.ID) (*examples.HelloWorldVM, error) { return examples.NewHelloWorldVM(), nil })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := hub.New(reg, hub.Options{Logger: log})
	s, err := apigw.New(context.Background(), h, apigw.Options{ConnectionURL: sk.url, Region: "us-east-1", Secret: "shh",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(s.Handler())
	defer app.Close()
	in := newIntegration(strings.TrimPrefix(app.URL, "http://"), "shh", 4)
	ctx := context.Background()
	for i := range 3 {
		id := connID("abcdef", i)
		if len(id) != 16 || !strings.HasSuffix(id, "=") {
			t.Fatalf("connection id %q is not shaped like API Gateway's", id)
		}
		if err := in.post(ctx, "/api/dotnetify/vm", []byte(`{"connectionId":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
		if err := in.post(ctx, "/api/dotnetify/vm", []byte(`{"connectionId":"`+id+`","payload":`+string(requestFrame("HelloWorldVM", ""))+`}`)); err != nil {
			t.Fatal(err)
		}
	}
	if waitCount(ctx, &sk.st.posts, 3, 10*time.Second); sk.st.posts.Load() != 3 || sk.st.unsigned.Load() != 0 {
		t.Fatalf("sink: %d pushes, %d unsigned; want 3, 0", sk.st.posts.Load(), sk.st.unsigned.Load())
	}
	if b := sk.st.bytes.Load(); b < 3*int64(len(`{"callType":"response_vm"`)) {
		t.Fatalf("sink counted %d bytes", b)
	}
	if st, err := s.Restore(ctx); err != nil || st.Alive != 0 { // all live here: nothing to restore
		t.Fatalf("Restore = %+v, %v", st, err)
	}
	// A wrong integration secret is an error naming the status.
	bad := newIntegration(strings.TrimPrefix(app.URL, "http://"), "guess", 1)
	if err := bad.post(ctx, "/api/dotnetify/vm", []byte(`{"connectionId":"x="}`)); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong secret: %v", err)
	}
	resp, err := http.Post(sk.url+"/x=", "application/octet-stream", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || sk.st.unsigned.Load() != 1 {
		t.Fatalf("unsigned POST: %d, unsigned=%d", resp.StatusCode, sk.st.unsigned.Load())
	}
}

// The summary line has the keys scripts/bench-smoke.sh looks for.
func TestConnectionsSummary(t *testing.T) {
	r := &connRun{clients: 10, connected: 10, drive: time.Second, pushes: 10, rssBefore: 1 << 20, rssAft: 2 << 20}
	r.lat.add(time.Millisecond)
	cfg := &Config{Scenario: "gateway", Mode: "connections", VM: "HelloWorldVM"}
	line := r.summary(cfg).line("gateway")
	for _, want := range []string{"gateway mode=connections vm=HelloWorldVM clients=10 connected=10 ", "requests_per_s=20.00 ", "p50_ms=", "p99_ms=", "mem_per_conn_kib=102"} {
		if !strings.Contains(line, want) {
			t.Errorf("summary %q lacks %q", line, want)
		}
	}
}
