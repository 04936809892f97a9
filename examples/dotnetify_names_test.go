package examples

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// dotnetifyState lists, for every ported VM, the properties of its initial
// state in dotNetify: the public properties of the C# class (commands, the
// Action<T> properties, included; set-only properties such as DataSource
// are not serialized, so not listed), and the "<List>_itemKey" properties.
// Each list is taken from the C# file named with it, in dsuryd/dotNetify.
var dotnetifyState = map[string][]string{
	// DevApp.ViewModels/Examples/HelloWorld.cs: HelloWorldVM
	"HelloWorldVM": {"FirstName", "LastName", "FullName"},
	// DevApp.ViewModels/Examples/ControlTypes.cs: ControlTypesVM
	"ControlTypesVM": {
		"TextBoxValue", "TextBoxPlaceHolder", "TextBoxResult",
		"SearchBox", "SearchBoxPlaceHolder", "SearchResults",
		"ShowMeCheckBox", "EnableMeCheckBox", "CheckBoxResult",
		"SimpleDropDownOptions", "SimpleDropDownValue", "SimpleDropDownResult",
		"DropDownCaption", "DropDownOptions", "DropDownValue", "DropDownResult",
		"RadioButtonValue", "RadioButtonStyle",
		"ButtonClicked", "ClickCount",
	},
	// DevApp.ViewModels/Examples/SimpleList.cs: SimpleListVM
	"SimpleListVM": {"Employees", "Employees_itemKey", "Add", "Update", "Remove"},
	// DevApp.ViewModels/Examples/LiveChart.cs: LiveChartVM
	"LiveChartVM": {"Waveform", "Bar", "Pie"},
	// DevApp.ViewModels/Docs/Examples/ChatRoom.md (ChatRoomVM.cs, the
	// version dotNetify's ChatRoom front-ends dispatch SendMessage to)
	"ChatRoomVM": {"Messages", "Messages_itemKey", "Users", "Users_itemKey", "SendMessage", "AddUser", "RemoveUser"},
	// DevApp.ViewModels/Examples/CompositeView/CompositeView.cs: CompositeViewVM
	"CompositeViewVM": {},
	// DevApp.ViewModels/Examples/CompositeView/FilterableMovieTableVM.cs
	// (DataSource is set-only)
	"CompositeViewVM.FilterableMovieTableVM": {},
	// DevApp.ViewModels/Examples/CompositeView/MovieTableVM.cs (DataSource is set-only)
	"CompositeViewVM.FilterableMovieTableVM.MovieTableVM": {"Headers", "Data", "SelectedKey", "Pagination", "SelectedPage"},
	// DevApp.ViewModels/Examples/CompositeView/MovieFilterVM.cs
	"CompositeViewVM.FilterableMovieTableVM.MovieFilterVM": {"Apply", "Delete"},
	// DevApp.ViewModels/Examples/CompositeView/MovieDetailsVM.cs
	"CompositeViewVM.MovieDetailsVM": {"Movie"},
	// DevApp.ViewModels/DataFlow.cs: MasterDetails, MasterList, Details
	"MasterDetails":            {},
	"MasterDetails.MasterList": {"ListItems", "Select"},
	"MasterDetails.Details":    {"ItemImageUrl"},
	// DevApp.ViewModels/Examples/SecurePage.cs: SecurePageVM, AdminSecurePageVM
	"SecurePageVM":      {"SecureCaption", "SecureData"},
	"AdminSecurePageVM": {"TokenIssuer", "TokenValidFrom", "TokenValidTo", "Refresh"},
	// DevApp.ViewModels/Examples/BookStore.cs: BookStoreVM, BookDetailsVM
	// (the version with SearchTitle and BookDefaultRoute, which dotNetify's
	// BookStore front-ends read)
	"BookStoreVM":   {"RoutingState", "Books"},
	"BookDetailsVM": {"RoutingState", "Book", "SearchTitle", "BookDefaultRoute"},
}

// dotnetifyValues are values the original's initial state fixes: commands
// (Action properties) are sent as null, item keys name the key property,
// and ControlTypesVM's ButtonClicked is a bool property reading false.
var dotnetifyValues = map[string]map[string]string{
	"ControlTypesVM":    {"ButtonClicked": "false"},
	"SimpleListVM":      {"Employees_itemKey": `"Id"`, "Add": "null", "Update": "null", "Remove": "null"},
	"ChatRoomVM":        {"Messages_itemKey": `"Id"`, "Users_itemKey": `"Id"`, "SendMessage": "null", "AddUser": "null", "RemoveUser": "null"},
	"AdminSecurePageVM": {"Refresh": "null"},
	"CompositeViewVM.FilterableMovieTableVM.MovieFilterVM": {"Apply": "null", "Delete": "null"},
	"MasterDetails.MasterList":                             {"Select": "null"},
	"MasterDetails.Details":                                {"ItemImageUrl": "null"},
	// RegisterRoutes' templates; RouteTemplate(id) leaves Root, ViewUrl,
	// JSModuleUrl and Target null.
	"BookStoreVM": {"RoutingState": `{"Templates":[` +
		`{"Id":"BookHome","Root":null,"UrlPattern":"","ViewUrl":"BookDefault","JSModuleUrl":null,"Target":null},` +
		`{"Id":"BookDefault","Root":null,"UrlPattern":"default","ViewUrl":null,"JSModuleUrl":null,"Target":null},` +
		`{"Id":"Book","Root":null,"UrlPattern":"book(/:title)","ViewUrl":null,"JSModuleUrl":null,"Target":null}],` +
		`"Root":"examples/bookstore","Active":null,"Origin":null}`},
	// Not routed yet: no book; OnRouted made a RoutingState with nothing
	// set; Redirect leaves TemplateId null.
	"BookDetailsVM": {
		"Book": "null", "SearchTitle": "null",
		"RoutingState":     `{"Templates":null,"Root":null,"Active":null,"Origin":null}`,
		"BookDefaultRoute": `{"TemplateId":null,"Path":"default","RedirectRoot":"examples/bookstore"}`,
	},
}

