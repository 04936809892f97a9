// Package webapi serves dotNetify's Web API mode, used by the official
// client for connect(vmId, {webApi: true}):
//
//	GET    /api/dotnetify/vm/{vmId}[?vmarg=<json>]  → the VM's state
//	POST   /api/dotnetify/vm/{vmId}[?vmarg=<json>]  → the reaction to the update in the body
//	DELETE /api/dotnetify/vm/{vmId}                 → 200, empty
//
// Each request is stateless, as dotNetify documents the mode: it connects a
// temporary hub connection, requests the VM (with the vmarg and the HTTP
// headers as $headers, so a JWT middleware sees the Authorization header),
// for a POST applies the update, answers what the hub sent for that vmId,
// and closes the connection, disposing the VM. Errors of a VM come back as
// dotNetify's exception JSON with status 200, which the client detects.
//
// The vmarg query is raw JSON.stringify output that the client does not
// URL-encode, so everything after "vmarg=" is taken from the raw query and
// path-unescaped ('&', '+' and '=' inside it are kept).
package webapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gonetify/gonetify/cluster"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// Prefix is the path the VM routes live under.
const Prefix = "/api/dotnetify/vm/"

// Options configure a [Handler]. Zero values take the defaults.
type Options struct {
	// MaxBody bounds a POST body in bytes; a larger one gets 413.
	// Default 128 KiB.
	MaxBody int64
	// Headers names the request headers passed to the VM pipeline as
	// $headers. Empty means every header except hop-by-hop ones,
	// Content-Length, Content-Type and Cookie.
	Headers []string
	// Logger receives the handler's logs; nil means slog.Default().
	Logger *slog.Logger
	// Relay, when set, shares multicast VMs with the other servers of a
	// cluster: a request for one is served by the server that owns it.
	Relay *cluster.Relay
}

// Handler serves the Web API routes for a hub.
type Handler struct {
	h    *hub.Hub
	opts Options
}

// New returns a Web API handler for h.
func New(h *hub.Hub, opts Options) *Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = 128 << 10
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Handler{h: h, opts: opts}
}

// Register mounts a Web API handler for h on mux as GET, POST and DELETE
// /api/dotnetify/vm/{vmId}. A more specific pattern registered elsewhere
// (such as POST /api/dotnetify/vm/disconnect of the API Gateway
// integration) keeps its requests.
func Register(mux *http.ServeMux, h *hub.Hub, opts Options) *Handler {
	wa := New(h, opts)
	for _, m := range []string{"GET", "POST", "DELETE"} {
		mux.Handle(m+" "+Prefix+"{vmId}", wa)
	}
	return wa
}

// ServeHTTP serves one Web API request.
func (wa *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	vmID := r.PathValue("vmId")
	if vmID == "" {
		vmID = strings.TrimPrefix(r.URL.Path, Prefix)
	}
	if vmID == "" || strings.Contains(vmID, "/") {
		http.Error(w, "expected "+Prefix+"{vmId}", http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	case http.MethodDelete:
		// Stateless: the VM was disposed at the end of its request.
		w.WriteHeader(http.StatusOK)
		return
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	vmArg, err := rawVMArg(r.URL.RawQuery)
	if err != nil {
		writeJSON(w, exception("ArgumentException", err.Error()))
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, wa.opts.MaxBody))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, "request body larger than the limit", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "reading the request body failed", http.StatusBadRequest)
			return
		}
	}
	vmArgs, _ := json.Marshal(struct {
		VMArg   json.RawMessage   `json:"$vmArg,omitempty"`
		Headers map[string]string `json:"$headers,omitempty"`
	}{vmArg, wa.headers(r.Header)})

	col := &collector{vmID: vmID}
	id := "webapi-" + newID()
	if wa.opts.Relay != nil {
		id = wa.opts.Relay.ConnID(id)
	}
	info := &vm.Conn{ID: id, RemoteAddr: r.RemoteAddr, Header: r.Header.Clone(), Transport: "webapi"}
	hc, err := wa.h.Connect(info, col)
	if err != nil {
		wa.opts.Logger.Error("hub refused web API connection", "err", err)
		http.Error(w, "server error", http.StatusInternalServerError)
		return
	}
	defer hc.Close()
	if wa.opts.Relay != nil {
		wa.opts.Relay.Attach(id, col)
		defer wa.opts.Relay.Detach(id)
	}
	wa.handle(r.Context(), hc, hub.Message{CallType: hub.RequestVM, VMID: vmID, VMArgs: vmArgs})
	state := col.take()
	if r.Method == http.MethodPost {
		if ex := firstException(state); ex != nil {
			writeJSON(w, ex) // the VM could not be created: its error, not the update's
			return
		}
		if len(bytes.TrimSpace(body)) > 0 {
			wa.handle(r.Context(), hc, hub.Message{CallType: hub.UpdateVM, VMID: vmID, Value: body})
		}
		state = col.take()
	}
	col.stop()
	if len(state) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, merge(state))
}

