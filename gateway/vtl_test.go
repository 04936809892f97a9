package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRenderTemplate(t *testing.T) {
	data := &templateData{
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
		{`$input.json('$')`, data.Body}, // keys keep their order, as with Jayway JsonPath
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
		got, err := renderTemplate(tc.tmpl, data)
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
		{"line1\n#set($x = )", "line 2: unexpected \")\""},
		{"#foreach($x $y)#end", "missing \"in\""},
		{"#if($a)x", "#if without #end"},
		{"x#end", "#end without"},
		{"#macro(m)x#end", "#macro is not supported"},
		{"$input.body.replaceAll('(?<=a)b', 'c')", "RE2 syntax"},
		{"$input.json('$.a'", "missing )"},
		{"${context.connectionId", "missing }"},
		{"$util.nope('x')", "nope() is not supported"},
		{"$input.json('a')", "must start with $"},
	} {
		_, err := renderTemplate(tc.tmpl, &templateData{Body: `{"a":1}`})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to mention %q", tc.tmpl, err, tc.want)
		}
	}
}

func TestRenderNonJSONBody(t *testing.T) {
	// $input.body is inserted unquoted: a non-JSON message makes invalid
	// JSON at the backend, exactly as on AWS.
	got, err := renderTemplate(`{"payload":$input.body}`, &templateData{Body: "hello"})
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
		if got := escapeJavaScript(in); got != want {
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
		got, ok := evalSelectionExpression(tc.expr, body)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s = %q, %v; want %q, %v", tc.expr, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := evalSelectionExpression("$request.body.action", []byte("not json")); ok {
		t.Error("non-JSON body must not be matchable")
	}
	if got, ok := evalSelectionExpression(`\$default`, []byte("not json")); !ok || got != "$default" {
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
		if got, ok := selectRoute(api, []byte(body)); !ok || got != want {
			t.Errorf("selectRoute(%s) = %q, %v; want %q", body, got, ok, want)
		}
	}
	delete(api.Routes, "$default")
	if got, ok := selectRoute(api, []byte(`{"action":"x"}`)); ok {
		t.Errorf("without $default: got %q, want no route", got)
	}
}

