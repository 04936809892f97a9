package examples

import (
	"slices"
	"testing"
)

func TestControlTypes(t *testing.T) {
	h := newHub(t, quiet)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	const id = "ControlTypesVM"

	s := c.request(id, nil)
	keys(t, s, "TextBoxValue", "TextBoxPlaceHolder", "TextBoxResult", "SearchBox", "SearchBoxPlaceHolder",
		"SearchResults", "ShowMeCheckBox", "EnableMeCheckBox", "CheckBoxResult", "SimpleDropDownOptions",
		"SimpleDropDownValue", "SimpleDropDownResult", "DropDownCaption", "DropDownOptions", "DropDownValue",
		"DropDownResult", "RadioButtonValue", "RadioButtonStyle", "ButtonClicked", "ClickCount")
	eq(t, "TextBoxPlaceHolder", get[string](t, s, "TextBoxPlaceHolder"), "Type something here")
	eq(t, "TextBoxResult", string(s["TextBoxResult"]), "null")
	eq(t, "SearchResults", string(s["SearchResults"]), "[]")
	eq(t, "ShowMeCheckBox", get[bool](t, s, "ShowMeCheckBox"), true)
	eq(t, "CheckBoxResult", get[string](t, s, "CheckBoxResult"), "Enabled")
	eq(t, "SimpleDropDownOptions", mustJSON(get[[]string](t, s, "SimpleDropDownOptions")), `["One","Two","Three","Four"]`)
	eq(t, "DropDownOptions", string(s["DropDownOptions"]),
		`[{"Id":1,"Text":"Object One"},{"Id":2,"Text":"Object Two"},{"Id":3,"Text":"Object Three"},{"Id":4,"Text":"Object Four"}]`)
	eq(t, "DropDownValue", get[int](t, s, "DropDownValue"), 0)
	eq(t, "RadioButtonStyle", get[string](t, s, "RadioButtonStyle"), "label-success")
	eq(t, "ClickCount", get[int](t, s, "ClickCount"), 0)

	react := func(value map[string]any, wantKeys ...string) map[string]any {
		t.Helper()
		d := only(t, c.dispatch(id, value), id)
		keys(t, d, wantKeys...)
		out := map[string]any{}
		for _, k := range wantKeys {
			out[k] = get[any](t, d, k)
		}
		return out
	}
	eq(t, "TextBoxResult", react(map[string]any{"TextBoxValue": "testing"}, "TextBoxResult")["TextBoxResult"], any("You typed: testing"))
	r := react(map[string]any{"SearchBox": "m"}, "SearchResults")["SearchResults"].([]any)
	if !slices.Equal(r, []any{"Mercury", "Mars"}) {
		t.Fatalf("SearchResults %v", r)
	}
	r = react(map[string]any{"SearchBox": "ma"}, "SearchResults")["SearchResults"].([]any)
	if !slices.Equal(r, []any{"Mars"}) {
		t.Fatalf("SearchResults %v", r)
	}
	eq(t, "CheckBoxResult", react(map[string]any{"EnableMeCheckBox": false}, "CheckBoxResult")["CheckBoxResult"], any("Disabled"))
	eq(t, "CheckBoxResult", react(map[string]any{"EnableMeCheckBox": true}, "CheckBoxResult")["CheckBoxResult"], any("Enabled"))
	eq(t, "SimpleDropDownResult", react(map[string]any{"SimpleDropDownValue": "Two"}, "SimpleDropDownResult")["SimpleDropDownResult"], any("You selected: Two"))
	// The client sends the option id as a string; the reaction also
	// carries DropDownValue, because 3 differs from the "3" sent.
	eq(t, "DropDownResult", react(map[string]any{"DropDownValue": "3"}, "DropDownValue", "DropDownResult")["DropDownResult"], any("You selected: Object Three"))
	eq(t, "RadioButtonStyle", react(map[string]any{"RadioButtonValue": "yellow"}, "RadioButtonStyle")["RadioButtonStyle"], any("label-warning"))
	eq(t, "RadioButtonStyle", react(map[string]any{"RadioButtonValue": "green"}, "RadioButtonStyle")["RadioButtonStyle"], any("label-success"))
	eq(t, "ButtonClicked", get[bool](t, s, "ButtonClicked"), false)
	// ButtonClicked reads false again: the reaction says so.
	eq(t, "ClickCount", react(map[string]any{"ButtonClicked": true}, "ButtonClicked", "ClickCount")["ClickCount"], any(1.0))
	eq(t, "ClickCount", react(map[string]any{"ButtonClicked": true}, "ButtonClicked", "ClickCount")["ClickCount"], any(2.0))

	// An unknown option id is an exception, and the value stays.
	d := only(t, c.dispatch(id, map[string]any{"DropDownValue": 9}), id)
	eq(t, "ExceptionType", get[string](t, d, "ExceptionType"), "InvalidOperationException")
	s = c.request(id, nil) // an existing vmId: the full state again
	eq(t, "DropDownValue", get[int](t, s, "DropDownValue"), 3)

	c.conn.Close()
	waitVMs(t, h, 0)
}