// handle runs m and returns once its responses are in: here or, for a
// multicast VM of a cluster, at the server that owns it.
func (wa *Handler) handle(ctx context.Context, hc *hub.Client, m hub.Message) {
	if wa.opts.Relay != nil {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		routed, err := wa.opts.Relay.Route(ctx, hc.Info(), m, true)
		if routed {
			if err != nil {
				wa.opts.Logger.Warn("web API: the owner of the view model did not answer in time", "vm", m.VMID, "err", err)
			}
			return
		}
	}
	hc.Handle(m)
}

// headers returns the request headers passed as $headers.
func (wa *Handler) headers(h http.Header) map[string]string {
	out := map[string]string{}
	if len(wa.opts.Headers) > 0 {
		for _, name := range wa.opts.Headers {
			if v := h.Values(name); len(v) > 0 {
				out[http.CanonicalHeaderKey(name)] = strings.Join(v, ", ")
			}
		}
	} else {
		for name, v := range h {
			if !skipHeader[name] && len(v) > 0 {
				out[name] = strings.Join(v, ", ")
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

var skipHeader = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Proxy-Connection": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Content-Length": true, "Content-Type": true, "Cookie": true,
}

// rawVMArg returns the vmarg query value: everything after "vmarg=" in the
// raw query, path-unescaped, which must be JSON. No vmarg gives nil.
func rawVMArg(rawQuery string) (json.RawMessage, error) {
	i := -1
	for start := 0; start < len(rawQuery); {
		if len(rawQuery)-start >= 6 && strings.EqualFold(rawQuery[start:start+6], "vmarg=") {
			i = start + 6
			break
		}
		next := strings.IndexByte(rawQuery[start:], '&')
		if next < 0 {
			break
		}
		start += next + 1
	}
	if i < 0 {
		return nil, nil
	}
	s, err := url.PathUnescape(rawQuery[i:])
	if err != nil {
		return nil, errors.New("vmarg is not validly escaped")
	}
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return nil, nil
	}
	if !json.Valid([]byte(s)) {
		// A client that encoded it properly and added more parameters.
		if q, err := url.ParseQuery(rawQuery); err == nil {
			for k, v := range q {
				if strings.EqualFold(k, "vmarg") && len(v) > 0 && json.Valid([]byte(v[0])) {
					return json.RawMessage(v[0]), nil
				}
			}
		}
		return nil, errors.New("vmarg is not valid JSON")
	}
	return json.RawMessage(s), nil
}

// collector is the temporary connection's hub.Sender: it keeps the
// responses for one vmId.
type collector struct {
	vmID string

	mu      sync.Mutex
	got     []*hub.Response
	stopped bool
}

// Send implements hub.Sender.
func (c *collector) Send(r *hub.Response) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped && r.VMID == c.vmID {
		c.got = append(c.got, r)
	}
	return nil
}

// take returns the responses collected so far and forgets them.
func (c *collector) take() []*hub.Response {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.got
	c.got = nil
	return d
}

// stop drops whatever comes next (timer pushes before the close).
func (c *collector) stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
}

// firstException returns the data of the first response that is an
// error (dotNetify's exception object), or nil.
func firstException(rs []*hub.Response) []byte {
	for _, r := range rs {
		if r.Err != nil {
			return r.Data
		}
	}
	return nil
}

// merge returns the one response for a request: an exception if one was
// sent, else the objects merged key by key (later values win; the first
// appearance fixes the order).
func merge(rs []*hub.Response) []byte {
	if ex := firstException(rs); ex != nil {
		return ex
	}
	if len(rs) == 1 {
		return rs[0].Data
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for _, r := range rs {
		dec := json.NewDecoder(bytes.NewReader(r.Data))
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			continue
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				break
			}
			k, _ := t.(string)
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				break
			}
			if _, seen := vals[k]; !seen {
				keys = append(keys, k)
			}
			vals[k] = v
		}
	}
	buf := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		kb, _ := json.Marshal(k)
		buf = append(buf, kb...)
		buf = append(buf, ':')
		buf = append(buf, vals[k]...)
	}
	return append(buf, '}')
}

func exception(typ, msg string) []byte {
	b, _ := json.Marshal(struct {
		ExceptionType string
		Message       string
	}{typ, msg})
	return b
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	_, _ = w.Write(b) //nolint:gosec // JSON served as application/json, not HTML
}

// newID returns a random id: 26 base32 characters, 128 bits from
// crypto/rand.
func newID() string { return rand.Text() }