// dotnetifyItems lists the properties of the records the ported VMs send,
// from the same C# files.
var dotnetifyItems = map[string][]string{
	// DevApp.ViewModels/Services/MovieService.cs: MovieRecord
	"MovieRecord": {"Rank", "Movie", "Year", "Cast", "Director"},
	// DevApp.ViewModels/Services/WebStoreService.cs: WebStoreRecord
	"WebStoreRecord": {"Id", "Type", "Category", "Recommended", "Title", "Author", "Rating", "ImageUrl", "ItemUrl", "UrlSafeTitle"},
	// DevApp.ViewModels/Examples/SimpleList.cs: SimpleListVM.EmployeeInfo
	"EmployeeInfo": {"Id", "FirstName", "LastName"},
	// DevApp.ViewModels/Docs/Examples/ChatRoom.md: ChatMessage, ChatUser
	"ChatMessage": {"Id", "UserId", "UserName", "Date", "Text"},
	"ChatUser":    {"Id", "CorrelationId", "Name", "IpAddress", "Browser"},
	// DevApp.ViewModels/Examples/ControlTypes.cs: ControlTypesVM.DropDownItem
	"DropDownItem": {"Id", "Text"},
	// DevApp.ViewModels/Examples/BookStore.cs: BookStoreVM's Books items
	// (new { Info, Route }) and their WebStoreRecord
	"BookStoreItem":       {"Info", "Route"},
	"BookStoreItem.Info":  {"Id", "Type", "Category", "Recommended", "Title", "Author", "Rating", "ImageUrl", "ItemUrl", "UrlSafeTitle"},
	"BookStoreItem.Route": {"TemplateId", "Path", "RedirectRoot"},
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Every ported VM's initial state has exactly dotNetify's property names.
func TestInitialStateMatchesDotNetify(t *testing.T) {
	h, j := secureHub(t)
	admin, _, _ := j.Issue("admin", []string{"admin"}, time.Minute)
	c := connect(t, h, "c1", "127.0.0.1:1000")

	covered := map[string]bool{}
	for _, id := range sortedKeys(dotnetifyState) {
		want := slices.Sorted(slices.Values(dotnetifyState[id]))
		var s map[string]json.RawMessage
		if strings.HasSuffix(id, "SecurePageVM") {
			c.requestWith(id, admin)
			s = only(t, forVM(c.wait(1, time.Second), id), id)
		} else {
			s = c.request(id, nil)
		}
		if got := sortedKeys(s); !slices.Equal(got, want) {
			t.Errorf("%s: initial state has %v, dotNetify's has %v", id, got, want)
		}
		for k, v := range dotnetifyValues[id] {
			if got := string(s[k]); got != v {
				t.Errorf("%s: %s is %s, dotNetify's is %s", id, k, got, v)
			}
		}
		covered[id[strings.LastIndex(id, ".")+1:]] = true
	}
	for _, name := range append(slices.Clone(Names), SecureNames...) {
		if !covered[name] {
			t.Errorf("%s is registered but not compared with dotNetify", name)
		}
	}
}

// The records in those states have dotNetify's property names too.
func TestRecordsMatchDotNetify(t *testing.T) {
	h := newHub(t, quiet)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	late := connect(t, h, "c2", "127.0.0.1:1001")
	first := func(id, list string) map[string]json.RawMessage {
		t.Helper()
		items := get[[]map[string]json.RawMessage](t, late.request(id, nil), list)
		if len(items) == 0 {
			t.Fatalf("%s: %s is empty", id, list)
		}
		return items[0]
	}
	c.request("ChatRoomVM", nil)
	c.dispatch("ChatRoomVM", map[string]any{"AddUser": "x"})
	c.dispatch("ChatRoomVM", map[string]any{"SendMessage": map[string]any{"Text": "hi", "Date": time.Now()}})
	got := map[string]map[string]json.RawMessage{
		"MovieRecord":    first("CompositeViewVM.FilterableMovieTableVM.MovieTableVM", "Data"),
		"WebStoreRecord": first("MasterDetails.MasterList", "ListItems"),
		"EmployeeInfo":   first("SimpleListVM", "Employees"),
		"ChatMessage":    first("ChatRoomVM", "Messages"),
		"ChatUser":       first("ChatRoomVM", "Users"),
		"DropDownItem":   first("ControlTypesVM", "DropDownOptions"),
		"BookStoreItem":  first("BookStoreVM", "Books"),
	}
	got["BookStoreItem.Info"] = get[map[string]json.RawMessage](t, got["BookStoreItem"], "Info")
	got["BookStoreItem.Route"] = get[map[string]json.RawMessage](t, got["BookStoreItem"], "Route")
	for _, name := range sortedKeys(dotnetifyItems) {
		want := slices.Sorted(slices.Values(dotnetifyItems[name]))
		if g := sortedKeys(got[name]); !slices.Equal(g, want) {
			t.Errorf("%s: has %v, dotNetify's has %v", name, g, want)
		}
	}
}
