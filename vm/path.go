package vm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// setPath sets the value at segs below v. listKey is the item key of v when
// v is a list. It returns the list item that was changed when the first
// segment selected one ("$key"), and whether the path resolved.
func setPath(v reflect.Value, listKey string, segs []string, raw json.RawMessage, path string) (item reflect.Value, ok bool, err error) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}, false, nil
		}
		v = v.Elem()
	}
	seg := segs[0]
	last := len(segs) == 1
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		key, isKey := strings.CutPrefix(seg, "$")
		if !isKey {
			return reflect.Value{}, false, nil
		}
		for j := 0; j < v.Len(); j++ {
			it := v.Index(j)
			if !itemHasKey(it, listKey, key) {
				continue
			}
			if last {
				nv, err := convert(raw, it.Type(), path)
				if err != nil {
					return reflect.Value{}, false, err
				}
				it.Set(nv)
				return it, true, nil
			}
			if _, ok, err := setPath(it, "", segs[1:], raw, path); !ok || err != nil {
				return reflect.Value{}, ok, err
			}
			return it, true, nil
		}
		return reflect.Value{}, false, nil
	case reflect.Struct:
		f, fkey, found := fieldByJSONName(v, seg)
		if !found {
			return reflect.Value{}, false, nil
		}
		if last {
			if !f.CanSet() {
				return reflect.Value{}, false, nil
			}
			nv, err := convert(raw, f.Type(), path)
			if err != nil {
				return reflect.Value{}, false, err
			}
			f.Set(nv)
			return reflect.Value{}, true, nil
		}
		_, ok, err := setPath(f, fkey, segs[1:], raw, path)
		return reflect.Value{}, ok, err
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.IsNil() {
			return reflect.Value{}, false, nil
		}
		k := reflect.ValueOf(seg).Convert(v.Type().Key())
		if last {
			nv, err := convert(raw, v.Type().Elem(), path)
			if err != nil {
				return reflect.Value{}, false, err
			}
			v.SetMapIndex(k, nv)
			return reflect.Value{}, true, nil
		}
		e := v.MapIndex(k)
		if !e.IsValid() {
			return reflect.Value{}, false, nil
		}
		cp := reflect.New(e.Type()).Elem()
		cp.Set(e)
		if _, ok, err := setPath(cp, "", segs[1:], raw, path); !ok || err != nil {
			return reflect.Value{}, ok, err
		}
		v.SetMapIndex(k, cp)
		return reflect.Value{}, true, nil
	}
	return reflect.Value{}, false, nil
}

// fieldByJSONName finds an exported field of struct v by its JSON name.
func fieldByJSONName(v reflect.Value, name string) (reflect.Value, string, bool) {
	for _, sf := range reflect.VisibleFields(v.Type()) {
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		if n, skip := jsonName(sf); !skip && n == name {
			return v.FieldByIndex(sf.Index), itemKeyTag(sf), true
		}
	}
	return reflect.Value{}, "", false
}

func itemKeyTag(sf reflect.StructField) string {
	for _, opt := range strings.Split(sf.Tag.Get("vm"), ",") {
		if k, ok := strings.CutPrefix(strings.TrimSpace(opt), "itemKey="); ok {
			return k
		}
	}
	return ""
}

// itemHasKey reports whether the list item's key field (listKey) has the
// string form key. dotNetify compares loosely, so 2 matches "2".
func itemHasKey(it reflect.Value, listKey, key string) bool {
	if listKey == "" {
		return false
	}
	for it.Kind() == reflect.Pointer || it.Kind() == reflect.Interface {
		if it.IsNil() {
			return false
		}
		it = it.Elem()
	}
	var kv reflect.Value
	switch it.Kind() {
	case reflect.Struct:
		f, _, ok := fieldByJSONName(it, listKey)
		if !ok {
			return false
		}
		kv = f
	case reflect.Map:
		if it.Type().Key().Kind() != reflect.String {
			return false
		}
		kv = it.MapIndex(reflect.ValueOf(listKey).Convert(it.Type().Key()))
		if !kv.IsValid() {
			return false
		}
	default:
		return false
	}
	return looseString(kv) == key
}

func looseString(v reflect.Value) string {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	}
	return fmt.Sprint(v.Interface())
}

// convert decodes raw into a value of type t, as leniently as dotNetify: a
// JSON string holding a number sets a number, a number or bool sets a
// string, a JSON string holding an object or array sets a struct, map or
// slice. Anything else that does not fit is an ArgumentException.
func convert(raw json.RawMessage, t reflect.Type, path string) (reflect.Value, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("null")
	}
	p := reflect.New(t)
	err := json.Unmarshal(raw, p.Interface())
	if err == nil {
		return p.Elem(), nil
	}
	raw = bytes.TrimSpace(raw)
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	switch {
	case raw[0] == '"' && base.Kind() != reflect.String:
		var s string
		if json.Unmarshal(raw, &s) == nil {
			p = reflect.New(t)
			if json.Unmarshal([]byte(strings.TrimSpace(s)), p.Interface()) == nil {
				return p.Elem(), nil
			}
		}
	case base.Kind() == reflect.String && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') || raw[0] == 't' || raw[0] == 'f'):
		p = reflect.New(t)
		q, _ := json.Marshal(string(raw))
		if json.Unmarshal(q, p.Interface()) == nil {
			return p.Elem(), nil
		}
	}
	return reflect.Value{}, &Exception{Type: "ArgumentException", Message: fmt.Sprintf("cannot set %q: value %s is not a %s", path, truncate(raw, 64), t)}
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
