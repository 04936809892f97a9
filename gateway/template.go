package gateway

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Pseudo parameters a template may reference with !Ref or ${…}; callers of
// LoadTemplate may override them through params (for example
// params["AWS::Region"] = "eu-west-1").
const (
	PseudoRegion    = "AWS::Region"
	PseudoAccountID = "AWS::AccountId"
	PseudoPartition = "AWS::Partition"
	PseudoURLSuffix = "AWS::URLSuffix"
	PseudoStackName = "AWS::StackName"
	PseudoStackID   = "AWS::StackId"
)

// Defaults for the pseudo parameters when params does not set them.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
	DefaultStackName = "gonetify-local"
)

// API is a WebSocket API read from a CloudFormation template, with every
// intrinsic function (!Ref, !Sub, !GetAtt, !Join, …) already resolved.
type API struct {
	// LogicalID is the template's name for the AWS::ApiGatewayV2::Api resource.
	LogicalID string
	// ID is the emulated API id (10 lowercase letters and digits, derived
	// from the stack name and logical id, so stable across runs).
	ID string
	// Name is the Api's Name property.
	Name string
	// RouteSelectionExpression selects the route of each client message,
	// for example "$request.body.action".
	RouteSelectionExpression string
	// Region and AccountID are the values of AWS::Region and AWS::AccountId.
	Region, AccountID string
	// Parameters are the template's parameters with their final values.
	Parameters map[string]Parameter
	// Routes maps a route key ("$connect", "$default", …) to its route.
	Routes map[string]*Route
	// Integrations maps an integration's logical id to the integration.
	Integrations map[string]*Integration
	// Stage is the API's stage (the first AWS::ApiGatewayV2::Stage found
	// for the Api); nil when the template has none.
	Stage *Stage
	// Outputs are the template's outputs, resolved to strings as
	// CloudFormation would show them (with AWS host names, not local ones).
	Outputs map[string]string
}

// Parameter is one template parameter and the value it resolved to.
type Parameter struct {
	// Name is the parameter's logical name.
	Name string
	// Value is the override from params, else the Default.
	Value string
	// Default is the template's Default ("" when absent).
	Default string
	// NoEcho marks a secret: String masks it and the emulator never logs it.
	NoEcho bool
}

// String returns NAME=VALUE, with the value masked for NoEcho parameters.
func (p Parameter) String() string {
	if p.NoEcho {
		return p.Name + "=****"
	}
	return p.Name + "=" + p.Value
}

// Route is one AWS::ApiGatewayV2::Route.
type Route struct {
	// LogicalID is the template's name for the route.
	LogicalID string
	// Key is the RouteKey ("$connect", "$disconnect", "$default" or custom).
	Key string
	// AuthorizationType is NONE, AWS_IAM or CUSTOM (only NONE is emulated).
	AuthorizationType string
	// RouteResponseSelectionExpression is "$default" on two-way routes.
	RouteResponseSelectionExpression string
	// RouteResponses are the keys of the route's RouteResponse resources.
	RouteResponses []string
	// RequestParameters are the route's declared request parameters
	// ("route.request.header.NAME" or "route.request.querystring.NAME")
	// mapped to whether they are required. AWS allows them on $connect
	// only; a missing required one refuses the handshake with 400.
	RequestParameters map[string]bool
	// IntegrationID is the logical id named by Target "integrations/{id}".
	IntegrationID string
	// Integration is the target integration (nil when the route has none).
	Integration *Integration
}

// MissingParameters returns the declared, required request parameters
// that the $connect handshake r lacks.
func (r *Route) MissingParameters(hs *http.Request) []string {
	var missing []string
	for _, k := range sortedKeys(r.RequestParameters) {
		if !r.RequestParameters[k] {
			continue
		}
		if handshakeParam(k, hs) == "" {
			missing = append(missing, k)
		}
	}
	return missing
}

// handshakeParam reads route.request.header.X or route.request.querystring.X
// from a $connect handshake.
func handshakeParam(src string, hs *http.Request) string {
	if hs == nil {
		return ""
	}
	if name, ok := strings.CutPrefix(src, "route.request.header."); ok {
		return hs.Header.Get(name)
	}
	if name, ok := strings.CutPrefix(src, "route.request.querystring."); ok {
		return hs.URL.Query().Get(name)
	}
	return ""
}

// TwoWay reports whether the integration's response is sent back to the
// client: the route needs RouteResponseSelectionExpression "$default" and a
// "$default" route response.
func (r *Route) TwoWay() bool {
	if r.RouteResponseSelectionExpression != "$default" {
		return false
	}
	for _, k := range r.RouteResponses {
		if k == "$default" {
			return true
		}
	}
	return false
}

