package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxIntegrationResponse caps how much of a backend response is read.
const maxIntegrationResponse = 10 << 20

var errIntegrationTimeout = errors.New("integration timed out")

type integrationResult struct {
	status int
	header http.Header
	body   []byte
}

// buildIntegrationRequest renders what the gateway sends to an
// integration: the body from the selected request template (or the raw
// message when no template matches and PassthroughBehavior allows it) and
// the mapped request parameters. handshake is the $connect upgrade request
// (for route.request.header/querystring sources), nil otherwise.
func buildIntegrationRequest(in *Integration, data *templateData, stageVars map[string]string, handshake *http.Request) (body string, header http.Header, query url.Values, err error) {
	key := "$default"
	if in.TemplateSelectionExpression != "" {
		if k, ok := evalSelectionExpression(in.TemplateSelectionExpression, []byte(data.Body)); ok {
			key = k
		}
	}
	tmpl, found := in.RequestTemplates[key]
	if !found {
		tmpl, found = in.RequestTemplates["$default"]
	}
	switch {
	case found:
		if body, err = renderTemplate(tmpl, data); err != nil {
			return "", nil, nil, fmt.Errorf("integration %s: %w", in.LogicalID, err)
		}
	case in.PassthroughBehavior == "NEVER",
		in.PassthroughBehavior == "WHEN_NO_TEMPLATES" && len(in.RequestTemplates) > 0:
		return "", nil, nil, fmt.Errorf("integration %s: no request template for key %q and PassthroughBehavior %s forbids passing the body through", in.LogicalID, key, in.PassthroughBehavior)
	default:
		body = data.Body
	}
	header, query = http.Header{}, url.Values{}
	for k, src := range in.RequestParameters {
		v := paramValue(src, data, stageVars, handshake)
		if name, ok := strings.CutPrefix(k, "integration.request.header."); ok {
			header.Set(name, v)
		} else if name, ok := strings.CutPrefix(k, "integration.request.querystring."); ok {
			query.Set(name, v)
		}
	}
	return body, header, query, nil
}

func paramValue(src string, data *templateData, stageVars map[string]string, handshake *http.Request) string {
	switch {
	case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
		return src[1 : len(src)-1]
	case strings.HasPrefix(src, "context."):
		return data.Context[strings.TrimPrefix(src, "context.")]
	case strings.HasPrefix(src, "stageVariables."):
		return stageVars[strings.TrimPrefix(src, "stageVariables.")]
	case strings.HasPrefix(src, "route.request.header."), strings.HasPrefix(src, "route.request.querystring."):
		return handshakeParam(src, handshake)
	case strings.HasPrefix(src, "route.request.body."):
		if v, found, err := jsonPath([]byte(data.Body), "$."+strings.TrimPrefix(src, "route.request.body.")); err == nil && found {
			return renderValue(v)
		}
	}
	return ""
}

// stageVariables returns the stage's variables (nil without a stage).
func (g *Gateway) stageVariables() map[string]string {
	if g.api.Stage != nil {
		return g.api.Stage.Variables
	}
	return nil
}

