package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TemplateData is what a request template can read.
type TemplateData struct {
	// Context holds $context variables by dotted name ("connectionId",
	// "identity.sourceIp", …).
	Context map[string]string
	// Body is the client message ($input.body); empty for $connect and
	// $disconnect.
	Body string
	// StageVariables are the stage's variables ($stageVariables.x).
	StageVariables map[string]string
}

// RenderTemplate renders a mapping template written in the subset of
// Velocity (VTL) that API Gateway WebSocket templates use: references
// ($x.y, ${x.y}, $!x), $context.*, $stageVariables.*, $input.body,
// $input.json('path'), $input.path('path'), $util.escapeJavaScript/
// parseJson/urlEncode/urlDecode/base64Encode/base64Decode, string literals
// and ## comments. Undefined references render as "". Directives (#set,
// #if, #foreach) are not supported and return an error naming the line.
func RenderTemplate(tmpl string, data *TemplateData) (string, error) {
	if data == nil {
		data = &TemplateData{}
	}
	r := &renderer{src: tmpl, data: data}
	return r.run()
}

type renderer struct {
	src  string
	pos  int
	data *TemplateData
	out  strings.Builder
}

// vtlError is a template error with a line number.
func (r *renderer) errorf(format string, a ...any) error {
	line := 1 + strings.Count(r.src[:min(r.pos, len(r.src))], "\n")
	return fmt.Errorf("request template line %d: %s", line, fmt.Sprintf(format, a...))
}

func (r *renderer) run() (string, error) {
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		switch {
		case c == '\\' && r.pos+1 < len(r.src) && (r.src[r.pos+1] == '$' || r.src[r.pos+1] == '#'):
			r.out.WriteByte(r.src[r.pos+1])
			r.pos += 2
		case c == '#' && strings.HasPrefix(r.src[r.pos:], "##"):
			nl := strings.IndexByte(r.src[r.pos:], '\n')
			if nl < 0 {
				r.pos = len(r.src)
			} else {
				r.pos += nl + 1
			}
		case c == '#' && strings.HasPrefix(r.src[r.pos:], "#*"):
			end := strings.Index(r.src[r.pos:], "*#")
			if end < 0 {
				return "", r.errorf("unterminated #* comment")
			}
			r.pos += end + 2
		case c == '#' && r.pos+1 < len(r.src) && (isIdentStart(r.src[r.pos+1]) || r.src[r.pos+1] == '{'):
			return "", r.errorf("directive %q is not supported by the emulator (only references such as $context.connectionId and $input.body)", r.word())
		case c == '$':
			start := r.pos
			v, ok, err := r.reference()
			if err != nil {
				return "", err
			}
			if !ok {
				r.out.WriteString(r.src[start:r.pos])
				continue
			}
			r.out.WriteString(renderValue(r.concrete(v)))
		default:
			r.out.WriteByte(c)
			r.pos++
		}
	}
	return r.out.String(), nil
}

func (r *renderer) word() string {
	end := r.pos + 1
	for end < len(r.src) && (isIdentChar(r.src[end]) || r.src[end] == '{') {
		end++
	}
	return r.src[r.pos:end]
}

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' || c == '_' || c == '-' }

// undefined is the value of a reference that names nothing.
type undefined struct{}

// reference parses a reference at r.pos ("$"). ok is false when the text is
// not a reference (a lone "$"), in which case r.pos moved past the literal.
func (r *renderer) reference() (v any, ok bool, err error) {
	r.pos++ // $
	if r.pos < len(r.src) && r.src[r.pos] == '!' {
		r.pos++
	}
	braced := false
	if r.pos < len(r.src) && r.src[r.pos] == '{' {
		braced = true
		r.pos++
	}
	if r.pos >= len(r.src) || !isIdentStart(r.src[r.pos]) {
		return nil, false, nil
	}
	name := r.ident()
	v = r.root(name)
	for r.pos < len(r.src) {
		if r.src[r.pos] != '.' || r.pos+1 >= len(r.src) || !isIdentStart(r.src[r.pos+1]) {
			break
		}
		r.pos++
		member := r.ident()
		if r.pos < len(r.src) && r.src[r.pos] == '(' {
			r.pos++
			args, err := r.args()
			if err != nil {
				return nil, false, err
			}
			if v, err = r.method(v, member, args); err != nil {
				return nil, false, r.errorf("%v", err)
			}
			continue
		}
		v = property(v, member)
	}
	if braced {
		if r.pos >= len(r.src) || r.src[r.pos] != '}' {
			return nil, false, r.errorf("missing } after ${reference")
		}
		r.pos++
	}
	return v, true, nil
}

func (r *renderer) ident() string {
	start := r.pos
	for r.pos < len(r.src) && isIdentChar(r.src[r.pos]) {
		r.pos++
	}
	return r.src[start:r.pos]
}

