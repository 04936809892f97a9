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
//	}
//
//	// FullName is computed state: a method func() T.
//	func (v *HelloWorldVM) FullName() string { return v.FirstName + " " + v.LastName }
//
//	// SetFirstName is called for a dispatched "FirstName" instead of
//	// setting the field directly (like a C# setter).
//	func (v *HelloWorldVM) SetFirstName(s string) { v.FirstName = s; v.Changed("FullName") }
//
//	// Submit is a command: $dispatch({Submit: {...}}) calls it.
//	func (v *HelloWorldVM) Submit(p Person) error { ... }
//
// The rules, following dotNetify:
//
//   - State: exported fields, by their JSON name (the `json` tag name, else
//     the Go name); `json:"-"` or `vm:"-"` hides a field. Methods of the
//     form func() T (T not error) are computed, read-only properties.
//   - Commands: exported methods func([context.Context], [Arg]) [error], and
//     exported fields of func type. They are sent to the client as null (the
//     client only needs the key) and called by $dispatch({Name: arg}) with
//     arg decoded from JSON into Arg. The context carries the calling
//     connection ([ConnFromContext]). Returning an error sends it to the
//     client's exceptionHandler (an [*Exception] keeps its type name).
//   - Property paths: $dispatch({"Person.FirstName": "Bob"}) walks structs,
//     maps and, with "$key", list items by their item key
//     (`vm:"itemKey=Id"` on the list field, also sent as "<List>_itemKey").
//     A dispatched property is marked changed; the reaction sent back
//     leaves it out when its value is what the client sent (echo
//     suppression). Unknown paths are ignored, as in dotNetify.
//   - Changes: [Base.Changed] marks properties whose current value goes out
//     with the next reaction or [Base.PushUpdates]; [Base.AddList],
//     [Base.UpdateList] and [Base.RemoveList] send list item operations.
//   - Concurrency: the runtime holds the VM's lock while it runs commands,
//     setters, hooks and serialization, so code there just assigns fields.
//     Other goroutines change state inside [Base.Update] (which then
//     pushes), or use [Base.Every] for timers. No VM author writes locks.
//   - Lifecycle: a [Registry] maps names to [Factory] functions. Optional
//     hooks: [Creator] (OnCreated, after $vmArg values are applied, before
//     the first state is sent), [Disposer], [Master] / [SubVMCreated] /
//     [SubVMDisposing] for "Master.Child" ids, [GroupNamer] for multicast
//     groups. [Base.Context] is cancelled on dispose.
package vm
