package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// templateData is what a mapping template can read.
type templateData struct {
	// Context holds $context variables by dotted name ("connectionId",
	// "identity.sourceIp", …).
	Context map[string]string
	// Body is $input.body: the client message for request templates (empty
	// for $connect and $disconnect), the backend's response for response
	// templates.
	Body string
	// StageVariables are the stage's variables ($stageVariables.x).
	StageVariables map[string]string
}

// Limits of the template engine: AWS caps #foreach at 1000 iterations
// (the loop stops there, as Velocity's maxloops does); the others only
// stop runaway input.
const (
	maxForeach    = 1000
	maxTemplateOp = 1 << 20 // evaluation steps per rendering
	maxNesting    = 100     // nested directives / expressions
)

// renderTemplate renders a mapping template written in the Velocity
// Template Language (VTL) as API Gateway runs it: references ($x.y,
// ${x.y}, $!x, $x[0], $x['k'], method calls), #set, #if/#elseif/#else,
// #foreach (with $foreach.hasNext/index/count and #break), ## and #* *#
// comments, #[[unparsed]]#, and expressions with string, number, boolean,
// list, map and range literals and the operators || && ! == != < <= > >=
// + - * / % (and their word forms). It knows $context.*, $stageVariables
// (.x and ['x']), $input.body/json()/path()/params(), $util.escapeJavaScript/
// parseJson/urlEncode/urlDecode/base64Encode/base64Decode, and the Java
// methods templates call on values (size, count, get, keySet,
// replaceAll, substring, …). Undefined references render as "".
//
// Choices where AWS runs Velocity's defaults: a line holding only a
// directive (and spaces) leaves no trace in the output (Velocity 2's
// "lines" space gobbling); #set with a null right-hand side leaves the
// variable unchanged (Velocity 1.7); maps render as {k=v, …} and lists as
// [a, b] (Java's toString), which is why templates use $input.json for
// JSON. Macros (#macro, #parse, #include, #evaluate, #define) are errors.
func renderTemplate(tmpl string, data *templateData) (string, error) {
	return render(tmpl, data, false)
}

// checkTemplate renders tmpl with sample data: only what is wrong with the
// template itself (syntax, unsupported directives or methods) is an
// error; errors the sample data causes are not.
func checkTemplate(tmpl string, data *templateData) error {
	_, err := render(tmpl, data, true)
	return err
}

func render(tmpl string, data *templateData, lenient bool) (string, error) {
	if data == nil {
		data = &templateData{}
	}
	nodes, err := parseTemplate(tmpl)
	if err != nil {
		return "", err
	}
	r := &renderer{lenient: lenient, src: tmpl, data: data, vars: map[string]any{}}
	var out strings.Builder
	if err := r.exec(nodes, &out); err != nil && !errors.Is(err, errBreak) {
		return "", err
	}
	return out.String(), nil
}

// parsed caches the syntax trees of the templates rendered so far (an API
// has a handful; the bound keeps arbitrary callers from growing it). Trees
// are never modified after parsing.
var parsed struct {
	sync.Mutex
	m map[string][]node
}

const maxParsedTemplates = 256

func parseTemplate(tmpl string) ([]node, error) {
	parsed.Lock()
	nodes, ok := parsed.m[tmpl]
	parsed.Unlock()
	if ok {
		return nodes, nil
	}
	p := &parser{src: tmpl}
	nodes, term, err := p.block(0)
	if err != nil {
		return nil, err
	}
	if term != "" {
		return nil, p.errorf(p.pos, "#%s without a matching #if or #foreach", term)
	}
	parsed.Lock()
	if parsed.m == nil {
		parsed.m = map[string][]node{}
	}
	if len(parsed.m) < maxParsedTemplates {
		parsed.m[tmpl] = nodes
	}
	parsed.Unlock()
	return nodes, nil
}

// ---------------------------------------------------------------------------
// Syntax tree

type node interface{}

type (
	textNode string
	refNode  struct {
		ref    *refExpr
		silent bool
		src    string
	}
	setNode struct {
		name  string
		value expr
		pos   int
	}
	ifNode struct {
		conds  []expr
		bodies [][]node
		els    []node
	}
	foreachNode struct {
		name string
		list expr
		body []node
		pos  int
	}
	breakNode struct{}
)

type expr interface{}

type (
	litExpr  struct{ v any }
	strExpr  struct{ parts []node } // a double-quoted string: interpolated
	listExpr []expr
	mapExpr  struct{ keys, vals []expr }
	rngExpr  struct{ from, to expr }
	unExpr   struct {
		op string
		x  expr
	}
	binExpr struct {
		op   string
		l, r expr
		pos  int
	}
	refExpr struct {
		root string
		ops  []refOp
		pos  int
	}
	refOp struct {
		kind  byte // '.' property, '(' method, '[' index
		name  string
		args  []expr
		index expr
	}
)

// ---------------------------------------------------------------------------
// Parser

type parser struct {
	src   string
	pos   int
	depth int
}

func (p *parser) errorf(pos int, format string, a ...any) error {
	line := 1 + strings.Count(p.src[:min(pos, len(p.src))], "\n")
	return fmt.Errorf("template line %d: %s", line, fmt.Sprintf(format, a...))
}

var unsupportedDirectives = map[string]bool{"macro": true, "parse": true, "include": true, "evaluate": true, "define": true, "stop": true}

