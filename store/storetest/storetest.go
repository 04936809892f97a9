// Package storetest checks that a store.Store implementation behaves like
// the in-memory reference, so every implementation runs the same tests.
package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/gonetify/gonetify/store"
)

// Run runs the conformance tests on stores made by newStore (a fresh, empty
// store each call).
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	eq := func(t *testing.T, what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %#v, want %#v", what, got, want)
		}
	}
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Run("connections and VMs", func(t *testing.T) {
		s := newStore(t)
		must(t, s.AddConnection(ctx, "b="))
		must(t, s.AddConnection(ctx, "a="))
		conns, err := s.Connections(ctx)
		must(t, err)
		eq(t, "connections", conns, []string{"a=", "b="})
		must(t, s.AddVM(ctx, "a=", store.VMInfo{VMID: "M", VMArgs: `{"$vmArg":{"x":1}}`}))
		must(t, s.AddVM(ctx, "a=", store.VMInfo{VMID: "M.Child", VMArgs: "{}"}))
		must(t, s.AddVM(ctx, "a=", store.VMInfo{VMID: "Other", VMArgs: "{}"}))
		must(t, s.AddVM(ctx, "a=", store.VMInfo{VMID: "M", VMArgs: "changed"})) // kept as first recorded
		vms, err := s.VMs(ctx, "a=")
		must(t, err)
		eq(t, "vms", vms, []store.VMInfo{{VMID: "M", VMArgs: `{"$vmArg":{"x":1}}`}, {VMID: "M.Child", VMArgs: "{}"}, {VMID: "Other", VMArgs: "{}"}})
		must(t, s.RemoveVM(ctx, "a=", "M"))
		vms, _ = s.VMs(ctx, "a=")
		eq(t, "after removing M and its children", vms, []store.VMInfo{{VMID: "Other", VMArgs: "{}"}})
		must(t, s.Touch(ctx, "a="))
		must(t, s.RemoveConnection(ctx, "a="))
		conns, _ = s.Connections(ctx)
		eq(t, "after remove", conns, []string{"b="})
		vms, _ = s.VMs(ctx, "a=")
		eq(t, "vms of a removed connection", len(vms), 0)
	})
}