// Integration is one AWS::ApiGatewayV2::Integration.
type Integration struct {
	// LogicalID is the template's name for the integration.
	LogicalID string
	// Type is the IntegrationType; the emulator supports HTTP.
	Type string
	// Method is the IntegrationMethod (POST when empty).
	Method string
	// URI is the resolved IntegrationUri.
	URI string
	// PassthroughBehavior is WHEN_NO_MATCH (default), WHEN_NO_TEMPLATES or NEVER.
	PassthroughBehavior string
	// TemplateSelectionExpression picks the key into RequestTemplates.
	TemplateSelectionExpression string
	// RequestTemplates maps a template key to its VTL text.
	RequestTemplates map[string]string
	// RequestParameters maps "integration.request.header.X" (or
	// querystring.X) to a source: "'static'", "context.x", "stageVariables.x",
	// "route.request.header.x", "route.request.querystring.x" or
	// "route.request.body.path".
	RequestParameters map[string]string
	// Timeout is TimeoutInMillis (29 s when absent).
	Timeout time.Duration
	// Responses are the integration's IntegrationResponse resources.
	Responses []*IntegrationResponse
}

// IntegrationResponse is one AWS::ApiGatewayV2::IntegrationResponse.
type IntegrationResponse struct {
	// LogicalID is the template's name for the integration response.
	LogicalID string
	// Key is the IntegrationResponseKey: "$default" (catch-all) or
	// "/regex/" matched against the backend status code.
	Key string
	// TemplateSelectionExpression picks the key into ResponseTemplates:
	// ${integration.response.statuscode}, ${integration.response.header.X},
	// ${request.body.PATH} or a static value; "$default" when empty.
	TemplateSelectionExpression string
	// ResponseTemplates maps a template key to its VTL text; the template
	// renders the backend's body ($input.body) into the frame sent to the
	// client. With no templates the body passes through unchanged.
	ResponseTemplates map[string]string

	re *regexp.Regexp
}

// ResponseMatches reports whether one of the integration responses selects
// the backend status code.
func (in *Integration) ResponseMatches(status int) bool { return in.Response(status) != nil }

// Response returns the integration response that selects the backend
// status: the first /regex/ key matching it, else the $default one, else
// nil.
func (in *Integration) Response(status int) *IntegrationResponse {
	code := strconv.Itoa(status)
	var def *IntegrationResponse
	for _, r := range in.Responses {
		switch {
		case r.Key == "$default":
			def = r
		case r.re != nil && r.re.MatchString(code):
			return r
		}
	}
	return def
}

// Stage is an AWS::ApiGatewayV2::Stage.
type Stage struct {
	// LogicalID is the template's name for the stage.
	LogicalID string
	// Name is the StageName: the first path segment of both URLs.
	Name string
	// AutoDeploy mirrors the property (the emulator always serves the
	// current template).
	AutoDeploy bool
	// Variables are the StageVariables ($stageVariables.x in templates).
	Variables map[string]string
}

// LoadTemplateFile reads a CloudFormation template from path and calls
// LoadTemplate.
func LoadTemplateFile(path string, params map[string]string) (*API, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the operator names the template to load
	if err != nil {
		return nil, fmt.Errorf("read CloudFormation template: %w", err)
	}
	api, err := LoadTemplate(data, params)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return api, nil
}

// LoadTemplate parses a CloudFormation template (YAML or JSON, short tags
// such as !Ref and !Sub included), fills its parameters from params (then
// their defaults) and returns the first WEBSOCKET AWS::ApiGatewayV2::Api with
// its routes, integrations, responses and stage. Keys of params that start
// with "AWS::" override pseudo parameters.
func LoadTemplate(data []byte, params map[string]string) (*API, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse CloudFormation template: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("CloudFormation template is empty")
	}
	root, err := (&converter{active: map[*yaml.Node]bool{}}).node(doc.Content[0], 0)
	if err != nil {
		return nil, err
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, errors.New("CloudFormation template must be a mapping with a Resources section")
	}
	t := &tmpl{resources: map[string]resource{}, params: map[string]Parameter{}, pseudo: map[string]string{}, resolving: map[string]bool{}}
	if err := t.readResources(top); err != nil {
		return nil, err
	}
	if err := t.readParameters(top, params); err != nil {
		return nil, err
	}
	return t.build(top)
}

type resource struct {
	Type  string
	Props map[string]any
}

type tmpl struct {
	resources map[string]resource
	params    map[string]Parameter
	pseudo    map[string]string
	resolving map[string]bool
	refCache  map[string]string
}

// Bounds on YAML alias expansion: a template is a few hundred nodes, so
// these only stop hostile input (an alias cycle, or aliases of aliases
// doubling at every level, the "billion laughs").
const (
	maxYAMLDepth = 200
	maxYAMLNodes = 1 << 20
)