// block parses nodes until the end of input or one of #end, #else,
// #elseif, which it returns (the position is then after the directive name,
// before any "(" of #elseif).
func (p *parser) block(depth int) ([]node, string, error) {
	if depth > maxNesting {
		return nil, "", p.errorf(p.pos, "directives nested more than %d deep", maxNesting)
	}
	var nodes []node
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			nodes = append(nodes, textNode(text.String()))
			text.Reset()
		}
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.src) && (p.src[p.pos+1] == '$' || p.src[p.pos+1] == '#'):
			text.WriteByte(p.src[p.pos+1])
			p.pos += 2
		case strings.HasPrefix(p.src[p.pos:], "##"):
			nl := strings.IndexByte(p.src[p.pos:], '\n')
			if nl < 0 {
				p.pos = len(p.src)
			} else {
				p.pos += nl + 1
			}
		case strings.HasPrefix(p.src[p.pos:], "#*"):
			end := strings.Index(p.src[p.pos+2:], "*#")
			if end < 0 {
				return nil, "", p.errorf(p.pos, "unterminated #* comment")
			}
			p.pos += end + 4
		case strings.HasPrefix(p.src[p.pos:], "#[["):
			end := strings.Index(p.src[p.pos+3:], "]]#")
			if end < 0 {
				return nil, "", p.errorf(p.pos, "unterminated #[[ block")
			}
			text.WriteString(p.src[p.pos+3 : p.pos+3+end])
			p.pos += end + 6
		case c == '#':
			name, after := p.directiveName()
			if name == "" {
				text.WriteByte(c)
				p.pos++
				continue
			}
			if unsupportedDirectives[name] {
				return nil, "", p.errorf(p.pos, "directive #%s is not supported by API Gateway templates in the emulator", name)
			}
			dirStart := p.pos
			gobble := p.lineStart(text.String())
			p.pos = after
			switch name {
			case "end", "else", "elseif":
				if gobble >= 0 && name != "elseif" {
					p.gobbleLine(&text, gobble)
				}
				flush()
				return nodes, name, nil
			case "break":
				if gobble >= 0 {
					p.gobbleLine(&text, gobble)
				}
				flush()
				nodes = append(nodes, breakNode{})
			case "set":
				n, err := p.set(dirStart)
				if err != nil {
					return nil, "", err
				}
				if gobble >= 0 {
					p.gobbleLine(&text, gobble)
				}
				flush()
				nodes = append(nodes, n)
			case "if":
				n, err := p.ifDirective(depth, gobble, &text)
				if err != nil {
					return nil, "", err
				}
				flush()
				nodes = append(nodes, n)
			case "foreach":
				n, err := p.foreach(dirStart, depth, gobble, &text)
				if err != nil {
					return nil, "", err
				}
				flush()
				nodes = append(nodes, n)
			}
		case c == '$':
			start := p.pos
			silent := strings.HasPrefix(p.src[p.pos:], "$!")
			ref, ok, err := p.reference()
			if err != nil {
				return nil, "", err
			}
			if !ok {
				text.WriteByte('$')
				p.pos = start + 1
				continue
			}
			flush()
			nodes = append(nodes, &refNode{ref: ref, silent: silent, src: p.src[start:p.pos]})
		default:
			text.WriteByte(c)
			p.pos++
		}
	}
	flush()
	return nodes, "", nil
}

// directiveName reads "#name" or "#{name}" at p.pos; "" when it is not a
// known directive (then the "#" is text, as in Velocity).
func (p *parser) directiveName() (string, int) {
	i := p.pos + 1
	braced := i < len(p.src) && p.src[i] == '{'
	if braced {
		i++
	}
	start := i
	for i < len(p.src) && isIdentStart(p.src[i]) {
		i++
	}
	name := p.src[start:i]
	if braced {
		if i >= len(p.src) || p.src[i] != '}' {
			return "", 0
		}
		i++
	}
	switch name {
	case "set", "if", "elseif", "else", "end", "foreach", "break":
		return name, i
	}
	if unsupportedDirectives[name] {
		return name, i
	}
	return "", 0
}

// lineStart returns where, in the pending text, the current line's leading
// white space begins when nothing but white space precedes the directive on
// its line; -1 otherwise.
func (p *parser) lineStart(pending string) int {
	i := len(pending)
	for i > 0 && (pending[i-1] == ' ' || pending[i-1] == '\t') {
		i--
	}
	if i > 0 && pending[i-1] != '\n' {
		return -1
	}
	if i == 0 && p.pos > 0 {
		// The line began before the pending text (after another node):
		// only a directive right after a newline-ended text or at the
		// very start of the template counts.
		before := p.src[:p.pos-len(pending)]
		if before != "" && !strings.HasSuffix(before, "\n") {
			return -1
		}
	}
	return i
}

// gobbleLine drops the line's leading white space from the pending text
// and the trailing white space and newline after the directive, when the
// directive is alone on its line.
func (p *parser) gobbleLine(text *strings.Builder, from int) {
	j := p.pos
	for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t') {
		j++
	}
	switch {
	case j < len(p.src) && p.src[j] == '\n':
		j++
	case strings.HasPrefix(p.src[j:], "\r\n"):
		j += 2
	case j < len(p.src):
		return // more on the line: no gobbling
	}
	s := text.String()[:from]
	text.Reset()
	text.WriteString(s)
	p.pos = j
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *parser) expect(c byte, what string) error {
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != c {
		return p.errorf(p.pos, "expected %q %s", c, what)
	}
	p.pos++
	return nil
}

func (p *parser) set(start int) (node, error) {
	if err := p.expect('(', "after #set"); err != nil {
		return nil, err
	}
	p.skipSpace()
	if !strings.HasPrefix(p.src[p.pos:], "$") {
		return nil, p.errorf(p.pos, "#set needs a variable: #set($name = value)")
	}
	p.pos++
	if p.pos < len(p.src) && p.src[p.pos] == '!' {
		p.pos++
	}
	braced := p.pos < len(p.src) && p.src[p.pos] == '{'
	if braced {
		p.pos++
	}
	name := p.ident()
	if name == "" {
		return nil, p.errorf(p.pos, "#set needs a variable name")
	}
	if braced {
		if err := p.expect('}', "closing ${"); err != nil {
			return nil, err
		}
	}
	if err := p.expect('=', "in #set($name = value)"); err != nil {
		return nil, err
	}
	v, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expect(')', "closing #set("); err != nil {
		return nil, err
	}
	return &setNode{name: name, value: v, pos: start}, nil
}

