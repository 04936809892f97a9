package examples

import (
	"slices"

	"github.com/gonetify/gonetify/vm"
)

// The CompositeView example is a tree of VMs the client builds with nested
// scopes:
//
//	CompositeViewVM
//	├── FilterableMovieTableVM
//	│   ├── MovieTableVM    "CompositeViewVM.FilterableMovieTableVM.MovieTableVM"
//	│   └── MovieFilterVM   "CompositeViewVM.FilterableMovieTableVM.MovieFilterVM"
//	└── MovieDetailsVM      "CompositeViewVM.MovieDetailsVM"
//
// As in the original, children never reference each other: each master
// wires its children's callbacks (C# events) in OnSubVMCreated. A callback
// may change a sibling VM; that is safe because the hub runs one
// connection's VMs one cycle at a time, and after the cycle it pushes the
// sibling's changes.

// CompositeViewVM is the root of the CompositeView example. It has no state
// of its own: it gives the movie table its data and keeps the details pane
// on the selected movie.
type CompositeViewVM struct {
	vm.Base
	movies  *MovieService
	details *MovieDetailsVM
}

// NewCompositeViewVM returns the root VM over movies.
func NewCompositeViewVM(movies *MovieService) *CompositeViewVM {
	return &CompositeViewVM{movies: movies}
}

// OnSubVMCreated wires a FilterableMovieTableVM to the movie data and to
// the details pane, and shows movie 1 in a new MovieDetailsVM.
func (v *CompositeViewVM) OnSubVMCreated(sub vm.VM) {
	switch s := sub.(type) {
	case *FilterableMovieTableVM:
		s.onSelected = v.selected
		s.setDataSource(v.movies.All)
	case *MovieDetailsVM:
		s.setByRank(1)
		v.details = s
	}
}

// OnSubVMDisposing forgets a disposed details pane.
func (v *CompositeViewVM) OnSubVMDisposing(sub vm.VM) {
	if d, ok := sub.(*MovieDetailsVM); ok && d == v.details {
		v.details = nil
	}
}

func (v *CompositeViewVM) selected(rank int) {
	if v.details != nil {
		v.details.setByRank(rank)
	}
}

// FilterableMovieTableVM joins a MovieTableVM and a MovieFilterVM: it feeds
// the table its data source through the filter's current filters. It has
// no state of its own.
type FilterableMovieTableVM struct {
	vm.Base
	dataSource func() []MovieRecord
	filters    []MovieFilter
	table      *MovieTableVM
	onSelected func(rank int) // set by the master
}

// NewFilterableMovieTableVM returns a FilterableMovieTableVM without data;
// its master sets the data source.
func NewFilterableMovieTableVM() *FilterableMovieTableVM { return &FilterableMovieTableVM{} }

// OnSubVMCreated wires a MovieTableVM (data and selection) or a
// MovieFilterVM (filter changes).
func (v *FilterableMovieTableVM) OnSubVMCreated(sub vm.VM) {
	switch s := sub.(type) {
	case *MovieTableVM:
		v.table = s
		s.onSelected = func(rank int) {
			if v.onSelected != nil {
				v.onSelected(rank)
			}
		}
		v.updateData()
	case *MovieFilterVM:
		s.onFilterChanged = func(filters []MovieFilter) {
			v.filters = filters
			v.updateData()
		}
	}
}

// OnSubVMDisposing forgets a disposed table.
func (v *FilterableMovieTableVM) OnSubVMDisposing(sub vm.VM) {
	if t, ok := sub.(*MovieTableVM); ok && t == v.table {
		v.table = nil
	}
}

func (v *FilterableMovieTableVM) setDataSource(f func() []MovieRecord) {
	v.dataSource = f
	v.updateData()
}

func (v *FilterableMovieTableVM) updateData() {
	if v.table != nil {
		v.table.setDataSource(v.filteredData)
	}
}

func (v *FilterableMovieTableVM) filteredData() []MovieRecord {
	if v.dataSource == nil {
		return []MovieRecord{}
	}
	return filterMovies(v.dataSource(), v.filters)
}

// recordsPerPage is MovieTableVM's page size.
const recordsPerPage = 10

