package vmtest_test

import (
	"testing"

	"github.com/gonetify/gonetify/examples"
	"github.com/gonetify/gonetify/vm"
	"github.com/gonetify/gonetify/vmtest"
)

// The client-side list operations: _add appends, _update merges by item
// key, _remove drops by key — and the other member of the group sees the
// same list.
func TestListOperations(t *testing.T) {
	reg := vm.NewRegistry()
	examples.Register(reg)
	srv := vmtest.New(t, reg)
	a, b := srv.Client(), srv.Client() // same address: one SimpleList group
	la := a.Request("SimpleListVM", nil)
	lb := b.Request("SimpleListVM", nil)
	var before []examples.EmployeeInfo
	la.Get("Employees", &before)
	la.Dispatch(map[string]any{"Add": "Ann Lee"})
	la.Dispatch(map[string]any{"Update": map[string]any{"Id": before[0].Id, "FirstName": "Zed"}})
	la.Dispatch(map[string]any{"Remove": before[1].Id})
	for _, v := range []*vmtest.VM{la, lb} {
		var got []examples.EmployeeInfo
		v.Get("Employees", &got)
		if len(got) != len(before) || got[0].FirstName != "Zed" || got[len(got)-1].FirstName != "Ann" || got[1].Id == before[1].Id {
			t.Fatalf("%s list: %+v", v.ID(), got)
		}
	}
}

// An unknown VM and an undeclared method come back as exceptions.
func TestExceptions(t *testing.T) {
	reg := vm.NewRegistry()
	examples.Register(reg)
	c := vmtest.New(t, reg).Client()
	if ex := c.Request("NoSuchVM", nil).Exceptions(); len(ex) != 1 || ex[0].Type != "Exception" {
		t.Fatalf("unknown VM: %+v", ex)
	}
	h := c.Request("HelloWorldVM", nil)
	h.Dispatch(map[string]any{"OnCreated": nil})
	if ex := h.Exceptions(); len(ex) != 1 || ex[0].Type != "InvalidOperationException" {
		t.Fatalf("undeclared method: %+v", ex)
	}
}