func TestJSONPath(t *testing.T) {
	doc := []byte(`{"a":{"b":[10,{"c":"d"}]},"x y":1,"big":12345678901234567890}`)
	for _, tc := range []struct {
		path, want string
		found      bool
	}{
		{"$", `{"a":{"b":[10,{"c":"d"}]},"x y":1,"big":12345678901234567890}`, true},
		{"$.a.b[0]", "10", true},
		{"$.a.b[1].c", `"d"`, true},
		{"$['x y']", "1", true},
		{"$.big", "12345678901234567890", true},
		{"$.a.b[5]", "", false},
		{"$.a.z", "", false},
	} {
		v, found, err := jsonPath(doc, tc.path)
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
	for _, s := range []string{`{"connectionId":"$context.connectionId","payload":$input.body}`, `$input.json('$.a[0]')`, `$util.escapeJavaScript($input.body)`, `${x`, `#set`,
		"#set($r = $input.path('$'))#foreach($e in $r.a)$e#if($foreach.hasNext),#end#end",
		"#if($input.path('$.a').size() > 0 && !$x)y#elseif($a == 'b')z#{else}w#end",
		`$stageVariables['k'] $input.path('$.a')[0] "$util.escapeJavaScript('x').replaceAll("\\'", "'")"`,
		"#foreach($i in [1..3])#break#end", "#set($m = {'a': [1, 2.5, true, null]})$m"} {
		f.Add(s, `{"a":[1]}`)
	}
	f.Fuzz(func(t *testing.T, tmpl, body string) {
		out, err := renderTemplate(tmpl, &templateData{Body: body, Context: map[string]string{"connectionId": "id"}})
		if err == nil && !strings.Contains(tmpl, "$") && !strings.Contains(tmpl, "#") && out != tmpl {
			t.Fatalf("template without $ or # changed: %q -> %q", tmpl, out)
		}
	})
}

func FuzzEvalSelectionExpression(f *testing.F) {
	f.Add("$request.body.action", `{"action":"x"}`)
	f.Add("${request.body.a}/${request.body.b[0]}", `{"a":1,"b":[2]}`)
	f.Fuzz(func(t *testing.T, expr, body string) {
		_, _ = evalSelectionExpression(expr, []byte(body))
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
		esc := strings.ReplaceAll(escapeJavaScript(s), `\'`, `'`)
		var back string
		if err := json.Unmarshal([]byte(`"`+esc+`"`), &back); err != nil {
			t.Fatalf("escape of %q is not a JSON string body: %v", s, err)
		}
		if s != back {
			t.Fatalf("round trip %q -> %q", s, back)
		}
	})
}

// Templates from AWS's mapping-template references, rendering as AWS
// documents them.
func TestAWSReferenceTemplates(t *testing.T) {
	pets := `[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99},{"id":3,"type":"fish","price":0.99}]`
	for _, tc := range []struct {
		name, tmpl, body, want string
		json                   bool // compare as JSON
	}{
		{
			name: "$input.path(...).count() (WebSocket reference)",
			tmpl: `$input.path('$.pets').count()`, body: `{"pets":` + pets + `}`, want: "3",
		},
		{
			name: "$util.parseJson with #set and index access (WebSocket reference)",
			tmpl: "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n{\n   \"errorMessageObjKey2ArrVal\" : $errorMessageObj.key2.arr[0]\n}\n",
			body: `{"errorMessage":"{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"}`,
			want: "{\n   \"errorMessageObjKey2ArrVal\" : 1\n}\n",
		},
		{
			name: "$util.escapeJavaScript(...).replaceAll (WebSocket reference)",
			tmpl: `{"msg":"$util.escapeJavaScript($input.path('$.msg')).replaceAll("\\'","'")"}`,
			body: `{"msg":"it's \"here\""}`, want: `{"msg":"it's \"here\""}`, json: true,
		},
		{
			name: "#foreach over $input.path('$') with $foreach.hasNext (REST examples, PetStore)",
			tmpl: "#set($inputRoot = $input.path('$'))\n[\n#foreach($elem in $inputRoot)\n  {\n    \"number\": $elem.id,\n    \"class\": \"$elem.type\",\n    \"salesPrice\": $elem.price\n  }#if($foreach.hasNext),#end\n\n#end\n]",
			body: pets,
			want: `[{"number":1,"class":"dog","salesPrice":249.99},{"number":2,"class":"cat","salesPrice":124.99},{"number":3,"class":"fish","salesPrice":0.99}]`, json: true,
		},
		{
			name: "#if / #elseif / #else on $context and a map literal",
			tmpl: "#set($m = {\"CONNECT\": 1, \"MESSAGE\": 2})\n#if($context.eventType == \"CONNECT\")\nc\n#elseif($m[$context.eventType] > 1 && !$nothing)\nm$m.get('MESSAGE')\n#{else}\nd\n#end\n",
			want: "m2\n",
		},
		{
			name: "$stageVariables['x'] and ${stageVariables['x']}",
			tmpl: `$stageVariables['env']/${stageVariables['env']}/$stageVariables.env`, want: "dev/dev/dev",
		},
		{
			name: "property and index access on $input.path results",
			tmpl: `$input.path('$.a').b[0]/$input.path('$.a').b[1].c/$input.path('$.a')['b'].size()/$input.path('$.a').b[-1].c`,
			body: `{"a":{"b":[7,{"c":"d"}]}}`, want: "7/d/2/d",
		},
		{
			name: "maps and lists render like Java's toString; $input.json gives JSON",
			tmpl: `$input.path('$.a')|$input.json('$.a')`, body: `{"a":{"x":[1,"s"],"y":true}}`, want: `{x=[1, s], y=true}|{"x":[1,"s"],"y":true}`,
		},
		{
			name: "#foreach with #break, ranges, $velocityCount, integer arithmetic",
			tmpl: "#foreach($i in [1..5])#if($i > 3)#break#end$i:$velocityCount:$foreach.index #end|#set($x = 7 / 2)$x #set($y = 7.0 / 2)$y $math",
			want: "1:1:0 2:2:1 3:3:2 |3 3.5 ",
		},
		{
			name: "#set with null keeps the old value (Velocity 1.7)",
			tmpl: `#set($a = "x")#set($a = $input.path('$.missing'))$a`, body: `{}`, want: "x",
		},
		{
			name: "string methods",
			tmpl: `#set($s = "Hello, World")$s.toLowerCase() $s.substring(7) $s.indexOf("o") $s.replace("l", "L") $s.split(", ")[1] $s.startsWith("He") $s.length() #if($s.contains("World"))yes#end`,
			want: "hello, world World 4 HeLLo, WorLd World true 12 yes",
		},
		{
			name: "keySet and #foreach over a map's keys, in document order",
			tmpl: `#set($o = $input.path('$'))#foreach($k in $o.keySet())$k=$o.get($k)#if($foreach.hasNext),#end#end`,
			body: `{"z":1,"a":2,"m":3}`, want: "z=1,a=2,m=3",
		},
		{
			name: "a # that is no directive, and escapes",
			tmpl: `{"color":"#fff","n":"\#if","v":"\$x"}`, want: `{"color":"#fff","n":"#if","v":"$x"}`,
		},
	} {
		body := tc.body
		got, err := renderTemplate(tc.tmpl, &templateData{Body: body, Context: map[string]string{"eventType": "MESSAGE"}, StageVariables: map[string]string{"env": "dev"}})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tc.json {
			var a, b any
			if err := json.Unmarshal([]byte(got), &a); err != nil {
				t.Errorf("%s: output is not JSON: %v\n%s", tc.name, err, got)
				continue
			}
			_ = json.Unmarshal([]byte(tc.want), &b)
			if mustJSON(a) != mustJSON(b) {
				t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// Runaway templates stop with an error, not a hang.
func TestTemplateLimits(t *testing.T) {
	got, err := renderTemplate(`#foreach($i in [1..5000])x#end`, nil)
	if err != nil || len(got) != maxForeach {
		t.Fatalf("foreach cap: %d characters, %v; want %d", len(got), err, maxForeach)
	}
	deep := strings.Repeat("#if(true)", 200) + strings.Repeat("#end", 200)
	if _, err := renderTemplate(deep, nil); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Fatalf("deep nesting: %v", err)
	}
	nested := `#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end`
	if _, err := renderTemplate(nested, nil); err == nil || !strings.Contains(err.Error(), "too much work") {
		t.Fatalf("a billion iterations: %v", err)
	}
}
