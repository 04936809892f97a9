package vm

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
)

// Computed declares computed properties: methods of the form func() T whose
// result is sent to the client as read-only state. Declare them with a blank
// field tagged with their names:
//
//	type HelloWorldVM struct {
//		vm.Base
//		FirstName, LastName string
//		_ vm.Computed `vm:"FullName"`
//	}
//
//	func (v *HelloWorldVM) FullName() string { return v.FirstName + " " + v.LastName }
//
// A method not named in a Computed or [Commands] tag is never sent to a
// client nor called by one.
type Computed struct{}

// Commands declares commands: methods of the form
// func([context.Context], [Arg]) [error] that a client calls with
// $dispatch({Name: arg}). Declare them with a blank field tagged with their
// names:
//
//	_ vm.Commands `vm:"Submit,Reset"`
//
// Exported fields of func type are commands too (they are declared by being
// fields); a method not named in a Commands or [Computed] tag is never
// called by a client.
type Commands struct{}

// member kinds
const (
	kindField   = iota // exported field: state, settable
	kindFunc           // exported func-typed field: command, serialized as null
	kindGetter         // declared computed method func() T: read-only state
	kindCommand        // declared command method: serialized as null
)

type member struct {
	name      string // JSON name
	kind      int
	index     []int        // field index path (fields)
	method    int          // method index on the pointer type (getters, commands)
	getter    int          // a computed property's index in typeInfo.getters
	setter    int          // index of SetX method, or -1
	itemKey   string       // list item key (`vm:"itemKey=Id"`)
	typ       reflect.Type // field type, getter result, or command argument (nil: none)
	withCtx   bool         // command/setter takes context.Context first
	retErr    bool         // command/setter returns error
	transient bool         // not restored from snapshots (`vm:"transient"`)
}

type typeInfo struct {
	name      string
	members   []*member
	byName    map[string]*member
	multicast bool
	getters   []*member // the computed properties
	// methods are the exported methods that are not the client's (not
	// declared): a dispatch naming one is refused with an exception,
	// rather than ignored like other unknown names.
	methods map[string]bool
}

type cached struct {
	ti  *typeInfo
	err error
}

var (
	ctxType       = reflect.TypeFor[context.Context]()
	errType       = reflect.TypeFor[error]()
	computedType  = reflect.TypeFor[Computed]()
	commandsType  = reflect.TypeFor[Commands]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	typeCache     sync.Map // reflect.Type (pointer) -> cached
)

// hooks lists method names that are never commands or computed properties:
// the optional hooks and a few conventional methods.
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

// typeInfoOf returns the reflected description of a VM pointer type, or
// the reason the type is not a valid view model.
func typeInfoOf(pt reflect.Type) (*typeInfo, error) {
	if c, ok := typeCache.Load(pt); ok {
		return c.(cached).ti, c.(cached).err
	}
	ti, err := buildTypeInfo(pt)
	actual, _ := typeCache.LoadOrStore(pt, cached{ti, err})
	return actual.(cached).ti, actual.(cached).err
}

