package vm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gonetify/gonetify/internal/vmrt"
	"github.com/gonetify/gonetify/vm"
)

// StoreVM routes to a page per item, like dotNetify's BookStoreVM.
type StoreVM struct {
	vm.Base
	vm.Routable
	activated []string

	_ vm.Computed `vm:"Items"`
}

// StoreItem is an item of StoreVM with its route.
type StoreItem struct {
	Name  string
	Route vm.Route
}

func NewStoreVM() *StoreVM {
	v := &StoreVM{}
	v.RegisterRoutes("shop/store",
		vm.RouteTemplate{Id: "Home", UrlPattern: "", ViewUrl: "Empty"},
		vm.RouteTemplate{Id: "Item", UrlPattern: "item(/:name)"},
		vm.NewRouteTemplate("About"),
	)
	v.OnActivated(func(e vm.ActivatedEventArgs) { v.activated = append(v.activated, e.Active) })
	return v
}

// Items is computed: each item with the route of its page.
func (v *StoreVM) Items() []StoreItem {
	var out []StoreItem
	for _, n := range []string{"pen", "ink"} {
		out = append(out, StoreItem{Name: n, Route: v.GetRoute("Item", "item/"+n)})
	}
	return out
}

// PageVM is routed to, like dotNetify's BookDetailsVM.
type PageVM struct {
	vm.Base
	vm.Routable
	Name string
	Back vm.Route
}

func NewPageVM() *PageVM {
	v := &PageVM{}
	v.Back = v.Redirect("shop/store", "")
	v.OnRouted(func(e vm.RoutedEventArgs) {
		v.Name = strings.TrimPrefix(e.From, "item/")
		v.Changed("Name")
	})
	return v
}

