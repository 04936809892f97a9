package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRenderTemplate(t *testing.T) {
	data := &TemplateData{
		Context: map[string]string{
			"connectionId":      "L0SM9cOFvHcCIhw=",
			"eventType":         "MESSAGE",
			"identity.sourceIp": "192.0.2.1",
		},
		Body:           `{"action":"send","msg":"he said \"hi\"","n":3,"list":[1,{"a":true}],"nested":{"x":"y"}}`,
		StageVariables: map[string]string{"env": "dev"},
	}
	for _, tc := range []struct{ tmpl, want string }{
		{`{"connectionId":"$context.connectionId"}`, `{"connectionId":"L0SM9cOFvHcCIhw="}`},
		{`{"connectionId":"${context.connectionId}","ip":"$context.identity.sourceIp"}`, `{"connectionId":"L0SM9cOFvHcCIhw=","ip":"192.0.2.1"}`},
		{`{"connectionId":"$context.connectionId","payload":$input.body}`, `{"connectionId":"L0SM9cOFvHcCIhw=","payload":` + data.Body + `}`},
		{`$input.json('$.msg')`, `"he said \"hi\""`},
		{`$input.json('$.list[1]')`, `{"a":true}`},
		{`$input.json('$')`, `{"action":"send","list":[1,{"a":true}],"msg":"he said \"hi\"","n":3,"nested":{"x":"y"}}`},
		{`$input.path('$.nested.x')/$input.path('$.n')`, `y/3`},
		{`$input.path('$.nested').x`, `y`},
		{`$input.path('$.list').size()`, `2`},
		{`"$util.escapeJavaScript($input.path('$.msg'))"`, `"he said \"hi\""`},
		{`$util.escapeJavaScript("a/b'c")`, `a\/b\'c`},
		{`$util.urlEncode('a b&c')`, `a+b%26c`},
		{`$util.base64Encode($context.eventType)`, `TUVTU0FHRQ==`},
		{`$util.base64Decode('TUVTU0FHRQ==')`, `MESSAGE`},
		{`$util.parseJson('{"k":"v"}').k`, `v`},
		{`${stageVariables.env}-$stageVariables.none.`, `dev-.`},
		{`$stageVariables.env-x`, ``}, // "-" belongs to VTL identifiers
		{`[$context.nope][$input.path('$.missing')][$nothing]`, `[][][]`},
		{`$!context.connectionId`, `L0SM9cOFvHcCIhw=`},
		{`cost: $5 and $ alone, \$context.connectionId`, `cost: $5 and $ alone, $context.connectionId`},
		{"a ## comment\nb", "a b"},
		{"a #* block *# b", "a  b"},
		{`email@$context.eventType.`, `email@MESSAGE.`},
	} {
		got, err := RenderTemplate(tc.tmpl, data)
		if err != nil {
			t.Errorf("%s: %v", tc.tmpl, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.tmpl, got, tc.want)
		}
	}
}

func TestRenderTemplateErrors(t *testing.T) {
	for _, tc := range []struct{ tmpl, want string }{
		{"line1\n#set($x = 1)", "line 2: directive \"#set\""},
		{"#foreach($x in $y)#end", "#foreach"},
		{"$input.json('$.a'", "missing )"},
		{"${context.connectionId", "missing }"},
		{"$util.nope('x')", "nope() is not supported"},
		{"$input.json('a')", "must start with $"},
	} {
		_, err := RenderTemplate(tc.tmpl, &TemplateData{Body: `{"a":1}`})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to mention %q", tc.tmpl, err, tc.want)
		}
	}
}

