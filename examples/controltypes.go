package examples

import (
	"strings"

	"github.com/gonetify/gonetify/vm"
)

// DropDownItem is an option of ControlTypesVM's object drop-down.
type DropDownItem struct {
	// Id identifies the option (DropDownValue).
	Id int
	// Text is the option's label.
	Text string
}

var (
	planets         = []string{"Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Neptune", "Uranus"}
	simpleDropDown  = []string{"One", "Two", "Three", "Four"}
	objectDropDowns = []DropDownItem{{1, "Object One"}, {2, "Object Two"}, {3, "Object Three"}, {4, "Object Four"}}
)

// ControlTypesVM is dotNetify's ControlTypes example: one property per kind
// of input control, each with a computed result.
type ControlTypesVM struct {
	vm.Base
	// TextBoxValue is the text box; it drives TextBoxResult.
	TextBoxValue string
	// SearchBox is the planet search text; it drives SearchResults.
	SearchBox string
	// ShowMeCheckBox is the "show me" check box.
	ShowMeCheckBox bool
	// EnableMeCheckBox is the "enable me" check box; it drives CheckBoxResult.
	EnableMeCheckBox bool
	// SimpleDropDownValue is the selected string option.
	SimpleDropDownValue string
	// DropDownValue is the Id of the selected object option (0: none).
	DropDownValue int
	// RadioButtonValue is "green" or "yellow".
	RadioButtonValue string
	// ClickCount counts the times ButtonClicked was dispatched.
	ClickCount int

	_ vm.Computed `vm:"TextBoxPlaceHolder,TextBoxResult,SearchBoxPlaceHolder,SearchResults,CheckBoxResult,SimpleDropDownOptions,SimpleDropDownResult,DropDownCaption,DropDownOptions,DropDownResult,RadioButtonStyle,ButtonClicked"`
}

// NewControlTypesVM returns a ControlTypesVM with the original defaults.
func NewControlTypesVM() *ControlTypesVM {
	return &ControlTypesVM{ShowMeCheckBox: true, EnableMeCheckBox: true, RadioButtonValue: "green"}
}

// TextBoxPlaceHolder is the text box's placeholder.
func (v *ControlTypesVM) TextBoxPlaceHolder() string { return "Type something here" }

// TextBoxResult echoes TextBoxValue, or is null when it is empty.
func (v *ControlTypesVM) TextBoxResult() *string {
	if v.TextBoxValue == "" {
		return nil
	}
	s := "You typed: " + v.TextBoxValue
	return &s
}

// SetTextBoxValue sets TextBoxValue, which changes TextBoxResult.
func (v *ControlTypesVM) SetTextBoxValue(s string) {
	v.TextBoxValue = s
	v.Changed("TextBoxResult")
}

// SearchBoxPlaceHolder is the search box's placeholder.
func (v *ControlTypesVM) SearchBoxPlaceHolder() string { return "Type a planet" }

// SearchResults lists the planets that start with SearchBox (ignoring
// case) without being equal to it.
func (v *ControlTypesVM) SearchResults() []string {
	out := []string{}
	q := strings.ToLower(v.SearchBox)
	if q == "" {
		return out
	}
	for _, p := range planets {
		if lp := strings.ToLower(p); strings.HasPrefix(lp, q) && lp != q {
			out = append(out, p)
		}
	}
	return out
}

// SetSearchBox sets SearchBox, which changes SearchResults.
func (v *ControlTypesVM) SetSearchBox(s string) {
	v.SearchBox = s
	v.Changed("SearchResults")
}

// SetShowMeCheckBox sets ShowMeCheckBox.
func (v *ControlTypesVM) SetShowMeCheckBox(b bool) {
	v.ShowMeCheckBox = b
	v.Changed("CheckBoxResult")
}

// SetEnableMeCheckBox sets EnableMeCheckBox, which changes CheckBoxResult.
func (v *ControlTypesVM) SetEnableMeCheckBox(b bool) {
	v.EnableMeCheckBox = b
	v.Changed("CheckBoxResult")
}

// CheckBoxResult is "Enabled" or "Disabled", after EnableMeCheckBox.
func (v *ControlTypesVM) CheckBoxResult() string {
	if v.EnableMeCheckBox {
		return "Enabled"
	}
	return "Disabled"
}

// SimpleDropDownOptions are the string options.
func (v *ControlTypesVM) SimpleDropDownOptions() []string { return simpleDropDown }

// SimpleDropDownResult describes SimpleDropDownValue, or is null.
func (v *ControlTypesVM) SimpleDropDownResult() *string {
	if v.SimpleDropDownValue == "" {
		return nil
	}
	s := "You selected: " + v.SimpleDropDownValue
	return &s
}

// SetSimpleDropDownValue sets SimpleDropDownValue, which changes
// SimpleDropDownResult.
func (v *ControlTypesVM) SetSimpleDropDownValue(s string) {
	v.SimpleDropDownValue = s
	v.Changed("SimpleDropDownResult")
}

// DropDownCaption is the object drop-down's caption.
func (v *ControlTypesVM) DropDownCaption() string { return "Select an item ..." }

// DropDownOptions are the object options, Ids 1 to 4.
func (v *ControlTypesVM) DropDownOptions() []DropDownItem { return objectDropDowns }

// DropDownResult describes the selected object option, or is null.
func (v *ControlTypesVM) DropDownResult() *string {
	for _, it := range objectDropDowns {
		if v.DropDownValue > 0 && it.Id == v.DropDownValue {
			s := "You selected: " + it.Text
			return &s
		}
	}
	return nil
}

// SetDropDownValue selects an object option by Id (the client sends it as
// a string, e.g. "3"). The original throws on an unknown Id while
// serializing DropDownResult; here the value is refused with the same
// exception and left unchanged.
func (v *ControlTypesVM) SetDropDownValue(id int) error {
	if id < 0 || id > len(objectDropDowns) {
		return &vm.Exception{Type: "InvalidOperationException", Message: "Sequence contains no matching element"}
	}
	v.DropDownValue = id
	v.Changed("DropDownResult")
	return nil
}

// RadioButtonStyle is the CSS class for RadioButtonValue.
func (v *ControlTypesVM) RadioButtonStyle() string {
	if v.RadioButtonValue == "green" {
		return "label-success"
	}
	return "label-warning"
}

// SetRadioButtonValue sets RadioButtonValue, which changes RadioButtonStyle.
func (v *ControlTypesVM) SetRadioButtonValue(s string) {
	v.RadioButtonValue = s
	v.Changed("RadioButtonStyle")
}

// ButtonClicked is the button, as in the original a bool property that
// reads false; dispatching it (SetButtonClicked) counts a click.
func (v *ControlTypesVM) ButtonClicked() bool { return false }

// SetButtonClicked counts a click: it increments ClickCount.
func (v *ControlTypesVM) SetButtonClicked(bool) {
	v.ClickCount++
	v.Changed("ClickCount")
}
