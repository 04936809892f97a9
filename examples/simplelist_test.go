package examples

import (
	"testing"
)

func TestSimpleList(t *testing.T) {
	h := newHub(t, quiet)
	c1 := connect(t, h, "c1", "10.0.0.1:1000")
	const id = "SimpleListVM"

	s := c1.request(id, nil)
	keys(t, s, "Employees", "Employees_itemKey", "Add", "Update", "Remove")
	eq(t, "Employees_itemKey", get[string](t, s, "Employees_itemKey"), "Id")
	emps := get[[]EmployeeInfo](t, s, "Employees")
	eq(t, "len(Employees)", len(emps), 7)
	for i, e := range emps {
		eq(t, "Id", e.Id, i+1)
	}

	// A second connection from the same IP shares the instance.
	c2 := connect(t, h, "c2", "10.0.0.1:2000")
	c2.request(id, nil)
	eq(t, "Groups", h.Stats().Groups, 1)

	d := only(t, c1.dispatch(id, map[string]any{"Add": "Babe Ruth"}), id)
	keys(t, d, "Employees_add")
	eq(t, "Employees_add", get[EmployeeInfo](t, d, "Employees_add"), EmployeeInfo{8, "Babe", "Ruth"})
	eq(t, "c2 Employees_add", get[EmployeeInfo](t, only(t, c2.take(), id), "Employees_add"), EmployeeInfo{8, "Babe", "Ruth"})

	d = only(t, c1.dispatch(id, map[string]any{"Add": "Cher"}), id)
	eq(t, "Employees_add", get[EmployeeInfo](t, d, "Employees_add"), EmployeeInfo{9, "Cher", ""})
	c2.take()

	// Update: a field left out keeps its value.
	d = only(t, c2.dispatch(id, map[string]any{"Update": map[string]any{"Id": 1, "FirstName": "Johnny"}}), id)
	keys(t, d, "Employees_update")
	eq(t, "Employees_update", get[EmployeeInfo](t, d, "Employees_update"), EmployeeInfo{1, "Johnny", emps[0].LastName})
	d = only(t, c1.take(), id)
	eq(t, "c1 Employees_update", get[EmployeeInfo](t, d, "Employees_update"), EmployeeInfo{1, "Johnny", emps[0].LastName})
	d = only(t, c2.dispatch(id, map[string]any{"Update": map[string]any{"Id": 1, "LastName": "Tango"}}), id)
	eq(t, "Employees_update", get[EmployeeInfo](t, d, "Employees_update"), EmployeeInfo{1, "Johnny", "Tango"})
	c1.take()
	if f := c1.dispatch(id, map[string]any{"Update": map[string]any{"Id": 99, "LastName": "X"}}); len(f) != 0 {
		t.Fatalf("update of an unknown id: %s", dump(f))
	}

	d = only(t, c1.dispatch(id, map[string]any{"Remove": 2}), id)
	keys(t, d, "Employees_remove")
	eq(t, "Employees_remove", get[int](t, d, "Employees_remove"), 2)
	eq(t, "c2 Employees_remove", get[int](t, only(t, c2.take(), id), "Employees_remove"), 2)

	// $dispatchListState's item path form.
	d = only(t, c1.dispatch(id, map[string]any{"Employees.$3.FirstName": "Zed"}), id)
	eq(t, "Employees_update", get[EmployeeInfo](t, d, "Employees_update"), EmployeeInfo{3, "Zed", emps[2].LastName})
	c2.take()

	// The Go slice followed every change: a late joiner sees them.
	c3 := connect(t, h, "c3", "10.0.0.1:3000")
	got := get[[]EmployeeInfo](t, c3.request(id, nil), "Employees")
	want := []EmployeeInfo{{1, "Johnny", "Tango"}, {3, "Zed", emps[2].LastName}, emps[3], emps[4], emps[5], emps[6], {8, "Babe", "Ruth"}, {9, "Cher", ""}}
	eq(t, "Employees", mustJSON(got), mustJSON(want))

	// Another IP gets its own instance and repository.
	c4 := connect(t, h, "c4", "10.0.0.2:1000")
	eq(t, "other IP", mustJSON(get[[]EmployeeInfo](t, c4.request(id, nil), "Employees")), mustJSON(emps))
	eq(t, "VMs", h.Stats().VMs, 2)
	eq(t, "Groups", h.Stats().Groups, 2)
	c4.dispatch(id, map[string]any{"Remove": 1})
	if f := c1.take(); len(f) != 0 {
		t.Fatalf("other group leaked: %s", dump(f))
	}

	for _, c := range []*client{c1, c2, c3, c4} {
		c.conn.Close()
	}
	waitVMs(t, h, 0)
	eq(t, "Groups", h.Stats().Groups, 0)
}