func TestRenderNonJSONBody(t *testing.T) {
	// $input.body is inserted unquoted: a non-JSON message makes invalid
	// JSON at the backend, exactly as on AWS.
	got, err := RenderTemplate(`{"payload":$input.body}`, &TemplateData{Body: "hello"})
	if err != nil || got != `{"payload":hello}` {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestEscapeJavaScript(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:      `plain`,
		`"q" 'a' \b`: `\"q\" \'a\' \\b`,
		"tab\tnl\n":  `tab\tnl\n`,
		"é€😀\x01":    `\u00E9\u20AC\uD83D\uDE00\u0001`,
		"</script>":  `<\/script>`,
	} {
		if got := EscapeJavaScript(in); got != want {
			t.Errorf("EscapeJavaScript(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEvalSelectionExpression(t *testing.T) {
	body := []byte(`{"action":"join","service":"chat","items":["item1","item2"],"n":7,"deep":{"k":"v"}}`)
	for _, tc := range []struct {
		expr, want string
		ok         bool
	}{
		{"$request.body.action", "join", true},
		{"${request.body.service}/${request.body.action}", "chat/join", true},
		{"${request.body.action}-${request.body.nope}", "join-", true},
		{"$request.body.items", "[item1, item2]", true},
		{"$request.body.n", "7", true},
		{"$request.body.deep.k", "v", true},
		{`\$default`, "$default", true},
		{"static", "static", true},
	} {
		got, ok := EvalSelectionExpression(tc.expr, body)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s = %q, %v; want %q, %v", tc.expr, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := EvalSelectionExpression("$request.body.action", []byte("not json")); ok {
		t.Error("non-JSON body must not be matchable")
	}
	if got, ok := EvalSelectionExpression(`\$default`, []byte("not json")); !ok || got != "$default" {
		t.Errorf("static key on non-JSON = %q, %v", got, ok)
	}
}

func TestSelectRoute(t *testing.T) {
	api := &API{RouteSelectionExpression: "$request.body.action", Routes: map[string]*Route{
		"$connect": {}, "$default": {}, "sendmessage": {},
	}}
	for body, want := range map[string]string{
		`{"action":"sendmessage"}`:  "sendmessage",
		`{"action":"other"}`:        "$default",
		`{"callType":"request_vm"}`: "$default",
		`{"action":"$connect"}`:     "$default",
		`not json`:                  "$default",
		``:                          "$default",
	} {
		if got, ok := SelectRoute(api, []byte(body)); !ok || got != want {
			t.Errorf("SelectRoute(%s) = %q, %v; want %q", body, got, ok, want)
		}
	}
	delete(api.Routes, "$default")
	if got, ok := SelectRoute(api, []byte(`{"action":"x"}`)); ok {
		t.Errorf("without $default: got %q, want no route", got)
	}
}

func TestJSONPath(t *testing.T) {
	doc := []byte(`{"a":{"b":[10,{"c":"d"}]},"x y":1,"big":12345678901234567890}`)
	for _, tc := range []struct {
		path, want string
		found      bool
	}{
		{"$", `{"a":{"b":[10,{"c":"d"}]},"big":12345678901234567890,"x y":1}`, true},
		{"$.a.b[0]", "10", true},
		{"$.a.b[1].c", `"d"`, true},
		{"$['x y']", "1", true},
		{"$.big", "12345678901234567890", true},
		{"$.a.b[5]", "", false},
		{"$.a.z", "", false},
	} {
		v, found, err := JSONPath(doc, tc.path)
		if err != nil || found != tc.found {
			t.Errorf("%s: found %v err %v", tc.path, found, err)
			continue
		}
		if found && renderValue(rawJSON(mustJSON(v))) != tc.want {
			t.Errorf("%s = %s, want %s", tc.path, mustJSON(v), tc.want)
		}
	}
}

func FuzzRenderTemplate(f *testing.F) {
	for _, s := range []string{`{"connectionId":"$context.connectionId","payload":$input.body}`, `$input.json('$.a[0]')`, `$util.escapeJavaScript($input.body)`, `${x`, `#set`} {
		f.Add(s, `{"a":[1]}`)
	}
	f.Fuzz(func(t *testing.T, tmpl, body string) {
		out, err := RenderTemplate(tmpl, &TemplateData{Body: body, Context: map[string]string{"connectionId": "id"}})
		if err == nil && !strings.Contains(tmpl, "$") && !strings.Contains(tmpl, "#") && out != tmpl {
			t.Fatalf("template without $ or # changed: %q -> %q", tmpl, out)
		}
	})
}

func FuzzEvalSelectionExpression(f *testing.F) {
	f.Add("$request.body.action", `{"action":"x"}`)
	f.Add("${request.body.a}/${request.body.b[0]}", `{"a":1,"b":[2]}`)
	f.Fuzz(func(t *testing.T, expr, body string) {
		_, _ = EvalSelectionExpression(expr, []byte(body))
	})
}

func FuzzEscapeJavaScript(f *testing.F) {
	f.Add("a\"b'c\\d/\n\u2028😀")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip()
		}
		// The result, placed in double quotes, is a valid JSON string
		// except for \' which JSON does not know.
		esc := strings.ReplaceAll(EscapeJavaScript(s), `\'`, `'`)
		var back string
		if err := json.Unmarshal([]byte(`"`+esc+`"`), &back); err != nil {
			t.Fatalf("escape of %q is not a JSON string body: %v", s, err)
		}
		if s != back {
			t.Fatalf("round trip %q -> %q", s, back)
		}
	})
}
