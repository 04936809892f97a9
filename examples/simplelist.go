package examples

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"strings"

	"github.com/gonetify/gonetify/vm"
)

// EmployeeInfo is an item of SimpleListVM's Employees list.
type EmployeeInfo struct {
	// Id is the item key.
	Id int
	// FirstName is the employee's first name.
	FirstName string
	// LastName is the employee's last name.
	LastName string
}

// EmployeeUpdate is the argument of SimpleListVM's Update command: a field
// left out (or null) keeps its value.
type EmployeeUpdate struct {
	// Id selects the employee.
	Id int
	// FirstName is the new first name, or nil.
	FirstName *string
	// LastName is the new last name, or nil.
	LastName *string
}

// SimpleListVM is dotNetify's SimpleList example: an editable employee list
// with item key Id. Like the DevApp original it is multicast, grouped by
// the client's IP address, so browsers on one machine share the list.
//
// Its commands are func-typed fields, like the original's C# Action<T>
// properties.
type SimpleListVM struct {
	vm.Multicast
	// Employees is the list, kept in sync with the repository.
	Employees []EmployeeInfo `vm:"itemKey=Id"`

	// Add appends an employee from a full name: "First Last" (the last name
	// is everything after the first space). Sends Employees_add.
	Add func(fullName string)
	// Update renames an employee. Sends Employees_update; unknown Ids are
	// ignored.
	Update func(info EmployeeUpdate)
	// Remove deletes an employee by Id. Sends Employees_remove.
	Remove func(id int)

	repo *EmployeeRepository
}

// NewSimpleListVM returns a SimpleListVM showing repo's employees.
func NewSimpleListVM(repo *EmployeeRepository) *SimpleListVM {
	v := &SimpleListVM{repo: repo, Employees: []EmployeeInfo{}}
	for _, e := range repo.GetAll() {
		v.Employees = append(v.Employees, EmployeeInfo{e.Id, e.FirstName, e.LastName})
	}
	v.Add = v.add
	v.Update = v.update
	v.Remove = v.remove
	return v
}

// RestoreState implements vm.StateRestorer: a list restored from a
// snapshot (after a restart) replaces the repository's, so new Ids follow
// the restored ones.
func (v *SimpleListVM) RestoreState(state map[string]json.RawMessage) error {
	raw, ok := state["Employees"]
	if !ok {
		return nil
	}
	var list []EmployeeInfo
	if err := json.Unmarshal(raw, &list); err != nil {
		return err
	}
	emps := make([]Employee, len(list))
	for i, e := range list {
		emps[i] = Employee{Id: e.Id, FirstName: e.FirstName, LastName: e.LastName}
	}
	v.repo.Replace(emps)
	v.Employees = list
	return nil
}

// GroupName shares one instance among connections from the same IP address.
func (v *SimpleListVM) GroupName(ctx context.Context) string {
	c := vm.ConnFromContext(ctx)
	if c == nil {
		return ""
	}
	if host, _, err := net.SplitHostPort(c.RemoteAddr); err == nil {
		return host
	}
	return c.RemoteAddr
}

func (v *SimpleListVM) add(fullName string) {
	first, last, _ := strings.Cut(fullName, " ")
	id := v.repo.Add(Employee{FirstName: first, LastName: last})
	info := EmployeeInfo{id, first, last}
	v.Employees = append(v.Employees, info)
	v.AddList("Employees", info)
}

func (v *SimpleListVM) update(u EmployeeUpdate) {
	// Start from the list item: a $dispatchListState path
	// ("Employees.$3.FirstName") may have changed it without a command.
	i := v.index(u.Id)
	if i < 0 {
		return
	}
	info := v.Employees[i]
	if u.FirstName != nil {
		info.FirstName = *u.FirstName
	}
	if u.LastName != nil {
		info.LastName = *u.LastName
	}
	v.Employees[i] = info
	if e, ok := v.repo.Get(u.Id); ok {
		e.FirstName, e.LastName = info.FirstName, info.LastName
		v.repo.Update(e)
	}
	v.UpdateList("Employees", info)
}

func (v *SimpleListVM) remove(id int) {
	v.repo.Remove(id)
	if i := v.index(id); i >= 0 {
		v.Employees = slices.Delete(v.Employees, i, i+1)
	}
	v.RemoveList("Employees", id)
}

func (v *SimpleListVM) index(id int) int {
	return slices.IndexFunc(v.Employees, func(e EmployeeInfo) bool { return e.Id == id })
}