func (p *parser) condition(what string) (expr, error) {
	if err := p.expect('(', "after "+what); err != nil {
		return nil, err
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expect(')', "closing "+what+"("); err != nil {
		return nil, err
	}
	return e, nil
}

// gobbleAfter drops the rest of a directive's line (white space and the
// newline) when the directive began its line and nothing follows it.
func (p *parser) gobbleAfter(startedLine bool) {
	if !startedLine {
		return
	}
	var dummy strings.Builder
	p.gobbleLine(&dummy, 0)
}

func (p *parser) ifDirective(depth, gobble int, text *strings.Builder) (node, error) {
	start := p.pos
	c, err := p.condition("#if")
	if err != nil {
		return nil, err
	}
	if gobble >= 0 {
		p.gobbleLine(text, gobble)
	}
	n := &ifNode{}
	for {
		body, term, err := p.block(depth + 1)
		if err != nil {
			return nil, err
		}
		switch term {
		case "":
			return nil, p.errorf(start, "#if without #end")
		case "end":
			n.conds, n.bodies = append(n.conds, c), append(n.bodies, body)
			return n, nil
		case "elseif":
			n.conds, n.bodies = append(n.conds, c), append(n.bodies, body)
			if c, err = p.condition("#elseif"); err != nil {
				return nil, err
			}
			p.gobbleAfter(p.directiveAloneBefore())
		case "else":
			n.conds, n.bodies = append(n.conds, c), append(n.bodies, body)
			els, term, err := p.block(depth + 1)
			if err != nil {
				return nil, err
			}
			if term != "end" {
				return nil, p.errorf(start, "#if … #else without #end")
			}
			n.els = els
			return n, nil
		}
	}
}

// directiveAloneBefore reports whether the #elseif(...) just parsed began
// its line (only white space before it).
func (p *parser) directiveAloneBefore() bool {
	i := strings.LastIndex(p.src[:p.pos], "#")
	for i >= 0 && !strings.HasPrefix(p.src[i:], "#elseif") && !strings.HasPrefix(p.src[i:], "#{elseif}") {
		i = strings.LastIndex(p.src[:i], "#")
	}
	if i < 0 {
		return false
	}
	j := i
	for j > 0 && (p.src[j-1] == ' ' || p.src[j-1] == '\t') {
		j--
	}
	return j == 0 || p.src[j-1] == '\n'
}

func (p *parser) foreach(start, depth, gobble int, text *strings.Builder) (node, error) {
	if err := p.expect('(', "after #foreach"); err != nil {
		return nil, err
	}
	p.skipSpace()
	if !strings.HasPrefix(p.src[p.pos:], "$") {
		return nil, p.errorf(p.pos, "#foreach needs a variable: #foreach($item in $list)")
	}
	p.pos++
	name := p.ident()
	p.skipSpace()
	if !strings.HasPrefix(p.src[p.pos:], "in") {
		return nil, p.errorf(p.pos, "#foreach($%s in LIST): missing \"in\"", name)
	}
	p.pos += 2
	list, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expect(')', "closing #foreach("); err != nil {
		return nil, err
	}
	if gobble >= 0 {
		p.gobbleLine(text, gobble)
	}
	body, term, err := p.block(depth + 1)
	if err != nil {
		return nil, err
	}
	if term != "end" {
		return nil, p.errorf(start, "#foreach without #end")
	}
	return &foreachNode{name: name, list: list, body: body, pos: start}, nil
}

func (p *parser) ident() string {
	start := p.pos
	if p.pos < len(p.src) && isIdentStart(p.src[p.pos]) {
		for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
			p.pos++
		}
	}
	return p.src[start:p.pos]
}

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' || c == '_' || c == '-' }

// reference parses a reference at p.pos ("$"). ok is false when the text
// is not a reference (a lone "$", "$5").
func (p *parser) reference() (*refExpr, bool, error) {
	start := p.pos
	p.pos++ // $
	if p.pos < len(p.src) && p.src[p.pos] == '!' {
		p.pos++
	}
	braced := p.pos < len(p.src) && p.src[p.pos] == '{'
	if braced {
		p.pos++
	}
	if p.pos >= len(p.src) || !isIdentStart(p.src[p.pos]) {
		p.pos = start
		return nil, false, nil
	}
	ref := &refExpr{root: p.ident(), pos: start}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '.' && p.pos+1 < len(p.src) && isIdentStart(p.src[p.pos+1]) {
			p.pos++
			name := p.ident()
			if p.pos < len(p.src) && p.src[p.pos] == '(' {
				p.pos++
				args, err := p.args()
				if err != nil {
					return nil, false, err
				}
				ref.ops = append(ref.ops, refOp{kind: '(', name: name, args: args})
				continue
			}
			ref.ops = append(ref.ops, refOp{kind: '.', name: name})
			continue
		}
		if c == '[' {
			save := p.pos
			p.pos++
			idx, err := p.expr()
			if err == nil {
				p.skipSpace()
				if p.pos < len(p.src) && p.src[p.pos] == ']' {
					p.pos++
					ref.ops = append(ref.ops, refOp{kind: '[', index: idx})
					continue
				}
			}
			p.pos = save // not an index: "[" is text
		}
		break
	}
	if braced {
		if p.pos >= len(p.src) || p.src[p.pos] != '}' {
			return nil, false, p.errorf(start, "missing } after ${reference")
		}
		p.pos++
	}
	return ref, true, nil
}

func (p *parser) args() ([]expr, error) {
	var out []expr
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
		return nil, nil
	}
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.errorf(p.pos, "missing ) in method call")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return out, nil
		default:
			return nil, p.errorf(p.pos, "expected , or ) in method call")
		}
	}
}

// Expressions, lowest precedence first.

var wordOps = map[string]string{"or": "||", "and": "&&", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "not": "!"}