// converter turns YAML nodes into the JSON-like form of CloudFormation
// (maps, slices, strings), rewriting short tags into {"Fn::X": …} maps.
// active holds the anchors being expanded, so that an alias to one of its
// own ancestors (Resources: &a {X: *a}) is an error rather than an endless
// recursion; nodes counts what was produced, bounding alias blow-ups.
type converter struct {
	active map[*yaml.Node]bool
	nodes  int
}

func (cv *converter) node(n *yaml.Node, depth int) (any, error) {
	cv.nodes++
	if cv.nodes > maxYAMLNodes {
		return nil, fmt.Errorf("line %d: the template expands to more than %d YAML nodes (aliases of aliases?)", n.Line, maxYAMLNodes)
	}
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("line %d: YAML nested more than %d levels deep", n.Line, maxYAMLDepth)
	}
	var v any
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: alias *%s names no anchor", n.Line, n.Value)
		}
		if cv.active[n.Alias] {
			return nil, fmt.Errorf("line %d: alias *%s refers to its own anchor &%s (a cycle): CloudFormation templates cannot be recursive", n.Line, n.Value, n.Alias.Anchor)
		}
		cv.active[n.Alias] = true
		defer delete(cv.active, n.Alias)
		return cv.node(n.Alias, depth+1)
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			v = nil
		} else {
			v = n.Value
		}
	case yaml.SequenceNode:
		if n.Anchor != "" {
			cv.active[n] = true
			defer delete(cv.active, n)
		}
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			x, err := cv.node(c, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, x)
		}
		v = s
	case yaml.MappingNode:
		if n.Anchor != "" {
			cv.active[n] = true
			defer delete(cv.active, n)
		}
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			x, err := cv.node(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = x
		}
		v = m
	default:
		return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
	if n.Tag == "" || strings.HasPrefix(n.Tag, "!!") {
		return v, nil
	}
	name := strings.TrimPrefix(n.Tag, "!")
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			a, b, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q needs the form Resource.Attribute", n.Line, s)
			}
			v = []any{a, b}
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	case "Sub", "Join", "Select", "Split", "If", "Equals", "Not", "And", "Or", "Base64", "FindInMap", "GetAZs", "ImportValue", "Cidr", "Length", "ToJsonString":
		return map[string]any{"Fn::" + name: v}, nil
	}
	return nil, fmt.Errorf("line %d: unknown CloudFormation tag %s", n.Line, n.Tag)
}

func (t *tmpl) readResources(top map[string]any) error {
	res, ok := top["Resources"].(map[string]any)
	if !ok || len(res) == 0 {
		return errors.New("CloudFormation template has no Resources section")
	}
	for id, v := range res {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("resource %s must be a mapping", id)
		}
		typ, _ := m["Type"].(string)
		props, _ := m["Properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		t.resources[id] = resource{Type: typ, Props: props}
	}
	return nil
}

func (t *tmpl) readParameters(top map[string]any, overrides map[string]string) error {
	t.pseudo = map[string]string{
		PseudoRegion:    DefaultRegion,
		PseudoAccountID: DefaultAccountID,
		PseudoPartition: "aws",
		PseudoURLSuffix: "amazonaws.com",
		PseudoStackName: DefaultStackName,
	}
	decl, _ := top["Parameters"].(map[string]any)
	for k, v := range overrides {
		if strings.HasPrefix(k, "AWS::") {
			if _, ok := t.pseudo[k]; !ok && k != PseudoStackID {
				return fmt.Errorf("unknown pseudo parameter %s (supported: AWS::Region, AWS::AccountId, AWS::Partition, AWS::URLSuffix, AWS::StackName, AWS::StackId)", k)
			}
			t.pseudo[k] = v
			continue
		}
		if _, ok := decl[k]; !ok {
			return fmt.Errorf("parameter %s is not declared in the template (declared: %s)", k, strings.Join(sortedKeys(decl), ", "))
		}
	}
	if strings.HasPrefix(t.pseudo[PseudoRegion], "cn-") && overrides[PseudoURLSuffix] == "" {
		t.pseudo[PseudoURLSuffix] = "amazonaws.com.cn"
	}
	if _, ok := t.pseudo[PseudoStackID]; !ok {
		t.pseudo[PseudoStackID] = fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", t.pseudo[PseudoPartition], t.pseudo[PseudoRegion], t.pseudo[PseudoAccountID], t.pseudo[PseudoStackName], fakeID("stack", t.pseudo[PseudoStackName], 32))
	}
	for _, name := range sortedKeys(decl) {
		d, _ := decl[name].(map[string]any)
		p := Parameter{Name: name}
		p.Default = scalarString(d["Default"])
		p.NoEcho = strings.EqualFold(scalarString(d["NoEcho"]), "true")
		v, ok := overrides[name]
		switch {
		case ok:
			p.Value = v
		case d["Default"] != nil:
			p.Value = p.Default
		default:
			return fmt.Errorf("parameter %s has no value and no Default: pass it (gonetify gateway --param %s=VALUE)", name, name)
		}
		if err := checkParameter(p, d); err != nil {
			return err
		}
		t.params[name] = p
	}
	return nil
}

