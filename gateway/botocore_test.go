package gateway

import (
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// botocore, an SigV4 implementation independent of the Go SDK, posts to,
// gets and deletes a connection on the emulator; forged and mis-scoped
// signatures are refused.
func TestBotocoreConnections(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: skipping the botocore interoperability test")
	}
	if out, err := exec.Command(py, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("boto3 is not importable (pip install boto3): skipping the botocore interoperability test: %s", out)
	}
	be := newBackend(t)
	g := newTestGateway(t, be.URL, Options{})
	ws := dial(t, g)
	id := be.next(t).Body["connectionId"].(string)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/botocore_connections.py", "http://"+g.host()+"/"+g.Stage(), g.API().Region, testKeyID, testSecKey, id)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("botocore script: %v\n%s\n%s", err, out, stderr)
	}
	var res struct {
		Post, Delete string
		Get          struct {
			SourceIP       string `json:"sourceIp"`
			HasConnectedAt bool
		}
		ForgedPost, ForgedDelete, WrongRegion, AfterDelete *struct {
			Code   string
			Status int
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}
	if res.Post != "ok" || res.Delete != "ok" || res.Get.SourceIP != "127.0.0.1" || !res.Get.HasConnectedAt {
		t.Fatalf("botocore calls: %s", out)
	}
	for name, e := range map[string]*struct {
		Code   string
		Status int
	}{"forged post": res.ForgedPost, "forged delete": res.ForgedDelete, "wrong region": res.WrongRegion} {
		if e == nil || e.Status != 403 {
			t.Errorf("%s: %+v, want 403", name, e)
		}
	}
	if res.AfterDelete == nil || res.AfterDelete.Status != 410 || res.AfterDelete.Code != "GoneException" {
		t.Errorf("post after delete: %+v, want 410 GoneException", res.AfterDelete)
	}
	if got := readText(t, ws); got != `{"from":"botocore"}` {
		t.Fatalf("frame = %q", got)
	}
	if ce := readClose(t, ws); ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("close %d after DeleteConnection", ce.Code)
	}
}