// op reads one of ops at p.pos (symbol or word form) and returns it.
func (p *parser) op(ops ...string) string {
	p.skipSpace()
	rest := p.src[p.pos:]
	for _, o := range ops {
		if strings.HasPrefix(rest, o) {
			// "=" alone is not "==", "<" is not "<=" when longer ones come first
			p.pos += len(o)
			return o
		}
	}
	for w, o := range wordOps {
		for _, want := range ops {
			if o == want && strings.HasPrefix(rest, w) && (len(rest) == len(w) || !isIdentChar(rest[len(w)])) {
				p.pos += len(w)
				return o
			}
		}
	}
	return ""
}

func (p *parser) expr() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, p.errorf(p.pos, "expression nested more than %d deep", maxNesting)
	}
	return p.binary(0)
}

var precedence = [][]string{
	{"||"},
	{"&&"},
	{"==", "!="},
	{"<=", ">=", "<", ">"},
	{"+", "-"},
	{"*", "/", "%"},
}

func (p *parser) binary(level int) (expr, error) {
	if level == len(precedence) {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		pos := p.pos
		o := p.op(precedence[level]...)
		if o == "" {
			return l, nil
		}
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: o, l: l, r: r, pos: pos}
	}
}

func (p *parser) unary() (expr, error) {
	if o := p.op("!"); o != "" {
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &unExpr{op: "!", x: x}, nil
	}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '-' && p.pos+1 < len(p.src) && (p.src[p.pos+1] < '0' || p.src[p.pos+1] > '9') {
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &unExpr{op: "-", x: x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (expr, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, p.errorf(p.pos, "expression expected, found the end of the template")
	}
	c := p.src[p.pos]
	switch {
	case c == '(':
		p.pos++
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(')', "closing ("); err != nil {
			return nil, err
		}
		return e, nil
	case c == '$':
		ref, ok, err := p.reference()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errorf(p.pos, "bad reference")
		}
		return ref, nil
	case c == '\'' || c == '"':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			return nil, p.errorf(p.pos, "unterminated string literal")
		}
		s := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		if c == '\'' || !strings.ContainsAny(s, "$#") {
			return &litExpr{v: s}, nil
		}
		sub := &parser{src: s}
		nodes, term, err := sub.block(0)
		if err != nil {
			return nil, err
		}
		if term != "" {
			return nil, p.errorf(p.pos, "#%s inside a string literal", term)
		}
		return &strExpr{parts: nodes}, nil
	case c == '[':
		p.pos++
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			return listExpr{}, nil
		}
		first, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if strings.HasPrefix(p.src[p.pos:], "..") {
			p.pos += 2
			to, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expect(']', "closing a range [a..b]"); err != nil {
				return nil, err
			}
			return &rngExpr{from: first, to: to}, nil
		}
		list := listExpr{first}
		for {
			p.skipSpace()
			if p.pos >= len(p.src) {
				return nil, p.errorf(p.pos, "missing ] in list")
			}
			if p.src[p.pos] == ']' {
				p.pos++
				return list, nil
			}
			if err := p.expect(',', "between list items"); err != nil {
				return nil, err
			}
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			list = append(list, e)
		}
	case c == '{':
		p.pos++
		m := &mapExpr{}
		for {
			p.skipSpace()
			if p.pos < len(p.src) && p.src[p.pos] == '}' {
				p.pos++
				return m, nil
			}
			if len(m.keys) > 0 {
				if err := p.expect(',', "between map entries"); err != nil {
					return nil, err
				}
			}
			k, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expect(':', "after a map key"); err != nil {
				return nil, err
			}
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			m.keys, m.vals = append(m.keys, k), append(m.vals, v)
		}
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		p.pos++
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.' && p.pos+1 < len(p.src) && p.src[p.pos+1] != '.') {
			p.pos++
		}
		lit := p.src[start:p.pos]
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return &litExpr{v: n}, nil
		}
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return nil, p.errorf(start, "bad number %q", lit)
		}
		return &litExpr{v: f}, nil
	case isIdentStart(c):
		w := p.ident()
		switch w {
		case "true":
			return &litExpr{v: true}, nil
		case "false":
			return &litExpr{v: false}, nil
		case "null":
			return &litExpr{v: nil}, nil
		}
		return nil, p.errorf(p.pos-len(w), "unexpected %q in an expression (references start with $, strings are quoted)", w)
	}
	return nil, p.errorf(p.pos, "unexpected %q in an expression", string(c))
}

// ---------------------------------------------------------------------------
// Evaluation

var errBreak = errors.New("#break")

// dataError is an error caused by the data a template reads (a body that
// is not JSON, bad base64, an index out of range), not by the template.
type dataError struct{ error }

func (e dataError) Unwrap() error { return e.error }

type renderer struct {
	lenient bool // CheckTemplates: data errors yield null
	src     string
	data    *templateData
	vars    map[string]any
	steps   int
}

func (r *renderer) errorf(pos int, format string, a ...any) error {
	line := 1 + strings.Count(r.src[:min(max(pos, 0), len(r.src))], "\n")
	return fmt.Errorf("template line %d: %s", line, fmt.Sprintf(format, a...))
}

func (r *renderer) step(pos int) error {
	r.steps++
	if r.steps > maxTemplateOp {
		return r.errorf(pos, "template does too much work (over %d steps)", maxTemplateOp)
	}
	return nil
}

func (r *renderer) exec(nodes []node, out *strings.Builder) error {
	for _, n := range nodes {
		if err := r.step(0); err != nil {
			return err
		}
		switch n := n.(type) {
		case textNode:
			out.WriteString(string(n))
		case *refNode:
			v, err := r.evalRef(n.ref)
			if err != nil {
				return err
			}
			out.WriteString(renderValue(r.concrete(v)))
		case *setNode:
			v, err := r.eval(n.value)
			if err != nil {
				return err
			}
			v = r.concrete(v)
			if _, undef := v.(undefined); undef || v == nil {
				continue // Velocity 1.7: a null right-hand side leaves the variable as it was
			}
			r.vars[n.name] = v
		case *ifNode:
			done := false
			for i, c := range n.conds {
				v, err := r.eval(c)
				if err != nil {
					return err
				}
				if truthy(r.concrete(v)) {
					if err := r.exec(n.bodies[i], out); err != nil {
						return err
					}
					done = true
					break
				}
			}
			if !done && n.els != nil {
				if err := r.exec(n.els, out); err != nil {
					return err
				}
			}
		case *foreachNode:
			if err := r.foreach(n, out); err != nil {
				return err
			}
		case breakNode:
			return errBreak
		}
	}
	return nil
}