func (r *renderer) args() ([]any, error) {
	var out []any
	for {
		for r.pos < len(r.src) && (r.src[r.pos] == ' ' || r.src[r.pos] == '\t') {
			r.pos++
		}
		if r.pos >= len(r.src) {
			return nil, r.errorf("missing ) in method call")
		}
		switch c := r.src[r.pos]; {
		case c == ')':
			r.pos++
			return out, nil
		case c == ',':
			r.pos++
		case c == '\'' || c == '"':
			end := strings.IndexByte(r.src[r.pos+1:], c)
			if end < 0 {
				return nil, r.errorf("unterminated string literal")
			}
			s := r.src[r.pos+1 : r.pos+1+end]
			r.pos += end + 2
			if c == '"' {
				// Double-quoted literals interpolate references.
				sub := &renderer{src: s, data: r.data}
				var err error
				if s, err = sub.run(); err != nil {
					return nil, err
				}
			}
			out = append(out, s)
		case c == '$':
			v, ok, err := r.reference()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, r.errorf("bad argument")
			}
			out = append(out, v)
		default:
			start := r.pos
			for r.pos < len(r.src) && r.src[r.pos] != ',' && r.src[r.pos] != ')' {
				r.pos++
			}
			lit := strings.TrimSpace(r.src[start:r.pos])
			var x any
			if err := json.Unmarshal([]byte(lit), &x); err != nil {
				return nil, r.errorf("argument %q is not a string, number, boolean or reference", lit)
			}
			out = append(out, x)
		}
	}
}

// Objects behind the root names.
type (
	contextObj string // a prefix into Context ("" for $context itself)
	inputObj   struct{}
	utilObj    struct{}
	stageVars  struct{}
)

func (r *renderer) root(name string) any {
	switch name {
	case "context":
		return contextObj("")
	case "input":
		return inputObj{}
	case "util":
		return utilObj{}
	case "stageVariables":
		return stageVars{}
	}
	return undefined{}
}

func property(v any, name string) any {
	switch x := v.(type) {
	case contextObj:
		return contextObj(string(x) + name + ".")
	case inputObj:
		if name == "body" {
			return inputBody{}
		}
	case stageVars:
		return stageVar(name)
	case map[string]any:
		if e, ok := x[name]; ok {
			return e
		}
	}
	return undefined{}
}

type (
	inputBody struct{}
	stageVar  string
)

func (r *renderer) method(v any, name string, args []any) (any, error) {
	arg := func(i int) (string, error) {
		if i >= len(args) {
			return "", fmt.Errorf("%s needs %d argument(s)", name, i+1)
		}
		return renderValue(r.concrete(args[i])), nil
	}
	switch v.(type) {
	case inputObj:
		switch name {
		case "json", "path":
			p, err := arg(0)
			if err != nil {
				return nil, err
			}
			res, found, err := JSONPath([]byte(r.data.Body), p)
			if err != nil {
				return nil, fmt.Errorf("$input.%s(%q): %v", name, p, err)
			}
			if !found {
				return undefined{}, nil
			}
			if name == "json" {
				return rawJSON(mustJSON(res)), nil
			}
			return res, nil
		case "body":
			return r.data.Body, nil
		}
	case utilObj:
		s, err := arg(0)
		if err != nil {
			return nil, err
		}
		switch name {
		case "escapeJavaScript":
			return EscapeJavaScript(s), nil
		case "urlEncode":
			return url.QueryEscape(s), nil
		case "urlDecode":
			d, err := url.QueryUnescape(s)
			if err != nil {
				return nil, fmt.Errorf("$util.urlDecode: %v", err)
			}
			return d, nil
		case "base64Encode":
			return base64.StdEncoding.EncodeToString([]byte(s)), nil
		case "base64Decode":
			d, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("$util.base64Decode: %v", err)
			}
			return string(d), nil
		case "parseJson":
			var x any
			if err := json.Unmarshal([]byte(s), &x); err != nil {
				return nil, fmt.Errorf("$util.parseJson: %v", err)
			}
			return x, nil
		}
	default:
		c := r.concrete(v)
		switch name {
		case "size", "length":
			switch x := c.(type) {
			case string:
				return float64(utf8.RuneCountInString(x)), nil
			case []any:
				return float64(len(x)), nil
			case map[string]any:
				return float64(len(x)), nil
			}
			return float64(0), nil
		case "get":
			k, err := arg(0)
			if err != nil {
				return nil, err
			}
			return property(c, k), nil
		case "toString":
			return renderValue(c), nil
		}
	}
	return nil, fmt.Errorf("method %s() is not supported by the emulator", name)
}

// concrete replaces lazy objects (context prefixes, $input.body) by values.
func (r *renderer) concrete(v any) any {
	switch x := v.(type) {
	case contextObj:
		s, ok := r.data.Context[strings.TrimSuffix(string(x), ".")]
		if !ok {
			return undefined{}
		}
		return s
	case inputBody:
		return r.data.Body
	case stageVar:
		s, ok := r.data.StageVariables[string(x)]
		if !ok {
			return undefined{}
		}
		return s
	}
	return v
}

// rawJSON is JSON text that renders as is.
type rawJSON string

// MarshalJSON returns the text unchanged.
func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func renderValue(v any) string {
	switch x := v.(type) {
	case undefined, nil:
		return ""
	case string:
		return x
	case rawJSON:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any, map[string]any:
		return mustJSON(x)
	}
	return fmt.Sprint(v)
}

func mustJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// EscapeJavaScript escapes s like $util.escapeJavaScript (Apache Commons
// StringEscapeUtils.escapeJavaScript): quotes, backslash, slash and control
// characters get backslash escapes; other non-ASCII becomes \uXXXX.
func EscapeJavaScript(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"', '\'', '\\', '/':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			switch {
			case r < 0x20 || r > 0x7e:
				if r > 0xffff {
					r1, r2 := utf16Pair(r)
					fmt.Fprintf(&b, `\u%04X\u%04X`, r1, r2)
				} else {
					fmt.Fprintf(&b, `\u%04X`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// JSONPath evaluates the subset of JSONPath API Gateway templates use
// ("$", "$.a.b", "$['a']", "$.list[0]") against a JSON document. found is
// false when the path does not resolve; err reports invalid JSON or an
// invalid path.
func JSONPath(doc []byte, path string) (v any, found bool, err error) {
	var root any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return nil, false, fmt.Errorf("body is not JSON: %v", err)
	}
	root = fromNumbers(root)
	p := strings.TrimSpace(path)
	if !strings.HasPrefix(p, "$") {
		return nil, false, fmt.Errorf("JSONPath %q must start with $", path)
	}
	p = p[1:]
	cur := root
	for p != "" {
		var key string
		idx := -1
		switch {
		case p[0] == '.':
			p = p[1:]
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			key, p = p[:end], p[end:]
			if key == "" {
				return nil, false, fmt.Errorf("JSONPath %q: empty name", path)
			}
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, false, fmt.Errorf("JSONPath %q: missing ]", path)
			}
			inner := strings.TrimSpace(p[1:end])
			p = p[end+1:]
			if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
				key = inner[1 : len(inner)-1]
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, false, fmt.Errorf("JSONPath %q: [%s] is neither an index nor a quoted name", path, inner)
				}
				idx = n
			}
		default:
			return nil, false, fmt.Errorf("JSONPath %q: unexpected %q", path, p[:1])
		}
		if idx >= 0 {
			l, ok := cur.([]any)
			if !ok || idx >= len(l) {
				return nil, false, nil
			}
			cur = l[idx]
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false, nil
		}
		if cur, ok = m[key]; !ok {
			return nil, false, nil
		}
	}
	return cur, true, nil
}

// fromNumbers turns json.Number into float64 when exact, else keeps the text.
func fromNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil && strconv.FormatFloat(f, 'f', -1, 64) == x.String() {
			return f
		}
		return rawJSON(x.String())
	case []any:
		for i := range x {
			x[i] = fromNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = fromNumbers(x[k])
		}
	}
	return v
}

// EvalSelectionExpression evaluates a route or template selection
// expression against a message body: "$request.body.action",
// "${request.body.a}/${request.body.b}", "\$default" or a static key. ok is
// false when the expression refers to the body and the body is not JSON.
// Paths that do not resolve render as "", arrays as "[a, b]".
func EvalSelectionExpression(expr string, body []byte) (key string, ok bool) {
	var doc []byte
	jsonOK := json.Valid(body)
	if jsonOK {
		doc = body
	}
	eval := func(path string) string {
		if !jsonOK {
			ok = false
			return ""
		}
		v, found, err := JSONPath(doc, "$"+path)
		if err != nil || !found {
			return ""
		}
		return stringifySelection(v)
	}
	ok = true
	var b strings.Builder
	s := expr
	for s != "" {
		switch {
		case strings.HasPrefix(s, `\$`):
			b.WriteByte('$')
			s = s[2:]
		case strings.HasPrefix(s, "${request.body"):
			end := strings.IndexByte(s, '}')
			if end < 0 {
				b.WriteString(s)
				s = ""
				continue
			}
			b.WriteString(eval(s[len("${request.body"):end]))
			s = s[end+1:]
		case strings.HasPrefix(s, "$request.body"):
			rest := s[len("$request.body"):]
			end := 0
			for end < len(rest) && (isIdentChar(rest[end]) || rest[end] == '.' || rest[end] == '[' || rest[end] == ']' || rest[end] == '\'') {
				end++
			}
			b.WriteString(eval(rest[:end]))
			s = rest[end:]
		default:
			b.WriteByte(s[0])
			s = s[1:]
		}
	}
	return b.String(), ok
}

func stringifySelection(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = stringifySelection(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + stringifySelection(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return renderValue(v)
}

// SelectRoute picks the route key for a client message: the value of the
// API's RouteSelectionExpression if a route has that key, else "$default"
// if the API has it; ok is false when neither exists (the client then gets
// a Forbidden error frame). Non-JSON messages go to "$default".
func SelectRoute(api *API, body []byte) (key string, ok bool) {
	k, valid := EvalSelectionExpression(api.RouteSelectionExpression, body)
	if valid && k != "$connect" && k != "$disconnect" {
		if _, exists := api.Routes[k]; exists {
			return k, true
		}
	}
	if _, exists := api.Routes["$default"]; exists {
		return "$default", true
	}
	return "", false
}
