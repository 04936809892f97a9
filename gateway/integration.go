package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

// BuildIntegrationRequest renders what the gateway sends to an
// integration: the body from the selected request template (or the raw
// message when no template matches and PassthroughBehavior allows it) and
// the mapped request parameters. handshake is the $connect upgrade request
// (for route.request.header/querystring sources), nil otherwise.
func BuildIntegrationRequest(in *Integration, data *TemplateData, stageVars map[string]string, handshake *http.Request) (body string, header http.Header, query url.Values, err error) {
	key := "$default"
	if in.TemplateSelectionExpression != "" {
		if k, ok := EvalSelectionExpression(in.TemplateSelectionExpression, []byte(data.Body)); ok {
			key = k
		}
	}
	tmpl, found := in.RequestTemplates[key]
	if !found {
		tmpl, found = in.RequestTemplates["$default"]
	}
	switch {
	case found:
		if body, err = RenderTemplate(tmpl, data); err != nil {
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

func paramValue(src string, data *TemplateData, stageVars map[string]string, handshake *http.Request) string {
	switch {
	case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
		return src[1 : len(src)-1]
	case strings.HasPrefix(src, "context."):
		return data.Context[strings.TrimPrefix(src, "context.")]
	case strings.HasPrefix(src, "stageVariables."):
		return stageVars[strings.TrimPrefix(src, "stageVariables.")]
	case strings.HasPrefix(src, "route.request.header."):
		if handshake != nil {
			return handshake.Header.Get(strings.TrimPrefix(src, "route.request.header."))
		}
	case strings.HasPrefix(src, "route.request.querystring."):
		if handshake != nil {
			return handshake.URL.Query().Get(strings.TrimPrefix(src, "route.request.querystring."))
		}
	case strings.HasPrefix(src, "route.request.body."):
		if v, found, err := JSONPath([]byte(data.Body), "$."+strings.TrimPrefix(src, "route.request.body.")); err == nil && found {
			return renderValue(v)
		}
	}
	return ""
}

// invoke calls route's integration. A transport failure or timeout is an
// error; any HTTP status is a result.
func (g *Gateway) invoke(ctx context.Context, route *Route, ctxVars map[string]string, msg []byte, handshake *http.Request) (*integrationResult, error) {
	in := route.Integration
	var stageVars map[string]string
	if g.api.Stage != nil {
		stageVars = g.api.Stage.Variables
	}
	data := &TemplateData{Context: ctxVars, Body: string(msg), StageVariables: stageVars}
	body, header, query, err := BuildIntegrationRequest(in, data, stageVars, handshake)
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