// localHTTP reports whether v is an http:// URL to a loopback host that
// the AllowedPattern re would accept as https://. Choice: the emulator
// accepts it, because a local app server has no certificate API Gateway
// trusts and the secret never leaves the machine; CloudFormation itself
// refuses it.
func localHTTP(re *regexp.Regexp, v string) bool {
	rest, ok := strings.CutPrefix(v, "http://")
	if !ok || !re.MatchString("https://"+rest) {
		return false
	}
	u, err := url.Parse(v)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func checkParameter(p Parameter, d map[string]any) error {
	shown := strconv.Quote(p.Value)
	if p.NoEcho {
		shown = "(hidden)"
	}
	if s := scalarString(d["AllowedPattern"]); s != "" {
		re, err := regexp.Compile("^(?:" + s + ")$")
		if err != nil {
			return fmt.Errorf("parameter %s: AllowedPattern %q is not a valid regular expression: %v", p.Name, s, err)
		}
		if !re.MatchString(p.Value) && !localHTTP(re, p.Value) {
			return fmt.Errorf("parameter %s value %s does not match AllowedPattern %s (%s)", p.Name, shown, s, scalarString(d["ConstraintDescription"]))
		}
	}
	if av, ok := d["AllowedValues"].([]any); ok {
		found := false
		for _, a := range av {
			found = found || scalarString(a) == p.Value
		}
		if !found {
			return fmt.Errorf("parameter %s value %s is not one of AllowedValues %v", p.Name, shown, av)
		}
	}
	if s := scalarString(d["MinLength"]); s != "" {
		if n, err := strconv.Atoi(s); err == nil && len(p.Value) < n {
			return fmt.Errorf("parameter %s is %d characters long; the template's MinLength is %d", p.Name, len(p.Value), n)
		}
	}
	if s := scalarString(d["MaxLength"]); s != "" {
		if n, err := strconv.Atoi(s); err == nil && len(p.Value) > n {
			return fmt.Errorf("parameter %s is %d characters long; the template's MaxLength is %d", p.Name, len(p.Value), n)
		}
	}
	return nil
}

func (t *tmpl) build(top map[string]any) (*API, error) {
	api := &API{
		Parameters:   t.params,
		Routes:       map[string]*Route{},
		Integrations: map[string]*Integration{},
		Outputs:      map[string]string{},
		Region:       t.pseudo[PseudoRegion],
		AccountID:    t.pseudo[PseudoAccountID],
	}
	for _, id := range sortedKeys(t.resources) {
		r := t.resources[id]
		if r.Type != "AWS::ApiGatewayV2::Api" {
			continue
		}
		pt, err := t.str(r.Props["ProtocolType"], id+".ProtocolType")
		if err != nil {
			return nil, err
		}
		if pt != "WEBSOCKET" {
			continue
		}
		api.LogicalID = id
		break
	}
	if api.LogicalID == "" {
		return nil, errors.New("template has no AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET")
	}
	var err error
	props := t.resources[api.LogicalID].Props
	if api.ID, err = t.ref(api.LogicalID); err != nil {
		return nil, err
	}
	if api.Name, err = t.str(props["Name"], api.LogicalID+".Name"); err != nil {
		return nil, err
	}
	if api.RouteSelectionExpression, err = t.str(props["RouteSelectionExpression"], api.LogicalID+".RouteSelectionExpression"); err != nil {
		return nil, err
	}
	if api.RouteSelectionExpression == "" {
		return nil, fmt.Errorf("%s needs a RouteSelectionExpression (for example $request.body.action)", api.LogicalID)
	}

	// belongs reports whether a resource's ApiId points at our Api.
	belongs := func(id string, props map[string]any) (bool, error) {
		v, err := t.str(props["ApiId"], id+".ApiId")
		return v == api.ID, err
	}
	routeByID := map[string]*Route{}
	for _, id := range sortedKeys(t.resources) {
		r := t.resources[id]
		ok, err := belongs(id, r.Props)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		switch r.Type {
		case "AWS::ApiGatewayV2::Integration":
			in, err := t.integration(id, r.Props)
			if err != nil {
				return nil, err
			}
			api.Integrations[id] = in
		case "AWS::ApiGatewayV2::Stage":
			if api.Stage != nil {
				continue
			}
			st := &Stage{LogicalID: id, Variables: map[string]string{}}
			if st.Name, err = t.str(r.Props["StageName"], id+".StageName"); err != nil {
				return nil, err
			}
			auto, err := t.str(r.Props["AutoDeploy"], id+".AutoDeploy")
			if err != nil {
				return nil, err
			}
			st.AutoDeploy = strings.EqualFold(auto, "true")
			if vars, ok := r.Props["StageVariables"].(map[string]any); ok {
				for k, v := range vars {
					if st.Variables[k], err = t.str(v, id+".StageVariables."+k); err != nil {
						return nil, err
					}
				}
			}
			api.Stage = st
		}
	}
	for _, id := range sortedKeys(t.resources) {
		r := t.resources[id]
		if r.Type != "AWS::ApiGatewayV2::Route" {
			continue
		}
		if ok, err := belongs(id, r.Props); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		rt := &Route{LogicalID: id}
		if rt.Key, err = t.str(r.Props["RouteKey"], id+".RouteKey"); err != nil {
			return nil, err
		}
		if rt.AuthorizationType, err = t.str(r.Props["AuthorizationType"], id+".AuthorizationType"); err != nil {
			return nil, err
		}
		if rt.RouteResponseSelectionExpression, err = t.str(r.Props["RouteResponseSelectionExpression"], id+".RouteResponseSelectionExpression"); err != nil {
			return nil, err
		}
		target, err := t.str(r.Props["Target"], id+".Target")
		if err != nil {
			return nil, err
		}
		if target != "" {
			iid, ok := strings.CutPrefix(target, "integrations/")
			if !ok {
				return nil, fmt.Errorf("route %s: Target %q must look like integrations/{IntegrationId} (write !Sub \"integrations/${MyIntegration}\")", id, target)
			}
			for lid, in := range api.Integrations {
				if ref, _ := t.ref(lid); ref == iid {
					rt.IntegrationID, rt.Integration = lid, in
				}
			}
			if rt.Integration == nil {
				return nil, fmt.Errorf("route %s: Target %q names no AWS::ApiGatewayV2::Integration of this API", id, target)
			}
		}
		if rt.Key == "" {
			return nil, fmt.Errorf("route %s has no RouteKey", id)
		}
		if rp, ok := r.Props["RequestParameters"].(map[string]any); ok && len(rp) > 0 {
			if rt.Key != "$connect" {
				return nil, fmt.Errorf("route %s (%s): RequestParameters are allowed only on the $connect route, as on AWS (other routes have no headers or query string)", id, rt.Key)
			}
			rt.RequestParameters = map[string]bool{}
			for k, v := range rp {
				if !strings.HasPrefix(k, "route.request.header.") && !strings.HasPrefix(k, "route.request.querystring.") {
					return nil, fmt.Errorf("route %s: request parameter %q must be route.request.header.NAME or route.request.querystring.NAME", id, k)
				}
				req := false
				if m, ok := v.(map[string]any); ok {
					s, err := t.str(m["Required"], id+".RequestParameters."+k+".Required")
					if err != nil {
						return nil, err
					}
					req = strings.EqualFold(s, "true")
				}
				rt.RequestParameters[k] = req
			}
		}
		if rt.Integration != nil {
			for _, dst := range sortedKeys(rt.Integration.RequestParameters) {
				src := rt.Integration.RequestParameters[dst]
				if !strings.HasPrefix(src, "route.request.header.") && !strings.HasPrefix(src, "route.request.querystring.") {
					continue
				}
				if rt.Key != "$connect" {
					return nil, fmt.Errorf("integration %s maps %s from %s, but route %s is %s: AWS allows route.request.header/querystring sources on the $connect route only", rt.IntegrationID, dst, src, id, rt.Key)
				}
				if _, declared := rt.RequestParameters[src]; !declared {
					return nil, fmt.Errorf("integration %s maps %s from %s, which route %s does not declare: add RequestParameters: {%q: {Required: false}} to the route, as AWS requires", rt.IntegrationID, dst, src, id, src)
				}
			}
		}
		if prev, dup := api.Routes[rt.Key]; dup {
			return nil, fmt.Errorf("routes %s and %s both use RouteKey %q", prev.LogicalID, id, rt.Key)
		}
		if k, err := t.str(r.Props["ApiKeyRequired"], id+".ApiKeyRequired"); err != nil {
			return nil, err
		} else if strings.EqualFold(k, "true") {
			return nil, fmt.Errorf("route %s: ApiKeyRequired is not emulated (API keys need usage plans); remove it to run the template locally", id)
		}
		if m, ok := r.Props["RequestModels"].(map[string]any); ok && len(m) > 0 {
			return nil, fmt.Errorf("route %s: RequestModels (request body validation) are not emulated; remove them to run the template locally", id)
		}
		if rt.AuthorizationType != "" && rt.AuthorizationType != "NONE" {
			return nil, fmt.Errorf("route %s: AuthorizationType %s is not emulated; use NONE", id, rt.AuthorizationType)
		}
		api.Routes[rt.Key] = rt
		routeByID[mustRef(t, id)] = rt
	}
	for _, id := range sortedKeys(t.resources) {
		r := t.resources[id]
		if r.Type != "AWS::ApiGatewayV2::RouteResponse" && r.Type != "AWS::ApiGatewayV2::IntegrationResponse" {
			continue
		}
		if ok, err := belongs(id, r.Props); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		if r.Type == "AWS::ApiGatewayV2::RouteResponse" {
			rid, err := t.str(r.Props["RouteId"], id+".RouteId")
			if err != nil {
				return nil, err
			}
			key, err := t.str(r.Props["RouteResponseKey"], id+".RouteResponseKey")
			if err != nil {
				return nil, err
			}
			rt := routeByID[rid]
			if rt == nil {
				return nil, fmt.Errorf("route response %s: RouteId %q is not a route of this API", id, rid)
			}
			rt.RouteResponses = append(rt.RouteResponses, key)
			continue
		}
		iid, err := t.str(r.Props["IntegrationId"], id+".IntegrationId")
		if err != nil {
			return nil, err
		}
		key, err := t.str(r.Props["IntegrationResponseKey"], id+".IntegrationResponseKey")
		if err != nil {
			return nil, err
		}
		var in *Integration
		for lid, x := range api.Integrations {
			if ref, _ := t.ref(lid); ref == iid {
				in = x
			}
		}
		if in == nil {
			return nil, fmt.Errorf("integration response %s: IntegrationId %q is not an integration of this API", id, iid)
		}
		ir := &IntegrationResponse{LogicalID: id, Key: key, ResponseTemplates: map[string]string{}}
		if key != "$default" {
			if len(key) < 2 || key[0] != '/' || key[len(key)-1] != '/' {
				return nil, fmt.Errorf("integration response %s: IntegrationResponseKey %q must be $default or /regex/ on the status code (for example /2\\d\\d/)", id, key)
			}
			if ir.re, err = regexp.Compile("^(?:" + key[1:len(key)-1] + ")$"); err != nil {
				return nil, fmt.Errorf("integration response %s: IntegrationResponseKey %q: %v", id, key, err)
			}
		}
		if ir.TemplateSelectionExpression, err = t.str(r.Props["TemplateSelectionExpression"], id+".TemplateSelectionExpression"); err != nil {
			return nil, err
		}
		if m, ok := r.Props["ResponseTemplates"].(map[string]any); ok {
			for k, v := range m {
				if ir.ResponseTemplates[k], err = t.str(v, id+".ResponseTemplates."+k); err != nil {
					return nil, err
				}
			}
		}
		for _, prev := range in.Responses {
			if prev.Key == key {
				return nil, fmt.Errorf("integration responses %s and %s both use IntegrationResponseKey %q", prev.LogicalID, id, key)
			}
		}
		in.Responses = append(in.Responses, ir)
	}
	if outs, ok := top["Outputs"].(map[string]any); ok {
		for name, o := range outs {
			om, _ := o.(map[string]any)
			v, err := t.str(om["Value"], "Outputs."+name)
			if err != nil {
				return nil, err
			}
			api.Outputs[name] = v
		}
	}
	return api, nil
}

func mustRef(t *tmpl, id string) string {
	s, _ := t.ref(id)
	return s
}

func (t *tmpl) integration(id string, p map[string]any) (*Integration, error) {
	in := &Integration{LogicalID: id, RequestTemplates: map[string]string{}, RequestParameters: map[string]string{}, Timeout: 29 * time.Second}
	var err error
	for field, dst := range map[string]*string{
		"IntegrationType": &in.Type, "IntegrationMethod": &in.Method, "IntegrationUri": &in.URI,
		"PassthroughBehavior": &in.PassthroughBehavior, "TemplateSelectionExpression": &in.TemplateSelectionExpression,
	} {
		if *dst, err = t.str(p[field], id+"."+field); err != nil {
			return nil, err
		}
	}
	if in.Method == "" {
		in.Method = "POST"
	}
	if in.PassthroughBehavior == "" {
		in.PassthroughBehavior = "WHEN_NO_MATCH"
	}
	if in.Type != "HTTP" {
		return nil, fmt.Errorf("integration %s: IntegrationType %q is not emulated; only HTTP (non-proxy) integrations are", id, in.Type)
	}
	if in.URI == "" {
		return nil, fmt.Errorf("integration %s has no IntegrationUri", id)
	}
	if s, err := t.str(p["TimeoutInMillis"], id+".TimeoutInMillis"); err != nil {
		return nil, err
	} else if s != "" {
		ms, err := strconv.Atoi(s)
		if err != nil || ms < 50 || ms > 29000 {
			return nil, fmt.Errorf("integration %s: TimeoutInMillis %q must be a number from 50 to 29000", id, s)
		}
		in.Timeout = time.Duration(ms) * time.Millisecond
	}
	for field, dst := range map[string]map[string]string{"RequestTemplates": in.RequestTemplates, "RequestParameters": in.RequestParameters} {
		m, _ := p[field].(map[string]any)
		for k, v := range m {
			if dst[k], err = t.str(v, id+"."+field+"."+k); err != nil {
				return nil, err
			}
		}
	}
	for k, v := range in.RequestParameters {
		if err := checkRequestParameter(k, v); err != nil {
			return nil, fmt.Errorf("integration %s: %w", id, err)
		}
	}
	return in, nil
}

func checkRequestParameter(k, v string) error {
	if !strings.HasPrefix(k, "integration.request.header.") && !strings.HasPrefix(k, "integration.request.querystring.") {
		return fmt.Errorf("request parameter %q: only integration.request.header.NAME and integration.request.querystring.NAME are emulated", k)
	}
	switch {
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
	case strings.HasPrefix(v, "context."), strings.HasPrefix(v, "stageVariables."),
		strings.HasPrefix(v, "route.request.header."), strings.HasPrefix(v, "route.request.querystring."),
		strings.HasPrefix(v, "route.request.body."):
	default:
		return fmt.Errorf("request parameter %s = %q: a source must be 'static' (single quotes inside the YAML string, e.g. \"'value'\"), context.NAME, stageVariables.NAME, route.request.header.NAME, route.request.querystring.NAME or route.request.body.PATH", k, v)
	}
	return nil
}

// str resolves v (a scalar or an intrinsic function) to a string; where
// names the property for error messages.
func (t *tmpl) str(v any, where string) (string, error) {
	r, err := t.resolve(v, where, 0)
	if err != nil {
		return "", err
	}
	switch x := r.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	}
	return "", fmt.Errorf("%s: expected a string, got %T", where, r)
}

