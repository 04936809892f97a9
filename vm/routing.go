package vm

import "fmt"

// Routing, as dotNetify's server does it (its IRoutable, RoutingState,
// RouteTemplate and Route): a view model embeds [Routable], declares its
// route templates with [Routable.RegisterRoutes], and hands the client
// [Route] values made by [Routable.GetRoute] or [Routable.Redirect]. The
// client's router (RouteLink, vm.$routeTo, onRouteEnter, deep links) reads
// the state property RoutingState and, when it loads a routed view, tells
// the server with dotNetify's two paths:
//
//   - $dispatch({"RoutingState.Active": path}) to the VM that routed: the
//     path of the template now active ([Routable.OnActivated] handlers run);
//   - $vmArg {"RoutingState.Origin": path} when the routed view connects its
//     own VM: the path it was routed from ([Routable.OnRouted] handlers run).
//
// Neither change is sent back: the client keeps its own copy of the routing
// state (it rewrites Root to an absolute path), as with dotNetify.

// Routable makes a view model routable, like implementing dotNetify's
// IRoutable. Embed it by value next to [Base]:
//
//	type BookStoreVM struct {
//		vm.Base
//		vm.Routable
//		_ vm.Computed `vm:"Books"`
//	}
//
// Its RoutingState field is the VM's "RoutingState" property, sent to the
// client like any state field. Register handlers and routes in the VM's
// constructor, before the client's $vmArg is applied. A VM that routes
// nothing of its own but is routed to (dotNetify's BookDetailsVM) embeds it
// too, to get [Routable.OnRouted].
type Routable struct {
	// RoutingState is the state the client's router reads and sets.
	RoutingState RoutingState

	routed    []func(RoutedEventArgs)
	activated []func(ActivatedEventArgs)
}

// RoutingState is the routing state of a [Routable] view model, sent as
// dotNetify's RoutingState: {"Templates", "Root", "Active", "Origin"}, an
// empty string going out as null.
type RoutingState struct {
	// Templates are the route templates registered by the view model.
	Templates []RouteTemplate
	// Root is the path to which the templates' URL patterns are relative
	// (sent as "" when templates are registered with an empty root, as null
	// when none are).
	Root string
	// Active is the path of the route the client activated last.
	Active string
	// Origin is the path from which the client routed to this view model.
	Origin string
}

// RouteTemplate is a template for routes that load one view: dotNetify's
// RouteTemplate. An empty Root, ViewUrl, JSModuleUrl or Target is sent as
// null; Id and UrlPattern are always sent.
type RouteTemplate struct {
	// Id identifies the template; the client also uses it as the view
	// name when ViewUrl is empty (a React client looks the component up as
	// window[Id]).
	Id string
	// Root, when set, routes the template to another root than the view
	// model's.
	Root string
	// UrlPattern is the template's URL pattern below the root: "" is the
	// root itself, "book(/:title)" takes an optional parameter. Unlike
	// dotNetify's, an empty pattern is not replaced by the Id: use
	// [NewRouteTemplate] for that default.
	UrlPattern string
	// ViewUrl names the view to load (a component name, or an HTML URL).
	ViewUrl string
	// JSModuleUrl is the URL of a script to load with the view.
	JSModuleUrl string
	// Target is the id of the DOM element the view is loaded into; the
	// client usually sets it in onRouteEnter.
	Target string
}

// NewRouteTemplate returns the template dotNetify's new RouteTemplate(id)
// makes: its URL pattern is its id.
func NewRouteTemplate(id string) RouteTemplate { return RouteTemplate{Id: id, UrlPattern: id} }

// Route is a link to a route, bound to the client's RouteLink or passed to
// vm.$routeTo: dotNetify's Route {"TemplateId", "Path", "RedirectRoot"}.
// Make one with [Routable.GetRoute] (a route of the VM's own templates) or
// [Routable.Redirect] (a route of another VM's root).
type Route struct {
	// TemplateId is the id of the route's template (sent as null when
	// empty, as for a redirect).
	TemplateId string
	// Path is the route's path relative to the root. An empty Path of a
	// route with a template is sent as null: the client then uses the
	// template's pattern.
	Path string
	// RedirectRoot is the root of a redirect (sent as null when empty: an
	// empty RedirectRoot is not a redirect).
	RedirectRoot string
}

// RoutedEventArgs is what an [Routable.OnRouted] handler gets.
type RoutedEventArgs struct {
	// From is the path the client routed from (RoutingState.Origin).
	From string
}