// MovieTableVM is a paginated, selectable movie table (DevApp.ViewModels/
// Examples/CompositeView/MovieTableVM.cs). Rows are identified by Rank.
//
// The original computes Data lazily while serializing, with side effects on
// SelectedKey, Pagination and SelectedPage; here those are computed eagerly
// when the data source or the page changes, which gives the same messages.
type MovieTableVM struct {
	vm.Base
	// Data is the current page of (filtered) movies.
	Data []MovieRecord
	// SelectedKey is the Rank of the selected movie; -1 when the data is
	// empty. Dispatching it updates the details pane.
	SelectedKey int
	// Pagination lists the page numbers, 1 to the page count.
	Pagination []int
	// SelectedPage is the page shown in Data. Dispatching it turns the page.
	SelectedPage int

	_ vm.Computed `vm:"Headers"`

	dataSource func() []MovieRecord
	all        []MovieRecord
	onSelected func(rank int) // set by the master
}

// NewMovieTableVM returns an empty table; its master sets the data source.
func NewMovieTableVM() *MovieTableVM { return &MovieTableVM{} }

// Headers are the table's column headers.
func (v *MovieTableVM) Headers() []string { return []string{"Rank", "Movie", "Year", "Director"} }

// SetSelectedKey selects a movie by Rank and tells the master.
func (v *MovieTableVM) SetSelectedKey(rank int) {
	v.SelectedKey = rank
	v.Changed("SelectedKey")
	if v.onSelected != nil {
		v.onSelected(rank)
	}
}

// SetSelectedPage shows page n of the data.
func (v *MovieTableVM) SetSelectedPage(n int) {
	v.SelectedPage = n
	lo := min(max(recordsPerPage*(n-1), 0), len(v.all))
	hi := min(lo+recordsPerPage, len(v.all))
	v.Data = slices.Clone(v.all[lo:hi])
	v.Changed("SelectedPage", "Data")
}

// SetPagination sets the page numbers and goes back to page 1.
func (v *MovieTableVM) SetPagination(pages []int) {
	v.Pagination = pages
	v.Changed("Pagination")
	v.SetSelectedPage(1)
}

// setDataSource loads the data: back to page 1, and the selection moves to
// the first movie when the selected one is gone.
func (v *MovieTableVM) setDataSource(f func() []MovieRecord) {
	v.dataSource = f
	v.all = f()
	if !slices.ContainsFunc(v.all, func(m MovieRecord) bool { return m.Rank == v.SelectedKey }) {
		key := -1
		if len(v.all) > 0 {
			key = v.all[0].Rank
		}
		v.SetSelectedKey(key)
	}
	pages := make([]int, (len(v.all)+recordsPerPage-1)/recordsPerPage)
	for i := range pages {
		pages[i] = i + 1
	}
	v.SetPagination(pages)
}

// MovieFilterVM keeps the list of filters the user applied. It has no
// state of its own, only the Apply and Delete commands.
type MovieFilterVM struct {
	vm.Base
	_ vm.Commands `vm:"Apply,Delete"`

	filters         []MovieFilter
	onFilterChanged func([]MovieFilter) // set by the master
}

// NewMovieFilterVM returns a MovieFilterVM without filters.
func NewMovieFilterVM() *MovieFilterVM { return &MovieFilterVM{} }

// Apply adds a filter; the table shows the movies passing all filters.
func (v *MovieFilterVM) Apply(f MovieFilter) {
	v.filters = append(v.filters, f)
	v.changed()
}

// Delete removes the filter with the given Id.
func (v *MovieFilterVM) Delete(id int) {
	v.filters = slices.DeleteFunc(v.filters, func(f MovieFilter) bool { return f.Id == id })
	v.changed()
}

func (v *MovieFilterVM) changed() {
	if v.onFilterChanged != nil {
		v.onFilterChanged(slices.Clone(v.filters))
	}
}

// MovieDetailsVM shows the selected movie.
type MovieDetailsVM struct {
	vm.Base
	// Movie is the selected movie, or null when none is.
	Movie *MovieRecord

	movies *MovieService
}

// NewMovieDetailsVM returns a details pane over movies, showing nothing
// until its master selects a movie.
func NewMovieDetailsVM(movies *MovieService) *MovieDetailsVM {
	return &MovieDetailsVM{movies: movies}
}

func (v *MovieDetailsVM) setByRank(rank int) {
	v.Movie = v.movies.ByRank(rank)
	v.Changed("Movie")
}