func (t *tmpl) resolve(v any, where string, depth int) (any, error) {
	if depth > 50 {
		return nil, fmt.Errorf("%s: intrinsic functions nested too deeply", where)
	}
	switch x := v.(type) {
	case string, nil:
		return x, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			r, err := t.resolve(e, where, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if fn == "Ref" || strings.HasPrefix(fn, "Fn::") {
					return t.call(fn, arg, where, depth)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := t.resolve(e, where+"."+k, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: unexpected value %v", where, v)
}

func (t *tmpl) call(fn string, arg any, where string, depth int) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("%s: !Ref needs a name", where)
		}
		return t.ref(name)
	case "Fn::GetAtt":
		a, err := t.resolve(arg, where, depth+1)
		if err != nil {
			return nil, err
		}
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("%s: !GetAtt needs Resource.Attribute", where)
		}
		return t.getAtt(scalarString(l[0]), scalarString(l[1]), where)
	case "Fn::Sub":
		var text string
		vars := map[string]string{}
		switch a := arg.(type) {
		case string:
			text = a
		case []any:
			if len(a) != 2 {
				return nil, fmt.Errorf("%s: !Sub takes a string or [string, {vars}]", where)
			}
			text, _ = a[0].(string)
			m, _ := a[1].(map[string]any)
			for k, v := range m {
				s, err := t.str(v, where+".Sub."+k)
				if err != nil {
					return nil, err
				}
				vars[k] = s
			}
		default:
			return nil, fmt.Errorf("%s: !Sub takes a string or [string, {vars}]", where)
		}
		return t.sub(text, vars, where)
	case "Fn::Join":
		a, err := t.resolve(arg, where, depth+1)
		if err != nil {
			return nil, err
		}
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("%s: !Join takes [delimiter, [values]]", where)
		}
		items, _ := l[1].([]any)
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = scalarString(it)
		}
		return strings.Join(parts, scalarString(l[0])), nil
	case "Fn::Select":
		a, err := t.resolve(arg, where, depth+1)
		if err != nil {
			return nil, err
		}
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("%s: !Select takes [index, [values]]", where)
		}
		i, err := strconv.Atoi(scalarString(l[0]))
		items, _ := l[1].([]any)
		if err != nil || i < 0 || i >= len(items) {
			return nil, fmt.Errorf("%s: !Select index %v out of range", where, l[0])
		}
		return items[i], nil
	case "Fn::Split":
		a, err := t.resolve(arg, where, depth+1)
		if err != nil {
			return nil, err
		}
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("%s: !Split takes [delimiter, string]", where)
		}
		var out []any
		for _, s := range strings.Split(scalarString(l[1]), scalarString(l[0])) {
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: %s is not supported by the emulator's template loader (supported: Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split)", where, fn)
}