// invoke calls route's integration. A transport failure or timeout is an
// error; any HTTP status is a result. extra are headers added by the
// gateway itself (those AWS forwards on $connect).
func (g *Gateway) invoke(ctx context.Context, route *Route, ctxVars map[string]string, msg []byte, handshake *http.Request, extra http.Header) (*integrationResult, error) {
	in := route.Integration
	stageVars := g.stageVariables()
	data := &templateData{Context: ctxVars, Body: string(msg), StageVariables: stageVars}
	body, header, query, err := buildIntegrationRequest(in, data, stageVars, handshake)
	if err != nil {
		return nil, err
	}
	timeout := min(in.Timeout, g.opts.IntegrationTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := in.URI
	if len(query) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, in.Method, u, bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, fmt.Errorf("integration %s: bad IntegrationUri %q: %w", in.LogicalID, in.URI, err)
	}
	// Choice: the body is sent as JSON (the request templates produce JSON).
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "AmazonAPIGateway_"+g.api.ID)
	for k, vs := range extra {
		req.Header[k] = vs
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := g.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w after %s calling %s %s", errIntegrationTimeout, timeout, in.Method, in.URI)
		}
		return nil, fmt.Errorf("calling %s %s: %w (is the app server running at that address?)", in.Method, in.URI, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxIntegrationResponse))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w after %s reading the response of %s", errIntegrationTimeout, timeout, in.URI)
		}
		return nil, fmt.Errorf("reading the response of %s: %w", in.URI, err)
	}
	return &integrationResult{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// Render turns the backend's answer into the frame sent to the client: the
// response template chosen by TemplateSelectionExpression (else the
// "$default" template) rendered with $input.body = the backend's body, or
// the body unchanged when the integration response has no templates or
// none matches. request is the client's message (${request.body.x}).
func (ir *IntegrationResponse) Render(res *integrationResult, request []byte, ctxVars, stageVars map[string]string) ([]byte, error) {
	if len(ir.ResponseTemplates) == 0 {
		return res.body, nil
	}
	key := "$default"
	if ir.TemplateSelectionExpression != "" {
		key = evalResponseSelection(ir.TemplateSelectionExpression, res, request)
	}
	tmpl, ok := ir.ResponseTemplates[key]
	if !ok {
		if tmpl, ok = ir.ResponseTemplates["$default"]; !ok {
			return res.body, nil
		}
	}
	out, err := renderTemplate(tmpl, &templateData{Context: ctxVars, Body: string(res.body), StageVariables: stageVars})
	if err != nil {
		return nil, fmt.Errorf("integration response %s, template %q: %w", ir.LogicalID, key, err)
	}
	return []byte(out), nil
}

// evalResponseSelection evaluates an integration response's template
// selection expression: ${integration.response.statuscode},
// ${integration.response.header.NAME}, ${request.body.PATH} (also without
// braces) or literal text.
func evalResponseSelection(expr string, res *integrationResult, request []byte) string {
	var b strings.Builder
	s := expr
	for s != "" {
		switch {
		case strings.HasPrefix(s, `\$`):
			b.WriteByte('$')
			s = s[2:]
		case strings.HasPrefix(s, "${"):
			end := strings.IndexByte(s, '}')
			if end < 0 {
				b.WriteString(s)
				return b.String()
			}
			b.WriteString(responseSelectionValue(s[2:end], res, request))
			s = s[end+1:]
		case strings.HasPrefix(s, "$integration.") || strings.HasPrefix(s, "$request."):
			end := 1
			for end < len(s) && (isIdentChar(s[end]) || s[end] == '.') {
				end++
			}
			b.WriteString(responseSelectionValue(s[1:end], res, request))
			s = s[end:]
		default:
			b.WriteByte(s[0])
			s = s[1:]
		}
	}
	return b.String()
}

func responseSelectionValue(name string, res *integrationResult, request []byte) string {
	switch {
	case name == "integration.response.statuscode":
		return strconv.Itoa(res.status)
	case strings.HasPrefix(name, "integration.response.header."):
		return res.header.Get(strings.TrimPrefix(name, "integration.response.header."))
	case strings.HasPrefix(name, "request.body"):
		k, _ := evalSelectionExpression("${"+name+"}", request)
		return k
	}
	return ""
}

// checkTemplates renders every request and response template of api once
// with sample values, so that a template the emulator cannot render is an
// error at start-up rather than an "Internal server error" frame on the
// first message.
func checkTemplates(api *API) error {
	sample := map[string]string{"connectionId": "c0nnect10nId0A=", "eventType": "MESSAGE", "routeKey": "$default", "requestId": "r3qu3st1d00000A=", "messageId": "m3ss4g31d00000A=", "stage": "prod", "apiId": api.ID, "domainName": "example.com", "status": "200"}
	var stageVars map[string]string
	if api.Stage != nil {
		stageVars = api.Stage.Variables
	}
	for _, id := range sortedKeys(api.Integrations) {
		in := api.Integrations[id]
		for _, k := range sortedKeys(in.RequestTemplates) {
			if err := checkTemplate(in.RequestTemplates[k], &templateData{Context: sample, Body: "{}", StageVariables: stageVars}); err != nil {
				return fmt.Errorf("integration %s: request template %q: %w", id, k, err)
			}
		}
		for _, ir := range in.Responses {
			for _, k := range sortedKeys(ir.ResponseTemplates) {
				if err := checkTemplate(ir.ResponseTemplates[k], &templateData{Context: sample, Body: "{}", StageVariables: stageVars}); err != nil {
					return fmt.Errorf("integration response %s: response template %q: %w", ir.LogicalID, k, err)
				}
			}
		}
	}
	return nil
}