func wrap(t *testing.T, v vm.VM) vmrt.Instance {
	t.Helper()
	inst, err := vm.Wrap(context.Background(), vm.ParseID(fmt.Sprintf("%T", v)[4:]), v)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func setRoute(t *testing.T, inst vmrt.Instance, path, value string) {
	t.Helper()
	if err := inst.Apply(context.Background(), []vmrt.PathValue{{Path: path, Value: json.RawMessage(value)}}); err != nil {
		t.Fatalf("set %s: %v", path, err)
	}
}

func takeRouting(t *testing.T, inst vmrt.Instance) string {
	t.Helper()
	c, err := inst.TakeChanges()
	if err != nil {
		t.Fatal(err)
	}
	return string(vmrt.EncodeChanges(c, nil))
}

// The state carries RoutingState and routes as dotNetify serializes them:
// every property present, unset strings as null.
func TestRoutingStateIsSentAsDotNetifys(t *testing.T) {
	inst := wrap(t, NewStoreVM())
	state, err := inst.FullState()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"RoutingState":{"Templates":[` +
		`{"Id":"Home","Root":null,"UrlPattern":"","ViewUrl":"Empty","JSModuleUrl":null,"Target":null},` +
		`{"Id":"Item","Root":null,"UrlPattern":"item(/:name)","ViewUrl":null,"JSModuleUrl":null,"Target":null},` +
		`{"Id":"About","Root":null,"UrlPattern":"About","ViewUrl":null,"JSModuleUrl":null,"Target":null}],` +
		`"Root":"shop/store","Active":null,"Origin":null},` +
		`"Items":[{"Name":"pen","Route":{"TemplateId":"Item","Path":"item/pen","RedirectRoot":null}},` +
		`{"Name":"ink","Route":{"TemplateId":"Item","Path":"item/ink","RedirectRoot":null}}]}`
	if string(state) != want {
		t.Fatalf("state\n got %s\nwant %s", state, want)
	}

	page := wrap(t, NewPageVM())
	state, err = page.FullState()
	if err != nil {
		t.Fatal(err)
	}
	want = `{"RoutingState":{"Templates":null,"Root":null,"Active":null,"Origin":null},"Name":"",` +
		`"Back":{"TemplateId":null,"Path":"","RedirectRoot":"shop/store"}}`
	if string(state) != want {
		t.Fatalf("routed-to state\n got %s\nwant %s", state, want)
	}
}

// A routed view's $vmArg {"RoutingState.Origin": path} runs the OnRouted
// handlers, which change the VM; the routing state is not sent back.
func TestOriginRunsOnRouted(t *testing.T) {
	v := NewPageVM()
	inst := wrap(t, v)
	setRoute(t, inst, "RoutingState.Origin", `"item/pen"`)
	if v.Name != "pen" || v.RoutingState.Origin != "item/pen" {
		t.Fatalf("after Origin: Name %q, Origin %q", v.Name, v.RoutingState.Origin)
	}
	if got := takeRouting(t, inst); got != `{"Name":"pen"}` {
		t.Fatalf("changes %s, want only Name", got)
	}
	state, _ := inst.FullState()
	if !strings.Contains(string(state), `"Origin":"item/pen"`) {
		t.Fatalf("state does not keep the origin: %s", state)
	}
}

// The router's $dispatch({"RoutingState.Active": path}) sets Active, runs
// the OnActivated handlers and is not echoed.
func TestActiveRunsOnActivated(t *testing.T) {
	v := NewStoreVM()
	inst := wrap(t, v)
	if _, err := inst.InitialState(); err != nil { // what a client gets first
		t.Fatal(err)
	}
	setRoute(t, inst, "RoutingState.Active", `"item/ink"`)
	setRoute(t, inst, "RoutingState.Active", `""`)
	if strings.Join(v.activated, ",") != "item/ink," {
		t.Fatalf("activated %q", v.activated)
	}
	if got := takeRouting(t, inst); got != "" {
		t.Fatalf("changes %s, want none", got)
	}
	// Templates and Root stay what the VM registered.
	if len(v.RoutingState.Templates) != 3 || v.RoutingState.Root != "shop/store" {
		t.Fatalf("routing state %+v", v.RoutingState)
	}
}

// OwnStateVM has a field of its own named RoutingState: it is ordinary
// state, sent back when the client sets it, with no routing handlers.
type OwnStateVM struct {
	vm.Base
	RoutingState struct{ Active string }
}

func TestOwnRoutingStateFieldIsOrdinary(t *testing.T) {
	inst := wrap(t, &OwnStateVM{})
	setRoute(t, inst, "RoutingState.Active", `"x"`)
	if got := takeRouting(t, inst); got != `{"RoutingState":{"Active":"x"}}` {
		t.Fatalf("changes %s", got)
	}
}

// Routable's methods are the VM's own: a client cannot call them.
func TestRoutableMethodsAreNotCommands(t *testing.T) {
	if err := vm.Check(NewStoreVM()); err != nil {
		t.Fatal(err)
	}
	inst := wrap(t, NewStoreVM())
	for _, name := range []string{"RegisterRoutes", "GetRoute", "Redirect", "OnRouted", "OnActivated"} {
		err := inst.Apply(context.Background(), []vmrt.PathValue{{Path: name, Value: json.RawMessage(`"x"`)}})
		var ex *vm.Exception
		if !errors.As(err, &ex) || ex.Type != "InvalidOperationException" {
			t.Errorf("dispatch %s: %v, want an InvalidOperationException", name, err)
		}
	}
}

// GetRoute of a template that was not registered panics, as dotNetify's
// throws; inside VM code the runtime turns it into a PanicError.
func TestGetRouteUnknownTemplatePanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "'Nope' was not found") {
			t.Fatalf("recovered %v", r)
		}
	}()
	v := NewStoreVM()
	v.GetRoute("Nope")
}

// A route without a path takes the template's pattern.
func TestGetRouteDefaultPath(t *testing.T) {
	v := NewStoreVM()
	for id, want := range map[string]string{
		"Home":  `{"TemplateId":"Home","Path":null,"RedirectRoot":null}`,
		"Item":  `{"TemplateId":"Item","Path":"item(/:name)","RedirectRoot":null}`,
		"About": `{"TemplateId":"About","Path":"About","RedirectRoot":null}`,
	} {
		b, err := json.Marshal(v.GetRoute(id))
		if err != nil || string(b) != want {
			t.Errorf("GetRoute(%s) = %s, %v; want %s", id, b, err, want)
		}
	}
}

// A snapshot of a routable VM restores its routing state.
func TestRoutingStateRestores(t *testing.T) {
	a := NewStoreVM()
	ia := wrap(t, a)
	setRoute(t, ia, "RoutingState.Active", `"item/pen"`)
	snap, err := ia.FullState()
	if err != nil {
		t.Fatal(err)
	}
	b := NewStoreVM()
	ib := wrap(t, b)
	if err := ib.RestoreState(snap); err != nil {
		t.Fatal(err)
	}
	if b.RoutingState.Active != "item/pen" || len(b.RoutingState.Templates) != 3 || b.RoutingState.Templates[0].ViewUrl != "Empty" {
		t.Fatalf("restored %+v", b.RoutingState)
	}
	again, _ := ib.FullState()
	if string(again) != string(snap) {
		t.Fatalf("restored state\n got %s\nwant %s", again, snap)
	}
}