// foreachObj is $foreach inside a loop.
type foreachObj struct {
	index, count int64
	hasNext      bool
}

func (r *renderer) foreach(n *foreachNode, out *strings.Builder) error {
	v, err := r.eval(n.list)
	if err != nil {
		return err
	}
	var items []any
	switch x := r.concrete(v).(type) {
	case []any:
		items = x
	case *omap:
		for _, k := range x.keys {
			items = append(items, x.m[k])
		}
	case keyList:
		for _, k := range x {
			items = append(items, k)
		}
	case undefined, nil:
		return nil
	default:
		items = []any{x}
	}
	prevVar, hadVar := r.vars[n.name]
	prevFE, hadFE := r.vars["foreach"]
	prevVC, hadVC := r.vars["velocityCount"]
	defer func() {
		restore(r.vars, n.name, prevVar, hadVar)
		restore(r.vars, "foreach", prevFE, hadFE)
		restore(r.vars, "velocityCount", prevVC, hadVC)
	}()
	for i, it := range items {
		if i >= maxForeach {
			break // AWS's limit: 1000 iterations
		}
		r.vars[n.name] = it
		r.vars["foreach"] = &foreachObj{index: int64(i), count: int64(i + 1), hasNext: i+1 < len(items) && i+1 < maxForeach}
		r.vars["velocityCount"] = int64(i + 1)
		if err := r.exec(n.body, out); err != nil {
			if errors.Is(err, errBreak) {
				return nil
			}
			return err
		}
	}
	return nil
}

func restore(m map[string]any, k string, v any, had bool) {
	if had {
		m[k] = v
	} else {
		delete(m, k)
	}
}

func truthy(v any) bool {
	switch x := v.(type) {
	case undefined, nil:
		return false
	case bool:
		return x
	}
	return true
}

func (r *renderer) eval(e expr) (any, error) {
	if err := r.step(0); err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case *litExpr:
		return e.v, nil
	case *strExpr:
		var b strings.Builder
		if err := r.exec(e.parts, &b); err != nil {
			return nil, err
		}
		return b.String(), nil
	case listExpr:
		out := make([]any, 0, len(e))
		for _, x := range e {
			v, err := r.eval(x)
			if err != nil {
				return nil, err
			}
			out = append(out, r.concrete(v))
		}
		return out, nil
	case *mapExpr:
		m := newOmap()
		for i := range e.keys {
			k, err := r.eval(e.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := r.eval(e.vals[i])
			if err != nil {
				return nil, err
			}
			m.set(renderValue(r.concrete(k)), r.concrete(v))
		}
		return m, nil
	case *rngExpr:
		a, err := r.eval(e.from)
		if err != nil {
			return nil, err
		}
		b, err := r.eval(e.to)
		if err != nil {
			return nil, err
		}
		from, ok1 := toInt(r.concrete(a))
		to, ok2 := toInt(r.concrete(b))
		if !ok1 || !ok2 {
			return undefined{}, nil
		}
		var out []any
		step := int64(1)
		if to < from {
			step = -1
		}
		for i := from; ; i += step {
			out = append(out, i)
			if i == to || len(out) > maxForeach {
				break
			}
		}
		return out, nil
	case *unExpr:
		v, err := r.eval(e.x)
		if err != nil {
			return nil, err
		}
		v = r.concrete(v)
		if e.op == "!" {
			return !truthy(v), nil
		}
		switch n := v.(type) {
		case int64:
			return -n, nil
		case float64:
			return -n, nil
		}
		return undefined{}, nil
	case *binExpr:
		return r.binary(e)
	case *refExpr:
		return r.evalRef(e)
	}
	return nil, fmt.Errorf("internal error: unknown expression %T", e)
}

func (r *renderer) binary(e *binExpr) (any, error) {
	l, err := r.eval(e.l)
	if err != nil {
		return nil, err
	}
	l = r.concrete(l)
	switch e.op {
	case "&&":
		if !truthy(l) {
			return false, nil
		}
		rv, err := r.eval(e.r)
		if err != nil {
			return nil, err
		}
		return truthy(r.concrete(rv)), nil
	case "||":
		if truthy(l) {
			return true, nil
		}
		rv, err := r.eval(e.r)
		if err != nil {
			return nil, err
		}
		return truthy(r.concrete(rv)), nil
	}
	rv, err := r.eval(e.r)
	if err != nil {
		return nil, err
	}
	rv = r.concrete(rv)
	switch e.op {
	case "==":
		return equal(l, rv), nil
	case "!=":
		return !equal(l, rv), nil
	case "<", "<=", ">", ">=":
		c, ok := compare(l, rv)
		if !ok {
			return false, nil
		}
		switch e.op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		}
		return c >= 0, nil
	}
	// Arithmetic: integers stay integers (5 / 2 is 2), as in Velocity.
	li, lInt := l.(int64)
	ri, rInt := rv.(int64)
	if lInt && rInt {
		switch e.op {
		case "+":
			return li + ri, nil
		case "-":
			return li - ri, nil
		case "*":
			return li * ri, nil
		case "/", "%":
			if ri == 0 {
				return undefined{}, nil
			}
			if e.op == "/" {
				return li / ri, nil
			}
			return li % ri, nil
		}
	}
	lf, ok1 := toFloat(l)
	rf, ok2 := toFloat(rv)
	if !ok1 || !ok2 {
		return undefined{}, nil // Velocity logs and yields null
	}
	switch e.op {
	case "+":
		return lf + rf, nil
	case "-":
		return lf - rf, nil
	case "*":
		return lf * rf, nil
	case "/":
		if rf == 0 {
			return undefined{}, nil
		}
		return lf / rf, nil
	case "%":
		if rf == 0 {
			return undefined{}, nil
		}
		return math.Mod(lf, rf), nil
	}
	return undefined{}, nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case rawJSON:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	}
	return 0, false
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return int64(x), x == math.Trunc(x)
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func isNumber(v any) bool {
	_, ok := toFloat(v)
	return ok
}

