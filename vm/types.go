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
	name      string // JSON name
	kind      int
	index     []int        // field index path (fields)
	method    int          // method index on the pointer type (getters, commands)
	setter    int          // index of SetX method, or -1
	itemKey   string       // list item key (`vm:"itemKey=Id"`)
	typ       reflect.Type // field type, getter result, or command argument (nil: none)
	withCtx   bool         // command/setter takes context.Context first
	retErr    bool         // command/setter returns error
	transient bool         // not restored from snapshots (`vm:"transient"`)
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

// hooks lists method names that are never commands or getters: the
// optional hooks and a few conventional methods.
var hooks = map[string]bool{
	"OnCreated": true, "Dispose": true, "GetSubVM": true, "OnSubVMCreated": true,
	"OnSubVMDisposing": true, "GroupName": true, "OnLeave": true, "RestoreState": true, "String": true,
	"MarshalJSON": true, "UnmarshalJSON": true, "Error": true,
}

// baseMethods are the methods of Multicast (and so of Base) by name.
var baseMethods = func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	t := reflect.TypeFor[*Multicast]()
	for i := 0; i < t.NumMethod(); i++ {
		m[t.Method(i).Name] = t.Method(i).Type
	}
	return m
}()

// promoted reports whether a method of a VM type is one of Base's own (it
// has a Base method's name and signature). A VM may define a command with
// the name of a Base method, such as Update(item), which shadows it.
func promoted(meth reflect.Method) bool {
	bt, ok := baseMethods[meth.Name]
	if !ok || bt.NumIn() != meth.Type.NumIn() || bt.NumOut() != meth.Type.NumOut() {
		return false
	}
	for i := 1; i < bt.NumIn(); i++ {
		if bt.In(i) != meth.Type.In(i) {
			return false
		}
	}
	for i := 0; i < bt.NumOut(); i++ {
		if bt.Out(i) != meth.Type.Out(i) {
			return false
		}
	}
	return true
}

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
			if strings.TrimSpace(opt) == "transient" {
				m.transient = true
			}
		}
		ti.add(m)
	}
	// Methods: getters and commands, then setters.
	setters := map[string]int{}
	for i := 0; i < pt.NumMethod(); i++ {
		meth := pt.Method(i)
		if hooks[meth.Name] || promoted(meth) {
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