// sub expands ${Name}, ${Resource.Attr} and ${AWS::X}; ${!Literal} writes ${Literal}.
func (t *tmpl) sub(text string, vars map[string]string, where string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		b.WriteString(text[:i])
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("%s: unterminated ${ in !Sub %q", where, text)
		}
		name := text[i+2 : i+j]
		text = text[i+j+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
			continue
		}
		if v, ok := vars[name]; ok {
			b.WriteString(v)
			continue
		}
		if res, att, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, err := t.getAtt(res, att, where)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			continue
		}
		v, err := t.ref(name)
		if err != nil {
			return "", fmt.Errorf("%s: %w", where, err)
		}
		b.WriteString(v)
	}
}

// ref returns what !Ref NAME yields: a parameter's value, a pseudo
// parameter, or a resource's physical id (emulated).
func (t *tmpl) ref(name string) (string, error) {
	if v, ok := t.pseudo[name]; ok {
		return v, nil
	}
	if p, ok := t.params[name]; ok {
		return p.Value, nil
	}
	r, ok := t.resources[name]
	if !ok {
		return "", fmt.Errorf("!Ref %s: no parameter, pseudo parameter or resource has that name", name)
	}
	if t.refCache == nil {
		t.refCache = map[string]string{}
	}
	if v, ok := t.refCache[name]; ok {
		return v, nil
	}
	if t.resolving[name] {
		return "", fmt.Errorf("!Ref %s: circular reference", name)
	}
	t.resolving[name] = true
	defer delete(t.resolving, name)
	stack := t.pseudo[PseudoStackName]
	var v string
	switch r.Type {
	case "AWS::ApiGatewayV2::Api":
		v = fakeID(stack, name, 10)
	case "AWS::ApiGatewayV2::Stage":
		s, err := t.str(r.Props["StageName"], name+".StageName")
		if err != nil {
			return "", err
		}
		v = s
	case "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::RouteResponse", "AWS::ApiGatewayV2::IntegrationResponse":
		v = fakeID(stack, name, 7)
	case "AWS::IAM::ManagedPolicy":
		v = fmt.Sprintf("arn:%s:iam::%s:policy/%s-%s-%s", t.pseudo[PseudoPartition], t.pseudo[PseudoAccountID], stack, name, strings.ToUpper(fakeID(stack, name, 12)))
	default:
		if n, err := t.str(r.Props["UserName"], name+".UserName"); err == nil && n != "" && r.Type == "AWS::IAM::User" {
			v = n
		} else {
			v = stack + "-" + name + "-" + strings.ToUpper(fakeID(stack, name, 12))
		}
	}
	t.refCache[name] = v
	return v, nil
}