func equal(a, b any) bool {
	if isNumber(a) && isNumber(b) {
		x, _ := toFloat(a)
		y, _ := toFloat(b)
		return x == y
	}
	_, au := a.(undefined)
	_, bu := b.(undefined)
	if au || a == nil || bu || b == nil {
		return (au || a == nil) && (bu || b == nil)
	}
	// Velocity compares objects of different classes by their text.
	return renderValue(a) == renderValue(b)
}

func compare(a, b any) (int, bool) {
	if isNumber(a) && isNumber(b) {
		x, _ := toFloat(a)
		y, _ := toFloat(b)
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	as, ok1 := a.(string)
	bs, ok2 := b.(string)
	if ok1 && ok2 {
		return strings.Compare(as, bs), true
	}
	return 0, false
}

// undefined is the value of a reference that names nothing.
type undefined struct{}

// Objects behind the root names.
type (
	contextObj string // a prefix into Context ("" for $context itself)
	inputObj   struct{}
	utilObj    struct{}
	stageVars  struct{}
	stageVar   string
	inputBody  struct{}
	keyList    []string // a map's keySet()
)

func (r *renderer) evalRef(ref *refExpr) (any, error) {
	var v any
	if x, ok := r.vars[ref.root]; ok {
		v = x
	} else {
		switch ref.root {
		case "context":
			v = contextObj("")
		case "input":
			v = inputObj{}
		case "util":
			v = utilObj{}
		case "stageVariables":
			v = stageVars{}
		default:
			v = undefined{}
		}
	}
	for _, op := range ref.ops {
		if err := r.step(ref.pos); err != nil {
			return nil, err
		}
		switch op.kind {
		case '.':
			v = r.property(v, op.name)
		case '[':
			k, err := r.eval(op.index)
			if err != nil {
				return nil, err
			}
			v = r.index(v, r.concrete(k))
		case '(':
			args := make([]any, len(op.args))
			for i, a := range op.args {
				x, err := r.eval(a)
				if err != nil {
					return nil, err
				}
				args[i] = r.concrete(x)
			}
			var err error
			if v, err = r.method(v, op.name, args); err != nil {
				var de dataError
				if r.lenient && errors.As(err, &de) {
					v = undefined{} // the sample data, not the template, is at fault
					continue
				}
				return nil, r.errorf(ref.pos, "%v", err)
			}
		}
	}
	return v, nil
}

func (r *renderer) property(v any, name string) any {
	switch x := v.(type) {
	case contextObj:
		return contextObj(string(x) + name + ".")
	case inputObj:
		if name == "body" {
			return inputBody{}
		}
		return undefined{}
	case stageVars:
		return stageVar(name)
	case *foreachObj:
		switch name {
		case "index":
			return x.index
		case "count":
			return x.count
		case "hasNext":
			return x.hasNext
		case "first":
			return x.index == 0
		case "last":
			return !x.hasNext
		}
		return undefined{}
	}
	c := r.concrete(v)
	switch x := c.(type) {
	case *omap:
		if e, ok := x.m[name]; ok {
			return e
		}
	case map[string]any:
		if e, ok := x[name]; ok {
			return e
		}
	case []any:
		if name == "empty" {
			return len(x) == 0
		}
	case string:
		if name == "empty" {
			return x == ""
		}
	}
	// Java bean getters: $x.class, $x.size … are not emulated.
	return undefined{}
}

func (r *renderer) index(v any, k any) any {
	switch v.(type) {
	case contextObj, stageVars:
		return r.property(v, renderValue(k))
	}
	switch x := r.concrete(v).(type) {
	case []any:
		i, ok := toInt(k)
		if !ok {
			return undefined{}
		}
		if i < 0 {
			i += int64(len(x))
		}
		if i < 0 || i >= int64(len(x)) {
			return undefined{}
		}
		return x[i]
	case *omap, map[string]any:
		return r.property(x, renderValue(k))
	}
	return undefined{}
}

func (r *renderer) method(v any, name string, args []any) (any, error) {
	str := func(i int) (string, error) {
		if i >= len(args) {
			return "", fmt.Errorf("%s() needs %d argument(s)", name, i+1)
		}
		return renderValue(args[i]), nil
	}
	switch v.(type) {
	case inputObj:
		switch name {
		case "json", "path":
			p, err := str(0)
			if err != nil {
				return nil, err
			}
			res, found, err := jsonPath([]byte(r.data.Body), p)
			if err != nil {
				return nil, dataError{fmt.Errorf("$input.%s(%q): %v", name, p, err)}
			}
			if name == "json" {
				if !found {
					return rawJSON(""), nil
				}
				return rawJSON(mustJSON(res)), nil
			}
			if !found {
				return undefined{}, nil
			}
			return res, nil
		case "body":
			return r.data.Body, nil
		case "params":
			// WebSocket messages have no path, query string or headers.
			if len(args) == 0 {
				m := newOmap()
				for _, k := range []string{"path", "querystring", "header"} {
					m.set(k, newOmap())
				}
				return m, nil
			}
			return "", nil
		}
		return nil, fmt.Errorf("method $input.%s() is not supported (use $input.body, $input.json('$.x'), $input.path('$.x'))", name)
	case utilObj:
		s, err := str(0)
		if err != nil {
			return nil, err
		}
		switch name {
		case "escapeJavaScript":
			return escapeJavaScript(s), nil
		case "urlEncode":
			return url.QueryEscape(s), nil
		case "urlDecode":
			d, err := url.QueryUnescape(s)
			if err != nil {
				return nil, dataError{fmt.Errorf("$util.urlDecode: %v", err)}
			}
			return d, nil
		case "base64Encode":
			return base64.StdEncoding.EncodeToString([]byte(s)), nil
		case "base64Decode":
			d, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, dataError{fmt.Errorf("$util.base64Decode: %v", err)}
			}
			return string(d), nil
		case "parseJson":
			x, err := decodeOrdered([]byte(s))
			if err != nil {
				return nil, dataError{fmt.Errorf("$util.parseJson: %v", err)}
			}
			return x, nil
		}
		return nil, fmt.Errorf("method $util.%s() is not supported (API Gateway has escapeJavaScript, parseJson, urlEncode, urlDecode, base64Encode, base64Decode)", name)
	}
	c := r.concrete(v)
	if _, undef := c.(undefined); undef {
		return undefined{}, nil // a method on null is null in Velocity
	}
	return callMethod(c, name, args)
}

