package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/metrics"
	"github.com/gonetify/gonetify/metrics/metricstest"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/store/storetest"
)

// failing is a store.Store whose every operation fails.
type failing struct{ store.Store }

var errDown = errors.New("store down")

func (failing) AddConnection(context.Context, string) error { return errDown }
func (failing) VMs(context.Context, string) ([]store.VMInfo, error) {
	return nil, errDown
}

func TestStoreDecorator(t *testing.T) {
	m := metrics.New(metrics.Options{})
	s := m.Store(store.NewMemory())
	ctx := context.Background()
	_ = s.AddConnection(ctx, "a")
	_ = s.AddConnection(ctx, "b")
	_ = s.AddVM(ctx, "a", store.VMInfo{VMID: "X"})
	if vms, err := s.VMs(ctx, "a"); err != nil || len(vms) != 1 {
		t.Fatalf("the decorator changed the result: %v %v", vms, err)
	}
	f := m.Store(failing{store.NewMemory()})
	if err := f.AddConnection(ctx, "c"); !errors.Is(err, errDown) {
		t.Fatalf("error not passed through: %v", err)
	}
	if _, err := f.VMs(ctx, "c"); !errors.Is(err, errDown) {
		t.Fatalf("error not passed through: %v", err)
	}

	got := gather(t, m)
	for series, v := range map[string]float64{
		`gonetify_store_operations_total{op="add_connection",store="connections"}`: 3,
		`gonetify_store_operations_total{op="add_vm",store="connections"}`:         1,
		`gonetify_store_operations_total{op="vms",store="connections"}`:            2,
		`gonetify_store_operations_total{op="group",store="connections"}`:          0,
		`gonetify_store_errors_total{op="add_connection",store="connections"}`:     1,
		`gonetify_store_errors_total{op="vms",store="connections"}`:                1,
		`gonetify_store_errors_total{op="add_vm",store="connections"}`:             0,
	} {
		if got[series] != v {
			t.Errorf("%s = %v, want %v", series, got[series], v)
		}
	}
}

// TestStoreDecoratorConformance: the instrumented store still passes the
// store conformance suite.
func TestStoreDecoratorConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return metrics.New(metrics.Options{}).Store(store.NewMemory()) })
}

func TestSnapshotsDecorator(t *testing.T) {
	m := metrics.New(metrics.Options{})
	s := m.Snapshots(&store.Snapshots{})
	ctx := context.Background()
	_ = s.SaveSnapshots(ctx, map[string][]byte{"k": []byte(`{}`)})
	if b, _ := s.LoadSnapshot(ctx, "k"); string(b) != `{}` {
		t.Fatalf("load %q", b)
	}
	_ = s.DeleteSnapshots(ctx, []string{"k"})
	got := gather(t, m)
	for _, op := range []string{"save_snapshots", "load_snapshot", "delete_snapshots"} {
		if v := got[`gonetify_store_operations_total{op="`+op+`",store="snapshots"}`]; v != 1 {
			t.Errorf("%s: %v operations, want 1", op, v)
		}
	}
}

func TestIntegrationAndPushes(t *testing.T) {
	m := metrics.New(metrics.Options{Version: "1.2.3"})
	h := m.Integration(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("answer") {
		case "401":
			http.Error(w, "no", http.StatusUnauthorized)
		case "body":
			_, _ = w.Write([]byte("ok")) // implicit 200
		}
		// nothing written: 200
	}))
	for _, q := range []string{"/api/dotnetify/vm", "/api/dotnetify/vm?answer=body", "/api/dotnetify/vm?answer=401", "/api/dotnetify/vm/disconnect"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", q, nil))
	}
	m.OnPush(200, 20*time.Millisecond)
	m.OnPush(200, 40*time.Millisecond)
	m.OnPush(0, time.Second)
	got := gather(t, m)
	for series, v := range map[string]float64{
		`gonetify_integration_requests_total{code="200",endpoint="vm"}`:           2,
		`gonetify_integration_requests_total{code="401",endpoint="vm"}`:           1,
		`gonetify_integration_requests_total{code="200",endpoint="disconnect"}`:   1,
		`gonetify_apigw_pushes_total{code="200"}`:                                 2,
		`gonetify_apigw_pushes_total{code="0"}`:                                   1,
		`gonetify_apigw_push_duration_seconds_count`:                              3,
		`gonetify_build_info{goversion="` + goVersion(got) + `",version="1.2.3"}`: 1,
	} {
		if got[series] != v {
			t.Errorf("%s = %v, want %v", series, got[series], v)
		}
	}
	if s := got["gonetify_apigw_push_duration_seconds_sum"]; s < 1.05 || s > 1.07 {
		t.Errorf("push duration sum %v, want 1.06", s)
	}
}

func goVersion(got metricstest.Samples) string {
	for k := range got {
		if strings.HasPrefix(k, "gonetify_build_info{") {
			_, rest, _ := strings.Cut(k, `goversion="`)
			v, _, _ := strings.Cut(rest, `"`)
			return v
		}
	}
	return ""
}

func TestObserverAndHandler(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.ConnOpened("ws")
	m.ConnOpened("ws")
	m.ConnClosed("ws")
	m.MessageIn("ws", hub.RequestVM)
	m.MessageOut("ws", 100)
	m.MessageOut("ws", 50)
	m.VMCreated("HelloWorldVM")
	m.VMCreated("HelloWorldVM")
	m.VMDisposed("HelloWorldVM")
	got := gather(t, m)
	for series, v := range map[string]float64{
		`gonetify_connections{transport="ws"}`:                              1,
		`gonetify_messages_in_total{call_type="request_vm",transport="ws"}`: 1,
		`gonetify_messages_out_total{transport="ws"}`:                       2,
		`gonetify_messages_out_bytes_total{transport="ws"}`:                 150,
		`gonetify_vms{type="HelloWorldVM"}`:                                 1,
	} {
		if got[series] != v {
			t.Errorf("%s = %v, want %v", series, got[series], v)
		}
	}
	if got["go_goroutines"] <= 0 {
		t.Error("no Go runtime collector")
	}
	if _, ok := got["process_start_time_seconds"]; !ok {
		t.Error("no process collector")
	}
}

// gather scrapes m's handler and returns every sample by its series.
func gather(t *testing.T, m *metrics.Metrics) metricstest.Samples {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	out, err := metricstest.Parse(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
