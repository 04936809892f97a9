package gateway

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gonetify/gonetify/deploy/cloudformation"
)

const testSecret = "s3cret-0123456789abcdef"

func loadGonetify(t *testing.T, extra map[string]string) *API {
	t.Helper()
	params := map[string]string{"AppServerUrl": "https://app.example.com", "IntegrationSecret": testSecret}
	for k, v := range extra {
		params[k] = v
	}
	api, err := LoadTemplateFile("../deploy/cloudformation/gonetify.yaml", params)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func TestEmbeddedTemplateMatchesFile(t *testing.T) {
	b, err := os.ReadFile("../deploy/cloudformation/gonetify.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, cloudformation.Template) {
		t.Fatal("cloudformation.Template differs from gonetify.yaml")
	}
}

func TestLoadGonetifyTemplate(t *testing.T) {
	api := loadGonetify(t, nil)
	if api.RouteSelectionExpression != "$request.body.action" {
		t.Errorf("RouteSelectionExpression = %q", api.RouteSelectionExpression)
	}
	if !regexp.MustCompile(`^[a-z0-9]{10}$`).MatchString(api.ID) {
		t.Errorf("API id %q does not look like an API Gateway id", api.ID)
	}
	if api.Stage == nil || api.Stage.Name != "prod" || !api.Stage.AutoDeploy {
		t.Fatalf("stage = %+v, want prod with AutoDeploy", api.Stage)
	}
	want := map[string]struct{ uri, tmpl string }{
		"$connect":    {"https://app.example.com/api/dotnetify/vm", `{"connectionId":"$context.connectionId"}`},
		"$default":    {"https://app.example.com/api/dotnetify/vm", `{"connectionId":"$context.connectionId","payload":$input.body}`},
		"$disconnect": {"https://app.example.com/api/dotnetify/vm/disconnect", `{"connectionId":"$context.connectionId"}`},
	}
	if len(api.Routes) != len(want) {
		t.Errorf("routes = %v, want %d", sortedKeys(api.Routes), len(want))
	}
	for key, w := range want {
		r := api.Routes[key]
		if r == nil {
			t.Errorf("route %s missing", key)
			continue
		}
		if !r.TwoWay() {
			t.Errorf("route %s is not two-way (responses %v)", key, r.RouteResponses)
		}
		in := r.Integration
		if in == nil {
			t.Errorf("route %s has no integration", key)
			continue
		}
		if in.URI != w.uri || in.Method != "POST" || in.Type != "HTTP" || in.Timeout != 29*time.Second {
			t.Errorf("route %s integration = %s %s %s %v", key, in.Type, in.Method, in.URI, in.Timeout)
		}
		if got := in.RequestTemplates["$default"]; got != w.tmpl {
			t.Errorf("route %s template = %q, want %q", key, got, w.tmpl)
		}
		if in.TemplateSelectionExpression != `\$default` {
			t.Errorf("route %s TemplateSelectionExpression = %q", key, in.TemplateSelectionExpression)
		}
		if got := in.RequestParameters["integration.request.header.X-Gonetify-Secret"]; got != "'"+testSecret+"'" {
			t.Errorf("route %s secret parameter = %q", key, got)
		}
		if _, ok := in.RequestParameters["integration.request.header.X-Forwarded-For"]; ok {
			t.Errorf("route %s maps X-Forwarded-For, a header API Gateway reserves", key)
		}
		if got := in.RequestParameters["integration.request.header.X-Gonetify-Client-Ip"]; got != "context.identity.sourceIp" {
			t.Errorf("route %s source address parameter = %q", key, got)
		}
		if len(in.Responses) != 1 || in.Responses[0].Key != "$default" || !in.ResponseMatches(502) {
			t.Errorf("route %s integration responses = %v", key, in.Responses)
		}
	}
	if got, w := api.Outputs["WebSocketURL"], "wss://"+api.ID+".execute-api.us-east-1.amazonaws.com/prod"; got != w {
		t.Errorf("WebSocketURL = %q, want %q", got, w)
	}
	if got, w := api.Outputs["ConnectionURL"], "https://"+api.ID+".execute-api.us-east-1.amazonaws.com/prod/@connections"; got != w {
		t.Errorf("ConnectionURL = %q, want %q", got, w)
	}
	p := api.Parameters["IntegrationSecret"]
	if !p.NoEcho || strings.Contains(p.String(), testSecret) {
		t.Errorf("IntegrationSecret parameter %q must be NoEcho and masked", p.String())
	}
}

func TestLoadTemplateOverrides(t *testing.T) {
	api := loadGonetify(t, map[string]string{"StageName": "dev", "AWS::Region": "eu-west-1"})
	if api.Stage.Name != "dev" || api.Region != "eu-west-1" {
		t.Fatalf("stage %q region %q", api.Stage.Name, api.Region)
	}
	if got := api.Outputs["WebSocketURL"]; !strings.HasSuffix(got, ".execute-api.eu-west-1.amazonaws.com/dev") {
		t.Errorf("WebSocketURL = %q", got)
	}
}

func TestLoadTemplateParameterErrors(t *testing.T) {
	data := cloudformation.Template
	for name, tc := range map[string]struct {
		params map[string]string
		want   string
	}{
		"missing":       {map[string]string{"AppServerUrl": "https://a.example"}, "IntegrationSecret has no value"},
		"undeclared":    {map[string]string{"AppServerUrl": "https://a.example", "IntegrationSecret": testSecret, "Nope": "x"}, "parameter Nope is not declared"},
		"pattern":       {map[string]string{"AppServerUrl": "https://a.example/", "IntegrationSecret": testSecret}, "AllowedPattern"},
		"short secret":  {map[string]string{"AppServerUrl": "https://a.example", "IntegrationSecret": "x"}, "MinLength"},
		"unknown AWS::": {map[string]string{"AppServerUrl": "https://a.example", "IntegrationSecret": testSecret, "AWS::Nope": "x"}, "unknown pseudo parameter"},
	} {
		_, err := LoadTemplate(data, tc.params)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "value \"x\"") && name == "short secret" {
			t.Errorf("NoEcho value leaked in %v", err)
		}
	}
}