// callMethod runs the Java method templates call on a value.
func callMethod(c any, name string, args []any) (any, error) {
	arg := func(i int) (any, error) {
		if i >= len(args) {
			return nil, fmt.Errorf("%s() needs %d argument(s)", name, i+1)
		}
		return args[i], nil
	}
	sarg := func(i int) (string, error) {
		a, err := arg(i)
		return renderValue(a), err
	}
	switch name {
	case "size", "length", "count":
		switch x := c.(type) {
		case string:
			return int64(utf8.RuneCountInString(x)), nil
		case []any:
			return int64(len(x)), nil
		case *omap:
			return int64(len(x.keys)), nil
		case keyList:
			return int64(len(x)), nil
		}
		return int64(0), nil
	case "isEmpty":
		n, _ := callMethod(c, "size", nil)
		return n == int64(0), nil
	case "toString":
		return renderValue(c), nil
	case "get":
		k, err := arg(0)
		if err != nil {
			return nil, err
		}
		switch x := c.(type) {
		case []any:
			if i, ok := toInt(k); ok && i >= 0 && i < int64(len(x)) {
				return x[i], nil
			}
			return undefined{}, nil
		case *omap:
			if e, ok := x.m[renderValue(k)]; ok {
				return e, nil
			}
		}
		return undefined{}, nil
	case "containsKey":
		k, err := sarg(0)
		if err != nil {
			return nil, err
		}
		if m, ok := c.(*omap); ok {
			_, has := m.m[k]
			return has, nil
		}
		return false, nil
	case "keySet":
		if m, ok := c.(*omap); ok {
			return keyList(append([]string(nil), m.keys...)), nil
		}
		return keyList(nil), nil
	case "values":
		if m, ok := c.(*omap); ok {
			out := make([]any, len(m.keys))
			for i, k := range m.keys {
				out[i] = m.m[k]
			}
			return out, nil
		}
		return []any{}, nil
	case "contains":
		a, err := arg(0)
		if err != nil {
			return nil, err
		}
		switch x := c.(type) {
		case string:
			return strings.Contains(x, renderValue(a)), nil
		case []any:
			for _, e := range x {
				if equal(e, a) {
					return true, nil
				}
			}
			return false, nil
		case keyList:
			for _, e := range x {
				if e == renderValue(a) {
					return true, nil
				}
			}
			return false, nil
		}
		return false, nil
	case "add":
		// List.add mutates the list; templates use it as
		// #set($ok = $list.add($x)). Lists are values here, so the
		// change is visible through the variable only when it holds
		// this very slice; not emulated.
		return nil, errors.New("add() is not supported: build lists with literals, e.g. [$a, $b]")
	case "equals":
		a, err := arg(0)
		if err != nil {
			return nil, err
		}
		return equal(c, a), nil
	}
	s, isStr := c.(string)
	if !isStr {
		switch x := c.(type) {
		case int64, float64, bool, rawJSON:
			s = renderValue(x)
		default:
			return nil, fmt.Errorf("method %s() is not supported on %s", name, kindOf(c))
		}
	}
	switch name {
	case "toLowerCase":
		return strings.ToLower(s), nil
	case "toUpperCase":
		return strings.ToUpper(s), nil
	case "trim":
		return strings.TrimSpace(s), nil
	case "startsWith", "endsWith", "indexOf", "lastIndexOf", "equalsIgnoreCase", "concat", "split", "matches":
		a, err := sarg(0)
		if err != nil {
			return nil, err
		}
		switch name {
		case "startsWith":
			return strings.HasPrefix(s, a), nil
		case "endsWith":
			return strings.HasSuffix(s, a), nil
		case "indexOf":
			i := strings.Index(s, a)
			if i < 0 {
				return int64(-1), nil
			}
			return int64(utf8.RuneCountInString(s[:i])), nil
		case "lastIndexOf":
			i := strings.LastIndex(s, a)
			if i < 0 {
				return int64(-1), nil
			}
			return int64(utf8.RuneCountInString(s[:i])), nil
		case "equalsIgnoreCase":
			return strings.EqualFold(s, a), nil
		case "concat":
			return s + a, nil
		case "split":
			re, err := javaRegexp(a)
			if err != nil {
				return nil, err
			}
			parts := re.Split(s, -1)
			for len(parts) > 0 && parts[len(parts)-1] == "" { // Java drops trailing empty strings
				parts = parts[:len(parts)-1]
			}
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = p
			}
			return out, nil
		case "matches":
			re, err := javaRegexp("^(?:" + a + ")$")
			if err != nil {
				return nil, err
			}
			return re.MatchString(s), nil
		}
	case "replace", "replaceAll", "replaceFirst":
		a, err := sarg(0)
		if err != nil {
			return nil, err
		}
		b, err := sarg(1)
		if err != nil {
			return nil, err
		}
		if name == "replace" {
			return strings.ReplaceAll(s, a, b), nil
		}
		re, err := javaRegexp(a)
		if err != nil {
			return nil, err
		}
		repl := javaReplacement(b)
		if name == "replaceAll" {
			return re.ReplaceAllString(s, repl), nil
		}
		done := false
		return re.ReplaceAllStringFunc(s, func(m string) string {
			if done {
				return m
			}
			done = true
			return re.ReplaceAllString(m, repl)
		}), nil
	case "substring", "charAt":
		a, err := arg(0)
		if err != nil {
			return nil, err
		}
		rs := []rune(s)
		from, ok := toInt(a)
		if !ok || from < 0 || from > int64(len(rs)) {
			return nil, dataError{fmt.Errorf("%s(%v): index out of range for a %d-character string", name, a, len(rs))}
		}
		if name == "charAt" {
			if from >= int64(len(rs)) {
				return nil, dataError{fmt.Errorf("charAt(%d): index out of range", from)}
			}
			return string(rs[from]), nil
		}
		to := int64(len(rs))
		if len(args) > 1 {
			if to, ok = toInt(args[1]); !ok || to < from || to > int64(len(rs)) {
				return nil, dataError{fmt.Errorf("substring(%d, %v): index out of range for a %d-character string", from, args[1], len(rs))}
			}
		}
		return string(rs[from:to]), nil
	}
	return nil, fmt.Errorf("method %s() is not supported by the emulator", name)
}

