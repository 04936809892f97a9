// Package metrics exposes a gonetify server's Prometheus metrics, on a
// registry of its own (never the global default):
//
//	gonetify_build_info{version,goversion}                 1
//	gonetify_connections{transport}                        gauge: open client connections
//	gonetify_vms{type}                                     gauge: live VM instances (a multicast VM counts once)
//	gonetify_multicast_groups                              gauge: live multicast instances
//	gonetify_messages_in_total{transport,call_type}        counter: client messages (request_vm, update_vm, dispose_vm, unknown, invalid)
//	gonetify_messages_out_total{transport}                 counter: responses sent to clients (VM data, exceptions)
//	gonetify_messages_out_bytes_total{transport}           counter: the bytes of their data
//	gonetify_apigw_push_duration_seconds                   histogram: one push attempt to the API Gateway callback URL
//	gonetify_apigw_pushes_total{code}                      counter: push attempts by the HTTP status answered ("0": unreachable)
//	gonetify_integration_requests_total{endpoint,code}     counter: API Gateway integration calls (endpoint "vm" or "disconnect") by the status answered
//	gonetify_store_operations_total{store,op}              counter: connection store and snapshot store operations
//	gonetify_store_errors_total{store,op}                  counter: those that failed
//
// and the Go runtime (go_*) and process (process_*) collectors.
//
// Wiring: pass the [Metrics] as hub.Options.Observer, [Metrics.OnPush] as
// apigw.Options.OnPush, wrap the integration handler with
// [Metrics.Integration], the stores with [Metrics.Store] and
// [Metrics.Snapshots], call [Metrics.WatchHub], and serve
// [Metrics.Handler] at /metrics.
package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gonetify/gonetify/hub"
)

// Options configure [New].
type Options struct {
	// Version is reported by gonetify_build_info.
	Version string
}

// Metrics holds a server's collectors and its registry. It implements
// hub.Observer; its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	conns       *prometheus.GaugeVec
	vms         *prometheus.GaugeVec
	msgIn       *prometheus.CounterVec
	msgOut      *prometheus.CounterVec
	msgOutBytes *prometheus.CounterVec
	pushTime    prometheus.Histogram
	pushes      *prometheus.CounterVec
	integration *prometheus.CounterVec
	storeOps    *prometheus.CounterVec
	storeErrs   *prometheus.CounterVec
}

var _ hub.Observer = (*Metrics)(nil)

// New returns the metrics of one server, registered on a new registry
// together with the Go runtime and process collectors.
func New(opts Options) *Metrics {
	if opts.Version == "" {
		opts.Version = "dev"
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gonetify_connections", Help: "Open client connections, by transport.",
		}, []string{"transport"}),
		vms: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gonetify_vms", Help: "Live view model instances, by VM type (a multicast VM counts once).",
		}, []string{"type"}),
		msgIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gonetify_messages_in_total", Help: "Client messages received, by transport and call type (request_vm, update_vm, dispose_vm, unknown, invalid).",
		}, []string{"transport", "call_type"}),
		msgOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gonetify_messages_out_total", Help: "Responses sent to clients (VM data and exceptions), by transport.",
		}, []string{"transport"}),
		msgOutBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gonetify_messages_out_bytes_total", Help: "Bytes of the VM data sent to clients (before each transport's framing), by transport.",
		}, []string{"transport"}),
		pushTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gonetify_apigw_push_duration_seconds",
			Help:    "Duration of one push attempt to the API Gateway callback (@connections) URL.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14), // 1 ms … 8 s
		}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gonetify_apigw_pushes_total", Help: "Push attempts to the API Gateway callback URL, by the HTTP status it answered (0: unreachable).",
		}, []string{"code"}),
		integration: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gonetify_integration_requests_total", Help: "API Gateway integration calls, by endpoint (vm, disconnect) and the HTTP status answered.",
		}, []string{"endpoint", "code"}),
		storeOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gonetify_store_operations_total", Help: "Store operations, by store (connections, snapshots) and operation.",
		}, []string{"store", "op"}),
		storeErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gonetify_store_errors_total", Help: "Store operations that failed, by store and operation.",
		}, []string{"store", "op"}),
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "gonetify_build_info",
		Help:        "Always 1; the labels give the gonetify version and the Go version it was built with.",
		ConstLabels: prometheus.Labels{"version": opts.Version, "goversion": runtime.Version()},
	})
	info.Set(1)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		info, m.conns, m.vms, m.msgIn, m.msgOut, m.msgOutBytes,
		m.pushTime, m.pushes, m.integration, m.storeOps, m.storeErrs,
	)
	return m
}

// Registry returns the registry the metrics are on, to add your own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// WatchHub adds gonetify_multicast_groups, read from h.Stats at each
// scrape.
func (m *Metrics) WatchHub(h *hub.Hub) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gonetify_multicast_groups", Help: "Live multicast view model instances.",
	}, func() float64 { return float64(h.Stats().Groups) }))
}

// ConnOpened implements hub.Observer.
func (m *Metrics) ConnOpened(transport string) { m.conns.WithLabelValues(transport).Inc() }

// ConnClosed implements hub.Observer.
func (m *Metrics) ConnClosed(transport string) { m.conns.WithLabelValues(transport).Dec() }

// MessageIn implements hub.Observer.
func (m *Metrics) MessageIn(transport string, callType hub.CallType) {
	m.msgIn.WithLabelValues(transport, strings.ToLower(string(callType))).Inc()
}

// MessageOut implements hub.Observer.
func (m *Metrics) MessageOut(transport string, bytes int) {
	m.msgOut.WithLabelValues(transport).Inc()
	m.msgOutBytes.WithLabelValues(transport).Add(float64(bytes))
}

// VMCreated implements hub.Observer.
func (m *Metrics) VMCreated(typ string) { m.vms.WithLabelValues(typ).Inc() }

// VMDisposed implements hub.Observer.
func (m *Metrics) VMDisposed(typ string) { m.vms.WithLabelValues(typ).Dec() }

// OnPush records one push attempt to the API Gateway callback URL; it is
// apigw.Options.OnPush.
func (m *Metrics) OnPush(status int, took time.Duration) {
	m.pushTime.Observe(took.Seconds())
	m.pushes.WithLabelValues(strconv.Itoa(status)).Inc()
}

// Integration wraps the API Gateway integration endpoints (apigw's
// Handler) to count their answers by status code.
func (m *Metrics) Integration(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		endpoint := "vm"
		if strings.HasSuffix(r.URL.Path, "/disconnect") {
			endpoint = "disconnect"
		}
		m.integration.WithLabelValues(endpoint, strconv.Itoa(rec.code)).Inc()
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code    int
	written bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.written {
		r.code, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.written = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
