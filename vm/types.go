package vm

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"unicode"
)

// member kinds
const (
	kindField   = iota // exported field: state, settable
	kindFunc           // exported func-typed field: command, serialized as null
	kindGetter         // method func() T: computed, read-only state
	kindCommand        // method func([ctx], [arg]) [error]: command, serialized as null
)

type member struct {
	name    string // JSON name
	kind    int
	index   []int        // field index path (fields)
	method  int          // method index on the pointer type (getters, commands)
	setter  int          // index of SetX method, or -1
	itemKey string       // list item key (`vm:"itemKey=Id"`)
	typ     reflect.Type // field type, getter result, or command argument (nil: none)
	withCtx bool         // command/setter takes context.Context first
	retErr  bool         // command/setter returns error
}

type typeInfo struct {
	name    string
	members []*member
	byName  map[string]*member
}

var (
	ctxType   = reflect.TypeFor[context.Context]()
	errType   = reflect.TypeFor[error]()
	typeCache sync.Map // reflect.Type (pointer) -> *typeInfo
)

// reserved lists method names that are never commands or getters: the
// methods of Multicast (and so of Base) and the optional hooks.
var reserved = func() map[string]bool {
	m := map[string]bool{
		"OnCreated": true, "Dispose": true, "GetSubVM": true, "OnSubVMCreated": true,
		"OnSubVMDisposing": true, "GroupName": true, "String": true, "MarshalJSON": true,
		"UnmarshalJSON": true, "Error": true,
	}
	t := reflect.TypeFor[*Multicast]()
	for i := 0; i < t.NumMethod(); i++ {
		m[t.Method(i).Name] = true
	}
	return m
}()

func typeInfoOf(pt reflect.Type) *typeInfo {
	if ti, ok := typeCache.Load(pt); ok {
		return ti.(*typeInfo)
	}
	ti := buildTypeInfo(pt)
	actual, _ := typeCache.LoadOrStore(pt, ti)
	return actual.(*typeInfo)
}

func buildTypeInfo(pt reflect.Type) *typeInfo {
	st := pt.Elem()
	ti := &typeInfo{name: st.Name(), byName: map[string]*member{}}
	baseT := reflect.TypeFor[Base]()
	mcT := reflect.TypeFor[Multicast]()
	for _, f := range reflect.VisibleFields(st) {
		if !f.IsExported() || f.Anonymous || f.Type == baseT || f.Type == mcT {
			continue
		}
		name, skip := jsonName(f)
		if skip {
			continue
		}
		m := &member{name: name, index: f.Index, typ: f.Type, setter: -1}
		if f.Type.Kind() == reflect.Func {
			m.kind = kindFunc
		} else {
			m.kind = kindField
		}
		for _, opt := range strings.Split(f.Tag.Get("vm"), ",") {
			if k, ok := strings.CutPrefix(strings.TrimSpace(opt), "itemKey="); ok {
				m.itemKey = k
			}
		}
		ti.add(m)
	}
	// Methods: getters and commands, then setters.
	setters := map[string]int{}
	for i := 0; i < pt.NumMethod(); i++ {
		meth := pt.Method(i)
		if reserved[meth.Name] {
			continue
		}
		mt := meth.Type // includes receiver
		if prop, ok := strings.CutPrefix(meth.Name, "Set"); ok && prop != "" && unicode.IsUpper(rune(prop[0])) {
			if _, _, _, ok := commandShape(mt); ok {
				setters[prop] = i
				continue
			}
		}
		if mt.NumIn() == 1 && mt.NumOut() == 1 && mt.Out(0) != errType {
			ti.add(&member{name: meth.Name, kind: kindGetter, method: i, typ: mt.Out(0), setter: -1})
			continue
		}
		if arg, withCtx, retErr, ok := commandShape(mt); ok {
			ti.add(&member{name: meth.Name, kind: kindCommand, method: i, typ: arg, withCtx: withCtx, retErr: retErr, setter: -1})
		}
	}
	for prop, i := range setters {
		if m := ti.byName[prop]; m != nil && (m.kind == kindField || m.kind == kindGetter) {
			m.setter = i
			continue
		}
		// A SetX without a property X is an ordinary command.
		mt := pt.Method(i).Type
		arg, withCtx, retErr, _ := commandShape(mt)
		ti.add(&member{name: pt.Method(i).Name, kind: kindCommand, method: i, typ: arg, withCtx: withCtx, retErr: retErr, setter: -1})
	}
	return ti
}

func (ti *typeInfo) add(m *member) {
	if _, dup := ti.byName[m.name]; dup {
		return
	}
	ti.members = append(ti.members, m)
	ti.byName[m.name] = m
}

// commandShape reports whether a method type (with receiver) is a command:
// func([context.Context], [T]) [error].
func commandShape(mt reflect.Type) (arg reflect.Type, withCtx, retErr, ok bool) {
	return funcShape(mt, 1)
}

// funcShape is commandShape for a func type whose first skip inputs are
// not arguments (1 for a method's receiver).
func funcShape(mt reflect.Type, skip int) (arg reflect.Type, withCtx, retErr, ok bool) {
	in := skip
	if mt.NumIn() > in && mt.In(in) == ctxType {
		withCtx = true
		in++
	}
	switch mt.NumIn() - in {
	case 0:
	case 1:
		arg = mt.In(in)
	default:
		return nil, false, false, false
	}
	switch mt.NumOut() {
	case 0:
	case 1:
		if mt.Out(0) != errType {
			return nil, false, false, false
		}
		retErr = true
	default:
		return nil, false, false, false
	}
	return arg, withCtx, retErr, true
}

// jsonName returns the JSON name of a field: its `json` tag name, else its
// Go name. `json:"-"` or `vm:"-"` hides it.
func jsonName(f reflect.StructField) (string, bool) {
	if f.Tag.Get("vm") == "-" {
		return "", true
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", true
	}
	if n, _, _ := strings.Cut(tag, ","); n != "" {
		return n, false
	}
	return f.Name, false
}

// marshalValue encodes v as JSON without HTML escaping, the way dotNetify's
// clients expect it.
func marshalValue(v any) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	s := sb.String()
	return []byte(s[:len(s)-1]), nil // drop Encode's newline
}
