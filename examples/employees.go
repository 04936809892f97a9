package examples

import (
	"slices"
	"sync"
)

// Employee is a record of the [EmployeeRepository].
type Employee struct {
	// Id is the key, assigned by Add.
	Id int
	// FirstName is the employee's first name.
	FirstName string
	// LastName is the employee's last name.
	LastName string
	// ReportTo is the name of the employee's manager.
	ReportTo string
	// Phone is the employee's phone number.
	Phone string
}

// EmployeeRepository is an in-memory employee store, the stand-in for
// dotNetify's Bogus-generated mock repository. It is safe for concurrent
// use.
type EmployeeRepository struct {
	mu   sync.Mutex
	list []Employee
}

// NewEmployeeRepository returns a repository holding seven made-up
// employees, Ids 1 to 7.
func NewEmployeeRepository() *EmployeeRepository {
	return &EmployeeRepository{list: []Employee{
		{1, "Marla", "Quinby", "", "(555) 201-3387"},
		{2, "Dorian", "Fletch", "Marla Quinby", "(555) 418-0923"},
		{3, "Ysolde", "Marchetti", "Marla Quinby", "(555) 730-5512"},
		{4, "Tobias", "Wrenfield", "Dorian Fletch", "(555) 664-1270"},
		{5, "Priya", "Ansel", "Dorian Fletch", "(555) 382-9946"},
		{6, "Cormac", "Delacroix-Hale", "Ysolde Marchetti", "(555) 905-4418"},
		{7, "Hanne", "Oyelaran", "Ysolde Marchetti", "(555) 147-6021"},
	}}
}

// GetAll returns a copy of every employee, in Id order of insertion.
func (r *EmployeeRepository) GetAll() []Employee {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.list)
}

// Replace sets the whole list (restoring a saved one).
func (r *EmployeeRepository) Replace(list []Employee) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = slices.Clone(list)
}

// Get returns the employee with the given Id.
func (r *EmployeeRepository) Get(id int) (Employee, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := r.index(id); i >= 0 {
		return r.list[i], true
	}
	return Employee{}, false
}

// Add stores e under a new Id (the highest Id plus one, or 1) and returns it.
func (r *EmployeeRepository) Add(e Employee) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.Id = 1
	for _, x := range r.list {
		e.Id = max(e.Id, x.Id+1)
	}
	r.list = append(r.list, e)
	return e.Id
}

// Update replaces the employee with e's Id; false if there is none.
func (r *EmployeeRepository) Update(e Employee) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := r.index(e.Id); i >= 0 {
		r.list[i] = e
		return true
	}
	return false
}

// Remove deletes the employee with the given Id; false if there is none.
func (r *EmployeeRepository) Remove(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := r.index(id); i >= 0 {
		r.list = slices.Delete(r.list, i, i+1)
		return true
	}
	return false
}

func (r *EmployeeRepository) index(id int) int {
	return slices.IndexFunc(r.list, func(e Employee) bool { return e.Id == id })
}