// Check reports whether v's type is a valid view model: every declared
// command and computed property exists with a supported signature, every
// state field can be serialized, every item key names a field. The error
// names the type and member and says how to fix it. [Register] runs it.
func Check(v VM) error {
	if v == nil {
		return fmt.Errorf("vm: nil view model")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Type().Elem().Kind() != reflect.Struct {
		return fmt.Errorf("vm: %T is not a pointer to a struct embedding vm.Base", v)
	}
	_, err := typeInfoOf(rv.Type())
	return err
}

func buildTypeInfo(pt reflect.Type) (*typeInfo, error) {
	st := pt.Elem()
	_, mc := reflect.Zero(pt).Interface().(multicaster)
	ti := &typeInfo{name: st.Name(), byName: map[string]*member{}, multicast: mc}
	fail := func(format string, args ...any) (*typeInfo, error) {
		return nil, fmt.Errorf("vm: view model %s: "+format, append([]any{st.Name()}, args...)...)
	}
	baseT := reflect.TypeFor[Base]()
	mcT := reflect.TypeFor[Multicast]()
	var computed, commands []string
	// The declarations: blank fields of the struct itself (reflect's
	// VisibleFields hides a second field named "_").
	for j := 0; j < st.NumField(); j++ {
		f := st.Field(j)
		if f.Type != computedType && f.Type != commandsType {
			continue
		}
		names := splitNames(f.Tag.Get("vm"))
		if len(names) == 0 {
			return fail("the %s field has no names: tag it like `vm:\"Name1,Name2\"`", f.Type.Name())
		}
		if f.Type == computedType {
			computed = append(computed, names...)
		} else {
			commands = append(commands, names...)
		}
	}
	for _, f := range reflect.VisibleFields(st) {
		if f.Type == computedType || f.Type == commandsType {
			continue
		}
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
			if _, _, _, ok := funcShape(f.Type, 0); !ok {
				return fail("field %s is a %s, which is not a command: a command field is func([context.Context], [Arg]) [error] (hide the field with `vm:\"-\"` if it is not meant for the client)", f.Name, f.Type)
			}
		} else {
			m.kind = kindField
			if err := checkJSON(f.Type, f.Name, map[reflect.Type]bool{}); err != nil {
				return fail("field %s cannot be sent to the client: %v; hide it with `vm:\"-\"` or change its type", f.Name, err)
			}
		}
		for _, opt := range strings.Split(f.Tag.Get("vm"), ",") {
			if k, ok := strings.CutPrefix(strings.TrimSpace(opt), "itemKey="); ok {
				m.itemKey = k
				if err := checkItemKey(f.Type, k); err != nil {
					return fail("field %s: itemKey=%s: %v", f.Name, k, err)
				}
			}
			if strings.TrimSpace(opt) == "transient" {
				m.transient = true
			}
		}
		if err := ti.add(m); err != nil {
			return fail("%v", err)
		}
	}
	method := func(name, what string) (reflect.Method, bool, error) {
		if hooks[name] {
			return reflect.Method{}, false, fmt.Errorf("%s is a hook, not a %s: remove it from the tag", name, what)
		}
		meth, ok := pt.MethodByName(name)
		if !ok || promoted(meth) {
			return meth, false, fmt.Errorf("%s is declared as a %s but %s has no method %s", name, what, pt, name)
		}
		return meth, true, nil
	}
	for _, name := range computed {
		meth, _, err := method(name, "computed property")
		if err != nil {
			return fail("%v", err)
		}
		mt := meth.Type // includes the receiver
		if mt.NumIn() != 1 || mt.NumOut() != 1 || mt.Out(0) == errType {
			return fail("computed property %s has type %s; it must be func() T with T not error", name, mt)
		}
		if err := checkJSON(mt.Out(0), name, map[reflect.Type]bool{}); err != nil {
			return fail("computed property %s cannot be sent to the client: %v", name, err)
		}
		g := &member{name: name, kind: kindGetter, method: meth.Index, typ: mt.Out(0), setter: -1, getter: len(ti.getters)}
		if err := ti.add(g); err != nil {
			return fail("%v", err)
		}
		ti.getters = append(ti.getters, g)
	}
	for _, name := range commands {
		meth, _, err := method(name, "command")
		if err != nil {
			return fail("%v", err)
		}
		arg, withCtx, retErr, ok := commandShape(meth.Type)
		if !ok {
			return fail("command %s has type %s; a command must be func([context.Context], [Arg]) [error]: one argument at most (use a struct for several), and no result but an error", name, meth.Type)
		}
		if err := ti.add(&member{name: name, kind: kindCommand, method: meth.Index, typ: arg, withCtx: withCtx, retErr: retErr, setter: -1}); err != nil {
			return fail("%v", err)
		}
	}
	// Setters: SetX for a declared property X (a field or a computed one).
	for i := 0; i < pt.NumMethod(); i++ {
		meth := pt.Method(i)
		prop, ok := strings.CutPrefix(meth.Name, "Set")
		if !ok || prop == "" || !unicode.IsUpper(rune(prop[0])) || promoted(meth) {
			continue
		}
		m := ti.byName[prop]
		if m == nil || (m.kind != kindField && m.kind != kindGetter) {
			continue // an ordinary method: not the client's
		}
		arg, _, _, ok := commandShape(meth.Type)
		if !ok || arg == nil {
			return fail("%s looks like the setter of property %s but has type %s; a setter is func([context.Context], T) [error] (rename the method if it is not a setter)", meth.Name, prop, meth.Type)
		}
		m.setter = i
	}
	for i := 0; i < pt.NumMethod(); i++ {
		meth := pt.Method(i)
		if ti.byName[meth.Name] == nil && !promoted(meth) {
			if ti.methods == nil {
				ti.methods = map[string]bool{}
			}
			ti.methods[meth.Name] = true
		}
	}
	return ti, nil
}

func splitNames(tag string) []string {
	var out []string
	for _, n := range strings.Split(tag, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func (ti *typeInfo) add(m *member) error {
	if _, dup := ti.byName[m.name]; dup {
		return fmt.Errorf("two members are named %q: rename one (or give a field another `json` name)", m.name)
	}
	ti.members = append(ti.members, m)
	ti.byName[m.name] = m
	return nil
}

// checkJSON reports why values of t cannot be encoded as JSON, or nil.
// Interfaces are checked when encoded, not here.
func checkJSON(t reflect.Type, path string, seen map[reflect.Type]bool) error {
	if seen[t] {
		return nil
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer:
		return fmt.Errorf("%s is a %s, which JSON cannot encode", path, t)
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return checkJSON(t.Elem(), path+"[]", seen)
	case reflect.Map:
		k := t.Key()
		switch {
		case k.Kind() == reflect.String, k.Kind() >= reflect.Int && k.Kind() <= reflect.Uintptr,
			k.Implements(textMarshaler), reflect.PointerTo(k).Implements(textMarshaler):
		default:
			return fmt.Errorf("%s is a %s, whose key type JSON cannot encode", path, t)
		}
		return checkJSON(t.Elem(), path+"[key]", seen)
	case reflect.Struct:
		seen[t] = true
		for _, f := range reflect.VisibleFields(t) {
			if !f.IsExported() || f.Anonymous {
				continue
			}
			if f.Tag.Get("json") == "-" {
				continue
			}
			if err := checkJSON(f.Type, path+"."+f.Name, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkItemKey reports why key cannot be the item key of a list of type t.
func checkItemKey(t reflect.Type, key string) error {
	if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
		return fmt.Errorf("an item key needs a list (slice or array), not %s", t)
	}
	et := t.Elem()
	for et.Kind() == reflect.Pointer {
		et = et.Elem()
	}
	switch et.Kind() {
	case reflect.Struct:
		for _, f := range reflect.VisibleFields(et) {
			if !f.IsExported() || f.Anonymous {
				continue
			}
			if n, skip := jsonName(f); !skip && n == key {
				return nil
			}
		}
		return fmt.Errorf("the items (%s) have no field whose JSON name is %q: name an existing field", et, key)
	case reflect.Map, reflect.Interface:
		return nil // checked per item
	}
	return fmt.Errorf("the items (%s) are not structs, so they have no key field", et)
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
	if mt.IsVariadic() {
		return nil, false, false, false
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