const intrinsicsTemplate = `
Parameters:
  Host: {Type: String, Default: backend.local}
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: !Join ["-", [!Ref "AWS::StackName", ws]]
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: "${request.body.service}/${request.body.action}"
  Int:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: HTTP
      IntegrationUri: !Sub
        - "http://${H}/${Part}/x"
        - H: !Ref Host
          Part: !Select [1, !Split [",", "a,b,c"]]
      TimeoutInMillis: 1000
      RequestParameters:
        integration.request.header.ConnId: context.connectionId
        integration.request.querystring.api: !Sub "'${Api}'"
  Chat:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !GetAtt Api.ApiId
      RouteKey: chat/join
      Target: !Join ["/", [integrations, !Ref Int]]
  Other:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: other-api
      RouteKey: $default
Outputs:
  Endpoint: {Value: !GetAtt Api.ApiEndpoint}
  Literal: {Value: !Sub "${!NotExpanded}-${AWS::AccountId}"}
`

func TestLoadTemplateIntrinsics(t *testing.T) {
	api, err := LoadTemplate([]byte(intrinsicsTemplate), map[string]string{"AWS::StackName": "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if api.Name != "demo-ws" {
		t.Errorf("Name = %q", api.Name)
	}
	r := api.Routes["chat/join"]
	if r == nil || r.Integration == nil || len(api.Routes) != 1 {
		t.Fatalf("routes = %v", sortedKeys(api.Routes))
	}
	if r.Integration.URI != "http://backend.local/b/x" || r.Integration.Timeout != time.Second {
		t.Errorf("integration = %s %v", r.Integration.URI, r.Integration.Timeout)
	}
	if r.TwoWay() {
		t.Error("route without route response must be one-way")
	}
	if got := r.Integration.RequestParameters["integration.request.querystring.api"]; got != "'"+api.ID+"'" {
		t.Errorf("query parameter = %q", got)
	}
	if api.Outputs["Endpoint"] != "wss://"+api.ID+".execute-api.us-east-1.amazonaws.com" {
		t.Errorf("Endpoint = %q", api.Outputs["Endpoint"])
	}
	if api.Outputs["Literal"] != "${NotExpanded}-123456789012" {
		t.Errorf("Literal = %q", api.Outputs["Literal"])
	}
	if api.Stage != nil {
		t.Errorf("stage = %+v, want none", api.Stage)
	}
	if _, err := New(api, Options{}); err == nil || !strings.Contains(err.Error(), "--stage") {
		t.Errorf("New without a stage: err = %v", err)
	}
}

func TestLoadTemplateErrors(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"no api":      {"Resources:\n  X: {Type: AWS::SNS::Topic}\n", "no AWS::ApiGatewayV2::Api"},
		"bad tag":     {"Resources:\n  X: {Type: !Nope a}\n", "unknown CloudFormation tag"},
		"bad ref":     {"Resources:\n  A: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: WEBSOCKET, RouteSelectionExpression: x, Name: !Ref Missing}}\n", "!Ref Missing"},
		"bad target":  {"Resources:\n  A: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: WEBSOCKET, RouteSelectionExpression: x}}\n  R: {Type: AWS::ApiGatewayV2::Route, Properties: {ApiId: !Ref A, RouteKey: $default, Target: nowhere}}\n", "integrations/{IntegrationId}"},
		"lambda":      {"Resources:\n  A: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: WEBSOCKET, RouteSelectionExpression: x}}\n  I: {Type: AWS::ApiGatewayV2::Integration, Properties: {ApiId: !Ref A, IntegrationType: AWS_PROXY}}\n", "only HTTP"},
		"bad param":   {"Resources:\n  A: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: WEBSOCKET, RouteSelectionExpression: x}}\n  I: {Type: AWS::ApiGatewayV2::Integration, Properties: {ApiId: !Ref A, IntegrationType: HTTP, IntegrationUri: http://x, RequestParameters: {integration.request.header.X: secret}}}\n", "single quotes"},
		"not mapping": {"- a\n", "must be a mapping"},
		"api key":     {"Resources:\n  A: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: WEBSOCKET, RouteSelectionExpression: x}}\n  R: {Type: AWS::ApiGatewayV2::Route, Properties: {ApiId: !Ref A, RouteKey: $default, ApiKeyRequired: true}}\n", "ApiKeyRequired is not emulated"},
		"models":      {"Resources:\n  A: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: WEBSOCKET, RouteSelectionExpression: x}}\n  R: {Type: AWS::ApiGatewayV2::Route, Properties: {ApiId: !Ref A, RouteKey: $default, RequestModels: {$default: M}}}\n", "RequestModels"},
	} {
		_, err := LoadTemplate([]byte(tc.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
	}
}

func FuzzLoadTemplate(f *testing.F) {
	f.Add([]byte(intrinsicsTemplate))
	f.Add(cloudformation.Template)
	f.Add([]byte("Resources: &a {X: *a}\n"))
	f.Add([]byte("Resources:\n  X: &s [a, *s]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = LoadTemplate(data, map[string]string{"AppServerUrl": "https://a.example", "IntegrationSecret": testSecret})
	})
}

// An alias to its own anchor used to recurse until the stack overflowed and
// killed the process (issue 11, defect 6).
func TestLoadTemplateAliasCycle(t *testing.T) {
	for name, src := range map[string]string{
		"mapping":  "Resources: &a {X: *a}\n",
		"sequence": "Resources:\n  X: &s [a, *s]\n",
		"nested":   "Resources: &r\n  A:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: {P: [*r]}\n",
	} {
		_, err := LoadTemplate([]byte(src), nil)
		if err == nil || !strings.Contains(err.Error(), "cycle") {
			t.Errorf("%s: err = %v, want an alias cycle error", name, err)
		}
	}
	// A billion laughs: each level doubles; the node budget stops it.
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x]\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	b.WriteString("Resources: {X: *a39}\n")
	if _, err := LoadTemplate([]byte(b.String()), nil); err == nil || !strings.Contains(err.Error(), "YAML nodes") {
		t.Errorf("alias blow-up: err = %v, want the node budget error", err)
	}
	// An alias that is not a cycle still works.
	src := "Shared: &uri {Type: AWS::SNS::Topic}\nResources:\n  T: *uri\n  A: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: WEBSOCKET, RouteSelectionExpression: x}}\n  R: {Type: AWS::ApiGatewayV2::Route, Properties: {ApiId: !Ref A, RouteKey: $default}}\n"
	if _, err := LoadTemplate([]byte(src), nil); err != nil {
		t.Errorf("plain alias: %v", err)
	}
}