func (t *tmpl) getAtt(res, att, where string) (string, error) {
	r, ok := t.resources[res]
	if !ok {
		return "", fmt.Errorf("%s: !GetAtt %s.%s: no resource %s", where, res, att, res)
	}
	id, err := t.ref(res)
	if err != nil {
		return "", err
	}
	switch r.Type + "." + att {
	case "AWS::ApiGatewayV2::Api.ApiEndpoint":
		return fmt.Sprintf("wss://%s.execute-api.%s.%s", id, t.pseudo[PseudoRegion], t.pseudo[PseudoURLSuffix]), nil
	case "AWS::ApiGatewayV2::Api.ApiId", "AWS::ApiGatewayV2::Integration.IntegrationId", "AWS::ApiGatewayV2::Route.RouteId":
		return id, nil
	case "AWS::IAM::User.Arn":
		return fmt.Sprintf("arn:%s:iam::%s:user/%s", t.pseudo[PseudoPartition], t.pseudo[PseudoAccountID], id), nil
	case "AWS::IAM::Role.Arn":
		return fmt.Sprintf("arn:%s:iam::%s:role/%s", t.pseudo[PseudoPartition], t.pseudo[PseudoAccountID], id), nil
	}
	return "", fmt.Errorf("%s: !GetAtt %s.%s is not emulated", where, res, att)
}

// fakeID derives a stable lowercase base-36 id of n characters.
func fakeID(seed, name string, n int) string {
	sum := sha256.Sum256([]byte(seed + "/" + name))
	const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[int(sum[i%len(sum)])%len(digits)]
	}
	return string(b)
}

func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