func kindOf(v any) string {
	switch v.(type) {
	case []any, keyList:
		return "a list"
	case *omap:
		return "a map"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// javaRegexp compiles a Java regular expression (the common subset RE2
// shares with it).
func javaRegexp(s string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %v (RE2 syntax: no lookaround or backreferences)", s, err)
	}
	return re, nil
}

// javaReplacement turns Java's replacement syntax ($1, \$) into Go's.
func javaReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case c == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
		case c == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
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
	case inputObj, utilObj, stageVars, *foreachObj:
		return undefined{}
	}
	return v
}

// rawJSON is JSON text that renders as is.
type rawJSON string

// MarshalJSON returns the text unchanged.
func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// renderValue is how a value appears in the output: Java's toString.
func renderValue(v any) string {
	switch x := v.(type) {
	case undefined, nil:
		return ""
	case string:
		return x
	case rawJSON:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0" // Java's Double.toString
		}
		return s
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = renderValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case keyList:
		return "[" + strings.Join(x, ", ") + "]"
	case *omap:
		parts := make([]string, len(x.keys))
		for i, k := range x.keys {
			parts[i] = k + "=" + renderValue(x.m[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case map[string]any:
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

// omap is a JSON object that keeps its keys' order (Jayway JsonPath, which
// API Gateway uses, returns LinkedHashMaps).
type omap struct {
	keys []string
	m    map[string]any
}

func newOmap() *omap { return &omap{m: map[string]any{}} }

func (o *omap) set(k string, v any) {
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

// MarshalJSON writes the object with its keys in their original order.
func (o *omap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(mustJSON(k))
		b.WriteByte(':')
		b.WriteString(mustJSON(o.m[k]))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// decodeOrdered parses one JSON document into ordered maps, []any, string,
// bool, nil, int64 (whole numbers that fit), float64 (when exact) or
// rawJSON (other numbers, kept as written).
func decodeOrdered(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("extra data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > 1000 {
		return nil, errors.New("JSON nested too deeply")
	}
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			m := newOmap()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				m.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			l := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return l, nil
		}
		return nil, fmt.Errorf("unexpected %v", x)
	case json.Number:
		if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return n, nil
		}
		if f, err := x.Float64(); err == nil && strconv.FormatFloat(f, 'f', -1, 64) == x.String() {
			return f, nil
		}
		return rawJSON(x.String()), nil
	}
	return t, nil
}

// escapeJavaScript escapes s like $util.escapeJavaScript (Apache Commons
// StringEscapeUtils.escapeJavaScript): quotes, backslash, slash and control
// characters get backslash escapes; other non-ASCII becomes \uXXXX.
func escapeJavaScript(s string) string {
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

// jsonPath evaluates the subset of jsonPath API Gateway templates use
// ("$", "$.a.b", "$['a']", "$.list[0]") against a JSON document. found is
// false when the path does not resolve; err reports invalid JSON or an
// invalid path.
func jsonPath(doc []byte, path string) (v any, found bool, err error) {
	root, err := decodeOrdered(doc)
	if err != nil {
		return nil, false, fmt.Errorf("body is not JSON: %v", err)
	}
	p := strings.TrimSpace(path)
	if !strings.HasPrefix(p, "$") {
		return nil, false, fmt.Errorf("JSONPath %q must start with $", path)
	}
	p = p[1:]
	cur := root
	for p != "" {
		var key string
		idx := -1
		switch p[0] {
		case '.':
			p = p[1:]
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			key, p = p[:end], p[end:]
			if key == "" {
				return nil, false, fmt.Errorf("JSONPath %q: empty name", path)
			}
		case '[':
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
		m, ok := cur.(*omap)
		if !ok {
			return nil, false, nil
		}
		if cur, ok = m.m[key]; !ok {
			return nil, false, nil
		}
	}
	return cur, true, nil
}

// evalSelectionExpression evaluates a route or template selection
// expression against a message body: "$request.body.action",
// "${request.body.a}/${request.body.b}", "\$default" or a static key. ok is
// false when the expression refers to the body and the body is not JSON.
// Paths that do not resolve render as "", arrays as "[a, b]".
func evalSelectionExpression(expr string, body []byte) (key string, ok bool) {
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
		v, found, err := jsonPath(doc, "$"+path)
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
	case *omap:
		parts := make([]string, len(x.keys))
		for i, k := range x.keys {
			parts[i] = k + "=" + stringifySelection(x.m[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return renderValue(v)
}

// selectRoute picks the route key for a client message: the value of the
// API's RouteSelectionExpression if a route has that key, else "$default"
// if the API has it; ok is false when neither exists (the client then gets
// a Forbidden error frame). Non-JSON messages go to "$default".
func selectRoute(api *API, body []byte) (key string, ok bool) {
	k, valid := evalSelectionExpression(api.RouteSelectionExpression, body)
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
