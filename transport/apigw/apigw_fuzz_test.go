package apigw_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/vm"
)

// FuzzHandler posts random bodies to the integration endpoints: no panic,
// no 5xx, and a disconnect leaves no VM behind.
func FuzzHandler(f *testing.F) {
	for _, s := range []string{
		`{"connectionId":"c1"}`,
		message("c1", "request_vm", "Counter", "vmArgs", `{"$vmArg":{"Count":2}}`),
		message("c1", "update_vm", "Counter", "value", `{"Increment":null}`),
		message("c1", "dispose_vm", "Counter", "", ""),
		`{"ConnectionID":"c2","PAYLOAD":{"CALLTYPE":"REQUEST_VM","vmId":"Counter","vmArgs":{}}}`,
		`{"connectionId":"c1","payload":{"callType":"nope","vmId":"x"}}`,
		`{"connectionId":"","payload":null}`,
		`{"connectionId":1}`, `[]`, `null`, ``, `{`, "\x00\xff",
	} {
		f.Add(s)
	}
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	f.Cleanup(gw.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := vm.NewRegistry()
	mustReg(vm.RegisterType[Counter](reg, "Counter"))
	var s *apigw.Server
	h := hub.New(reg, hub.Options{Logger: log})
	s, err := apigw.New(context.Background(), h, apigw.Options{
		ConnectionURL: gw.URL + "/prod/@connections",
		Region:        "eu-west-1",
		Credentials:   credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Logger:        log,
	})
	if err != nil {
		f.Fatal(err)
	}
	handler := s.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/api/dotnetify/vm", "/api/dotnetify/vm/disconnect"} {
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest("POST", path, strings.NewReader(body)))
			if rec.Code >= 500 {
				t.Fatalf("POST %s %q: %d %s", path, body, rec.Code, rec.Body)
			}
		}
		var b struct{ ConnectionID string }
		if json.Unmarshal([]byte(body), &b) == nil && strings.TrimSpace(b.ConnectionID) != "" {
			if st := h.Stats(); st.VMs != 0 || st.Connections != 0 {
				// The disconnect above must have removed what the body created.
				t.Fatalf("after disconnect of %q: %+v", b.ConnectionID, st)
			}
		}
	})
}
