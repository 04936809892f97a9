// Package vm is gonetify's view-model runtime: dotNetify's view-model
// semantics for plain Go structs, with no I/O.
//
// A view model is a struct that embeds [Base] (or [Multicast], for one
// instance shared by many connections):
//
//	type HelloWorldVM struct {
//		vm.Base
//		FirstName string
//		LastName  string
//		Secret    string `json:"-"` // hidden from the client
//
//		_ vm.Computed `vm:"FullName"` // methods sent as read-only state
//		_ vm.Commands `vm:"Submit"`   // methods the client may call
//	}
//
//	// FullName is computed state: declared above, a method func() T.
//	func (v *HelloWorldVM) FullName() string { return v.FirstName + " " + v.LastName }
//
//	// SetFirstName is called for a dispatched "FirstName" instead of
//	// setting the field directly (like a C# setter).
//	func (v *HelloWorldVM) SetFirstName(s string) { v.FirstName = s; v.Changed("FullName") }
//
//	// Submit is a command: $dispatch({Submit: {...}}) calls it.
//	func (v *HelloWorldVM) Submit(p Person) error { ... }
//
//	// Config is a plain method: never sent, never callable.
//	func (v *HelloWorldVM) Config() dbConfig { ... }
//
// Nothing reaches a client unless the author declared it, as in dotNetify
// where only properties are exposed: the state is the exported fields
// (hide one with `json:"-"` or `vm:"-"`); a method is sent as a computed
// property only when named in a [Computed] field's tag, and called by a
// client only when named in a [Commands] field's tag (exported fields of
// func type are commands too: they are declared by being fields). A SetX
// method is the setter of the declared property X and of nothing else.
// Every other method, exported or not, is the VM's own. [Register] checks
// the declarations, and refuses, with the fix in its message, a declared
// name with no method or with an unsupported signature, a state field JSON
// cannot encode, and an item key that names no field.
//
// The rules, following dotNetify:
//
//   - State: exported fields, by their JSON name (the `json` tag name, else
//     the Go name); `json:"-"` or `vm:"-"` hides a field. Declared methods
//     of the form func() T (T not error) are computed, read-only
//     properties. A nil slice or map is sent as [] or {}.
//   - Commands: declared methods func([context.Context], [Arg]) [error],
//     and exported fields of func type. They are sent to the client as null (the
//     client only needs the key) and called by $dispatch({Name: arg}) with
//     arg decoded from JSON into Arg. The context carries the calling
//     connection ([ConnFromContext]) and is cancelled when the VM is
//     disposed or that connection closes. Returning an error sends it to the
//     client's exceptionHandler (an [*Exception] keeps its type name).
//   - Property paths: $dispatch({"Person.FirstName": "Bob"}) walks structs,
//     maps and, with "$key", list items by their item key
//     (`vm:"itemKey=Id"` on the list field, also sent as "<List>_itemKey").
//     A dispatched property is marked changed; the reaction sent back
//     leaves it out when its value is what the client sent (echo
//     suppression). Unknown paths are ignored, as in dotNetify (the hub's
//     debug log names them).
//   - Changes: [Base.Changed] marks properties whose current value goes out
//     with the next reaction or [Base.PushUpdates]; computed properties are
//     re-evaluated then too and go out whenever their value moved, without
//     a Changed call; [Base.AddList],
//     [Base.UpdateList] and [Base.RemoveList] send list item operations.
//   - Concurrency: the runtime holds the VM's lock while it runs commands,
//     setters, hooks and serialization, so code there just assigns fields.
//     Other goroutines change state inside [Base.Update] (which then
//     pushes), or use [Base.Every] for timers. No VM author writes locks.
//     A long command holds only its own VM: the connection's other VMs
//     keep answering and pushing meanwhile.
//   - Routing: a VM embedding [Routable] is routable as in dotNetify
//     (IRoutable): [Routable.RegisterRoutes] declares its route templates,
//     [Routable.GetRoute] and [Routable.Redirect] make the routes its state
//     hands the client's router, and [Routable.OnRouted] handlers learn the
//     route a routed view was opened with. Its RoutingState property is
//     sent like any field; what the client's router sets in it
//     (RoutingState.Active, RoutingState.Origin) is not sent back.
//   - Lifecycle: a [Registry] maps names to factories ([Register]). Optional
//     hooks: [Creator] (OnCreated, after $vmArg values are applied, before
//     the first state is sent), [Disposer], [Master] / [SubVMCreated] /
//     [SubVMDisposing] for "Master.Child" ids, [GroupNamer] for multicast
//     groups. [Base.Context] is cancelled on dispose.
package vm