// ActivatedEventArgs is what an [Routable.OnActivated] handler gets.
type ActivatedEventArgs struct {
	// Active is the path of the route being activated
	// (RoutingState.Active).
	Active string
}

// RegisterRoutes sets the VM's route templates and the root path they are
// relative to (dotNetify's RegisterRoutes). Call it in the constructor.
func (r *Routable) RegisterRoutes(root string, templates ...RouteTemplate) {
	r.RoutingState.Root = root
	r.RoutingState.Templates = append([]RouteTemplate{}, templates...)
}

// GetRoute returns a route of the template with the given id; path, when
// given, replaces the template's URL pattern (dotNetify's GetRoute). A
// template id that was not registered is a programming error: GetRoute
// panics, as dotNetify's throws, and the runtime reports the panic.
func (r *Routable) GetRoute(templateID string, path ...string) Route {
	for _, t := range r.RoutingState.Templates {
		if t.Id != templateID {
			continue
		}
		p := t.UrlPattern
		if len(path) > 0 {
			p = path[0]
		}
		return Route{TemplateId: t.Id, Path: p}
	}
	panic(fmt.Sprintf("vm: route template '%s' was not found: register it with RegisterRoutes", templateID))
}

// Redirect returns a route that belongs to another view model: path below
// redirectRoot (dotNetify's Redirect). The client combines redirectRoot
// with the routed view's root when they partly match.
func (r *Routable) Redirect(redirectRoot, path string) Route {
	return Route{RedirectRoot: redirectRoot, Path: path}
}

// OnRouted adds a handler that runs when the VM is routed to: when the
// client sets RoutingState.Origin, usually with the $vmArg of a routed view
// (dotNetify's OnRouted). It runs with the VM's lock held, like a setter.
func (r *Routable) OnRouted(handler func(RoutedEventArgs)) {
	r.routed = append(r.routed, handler)
}

// OnActivated adds a handler that runs when the client activates one of the
// VM's routes: when it dispatches RoutingState.Active (dotNetify's
// OnActivated). It runs with the VM's lock held, like a setter.
func (r *Routable) OnActivated(handler func(ActivatedEventArgs)) {
	r.activated = append(r.activated, handler)
}

func (r *Routable) routable() *Routable { return r }

// routableVM is implemented by a VM embedding Routable.
type routableVM interface{ routable() *Routable }

// routed is called after the client set a nested path of member m (segs
// below it); the VM's lock is held. When m is the VM's Routable
// RoutingState, it runs the routing handlers and reports true: the change
// is the client's own and is not sent back.
func (i *instance) routed(m *member, segs []string) bool {
	rv, ok := i.v.(routableVM)
	if !ok || m.kind != kindField || len(segs) != 1 {
		return false
	}
	r := rv.routable()
	f := i.rv.Elem().FieldByIndex(m.index)
	if f.Addr().Interface() != any(&r.RoutingState) {
		return false // a field of the VM's own shadows Routable's
	}
	switch segs[0] {
	case "Active":
		for _, h := range r.activated {
			h(ActivatedEventArgs{Active: r.RoutingState.Active})
		}
	case "Origin":
		for _, h := range r.routed {
			h(RoutedEventArgs{From: r.RoutingState.Origin})
		}
	}
	return true
}

// nullable is s, or nil (JSON null) when s is empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// MarshalJSON encodes the routing state as dotNetify does.
func (s RoutingState) MarshalJSON() ([]byte, error) {
	root := nullable(s.Root)
	if s.Templates != nil {
		root = s.Root
	}
	return marshalObject([]kv{
		{"Templates", s.Templates},
		{"Root", root},
		{"Active", nullable(s.Active)},
		{"Origin", nullable(s.Origin)},
	})
}

// MarshalJSON encodes the template as dotNetify does.
func (t RouteTemplate) MarshalJSON() ([]byte, error) {
	return marshalObject([]kv{
		{"Id", t.Id},
		{"Root", nullable(t.Root)},
		{"UrlPattern", t.UrlPattern},
		{"ViewUrl", nullable(t.ViewUrl)},
		{"JSModuleUrl", nullable(t.JSModuleUrl)},
		{"Target", nullable(t.Target)},
	})
}

// MarshalJSON encodes the route as dotNetify does.
func (r Route) MarshalJSON() ([]byte, error) {
	var path any = r.Path
	if r.Path == "" && r.RedirectRoot == "" {
		path = nil
	}
	return marshalObject([]kv{
		{"TemplateId", nullable(r.TemplateId)},
		{"Path", path},
		{"RedirectRoot", nullable(r.RedirectRoot)},
	})
}
