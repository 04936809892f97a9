package gateway

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// maxSignedBody caps how much of an @connections body is read (and
// hashed for SigV4) before answering 413.
const maxSignedBody = 4 << 20

// serveConnections implements the @connections management API.
func (g *Gateway) serveConnections(w http.ResponseWriter, r *http.Request, id string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSignedBody+1))
	if err != nil {
		writeAWSError(w, http.StatusBadRequest, "BadRequestException", "could not read the request body: "+err.Error())
		return
	}
	if len(body) > maxSignedBody {
		writeAWSError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Request body too large")
		return
	}
	keyID, aerr := g.verifier.verify(r, body)
	if aerr != nil {
		g.log.Warn("@connections call refused", "method", r.Method, "connectionId", id, "reason", aerr.Type)
		g.log.Debug("@connections signature check", "detail", aerr.Message)
		writeAWSError(w, http.StatusForbidden, aerr.Type, aerr.Message)
		return
	}
	log := g.log.With("method", r.Method, "connectionId", id, "accessKeyId", keyID)
	switch r.Method {
	case http.MethodPost, http.MethodGet, http.MethodDelete:
	default:
		writeAWSError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	if r.Method == http.MethodPost && int64(len(body)) > g.opts.MaxPostBytes {
		writeAWSError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Data is larger than the 131072-byte limit of PostToConnection")
		return
	}
	g.mu.Lock()
	c := g.conns[id]
	g.mu.Unlock()
	if c == nil {
		log.Info("@connections: unknown or closed connection")
		writeAWSError(w, http.StatusGone, "GoneException", "")
		return
	}
	switch r.Method {
	case http.MethodPost:
		switch err := c.enqueue(body); err {
		case nil:
			w.WriteHeader(http.StatusOK)
		case errQueueFull:
			log.Warn("@connections: send queue full", "sendQueue", g.opts.SendQueue)
			writeAWSError(w, http.StatusTooManyRequests, "LimitExceededException", "Rate exceeded")
		default:
			writeAWSError(w, http.StatusGone, "GoneException", "")
		}
	case http.MethodGet:
		c.mu.Lock()
		last := c.lastActive
		c.mu.Unlock()
		resp := struct {
			ConnectedAt  string `json:"connectedAt"`
			Identity     any    `json:"identity"`
			LastActiveAt string `json:"lastActiveAt"`
		}{
			ConnectedAt: isoMillis(c.connectedAt),
			Identity: struct {
				SourceIP  string `json:"sourceIp"`
				UserAgent string `json:"userAgent"`
			}{c.sourceIP, c.userAgent},
			LastActiveAt: isoMillis(last),
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", newRequestUUID())
		_ = json.NewEncoder(w).Encode(resp)
	case http.MethodDelete:
		log.Info("@connections: closing connection")
		// Choice: close code 1000 (AWS does not document the code).
		c.closeWith(websocket.CloseNormalClosure, "")
		// The connection is gone for the API at once: later calls answer
		// 410 even while the client is still answering the close.
		g.mu.Lock()
		if g.conns[id] == c {
			delete(g.conns, id)
		}
		g.mu.Unlock()
		w.Header().Set("x-amzn-RequestId", newRequestUUID())
		w.WriteHeader(http.StatusNoContent)
	}
}

func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// writeAWSError writes an error the way restJson1 services do: the type in
// X-Amzn-ErrorType and {"message": …} in the body.
func writeAWSError(w http.ResponseWriter, status int, typ, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", typ)
	h.Set("x-amzn-RequestId", newRequestUUID())
	w.WriteHeader(status)
	var m any = msg
	if msg == "" {
		m = nil // GoneException carries "message": null
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"message": m})
}

func newRequestUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
