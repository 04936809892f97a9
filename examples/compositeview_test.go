package examples

import (
	"testing"
)

const (
	tableID   = "CompositeViewVM.FilterableMovieTableVM.MovieTableVM"
	filterID  = "CompositeViewVM.FilterableMovieTableVM.MovieFilterVM"
	detailsID = "CompositeViewVM.MovieDetailsVM"
)

func ranks(ms []MovieRecord) []int {
	out := []int{}
	for _, m := range ms {
		out = append(out, m.Rank)
	}
	return out
}

func seq(from, to int) []int {
	out := []int{}
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestCompositeView(t *testing.T) {
	h := newHub(t, quiet)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	all := NewMovieService().All()
	eq(t, "movies", len(all), 40)

	s := c.request(tableID, nil)
	keys(t, s, "Headers", "Data", "SelectedKey", "Pagination", "SelectedPage")
	eq(t, "Headers", mustJSON(get[[]string](t, s, "Headers")), `["Rank","Movie","Year","Director"]`)
	eq(t, "Data ranks", mustJSON(ranks(get[[]MovieRecord](t, s, "Data"))), mustJSON(seq(1, 10)))
	eq(t, "Data[0]", get[[]MovieRecord](t, s, "Data")[0], all[0])
	eq(t, "Pagination", mustJSON(get[[]int](t, s, "Pagination")), mustJSON(seq(1, 4)))
	eq(t, "SelectedKey", get[int](t, s, "SelectedKey"), 1)
	eq(t, "SelectedPage", get[int](t, s, "SelectedPage"), 1)
	eq(t, "VMs", h.Stats().VMs, 3) // the two masters were created implicitly

	s = c.request(detailsID, nil)
	keys(t, s, "Movie")
	eq(t, "Movie", get[MovieRecord](t, s, "Movie"), all[0])

	s = c.request(filterID, nil)
	keys(t, s, "Apply", "Delete")
	eq(t, "VMs", h.Stats().VMs, 5)

	// Selecting a row: no echo for the table, a push for the details.
	frames := c.dispatch(tableID, map[string]any{"SelectedKey": 3})
	eq(t, "Movie", get[MovieRecord](t, only(t, frames, detailsID), "Movie"), all[2])

	// Turning the page.
	d := only(t, c.dispatch(tableID, map[string]any{"SelectedPage": 2}), tableID)
	keys(t, d, "Data")
	eq(t, "Data ranks", mustJSON(ranks(get[[]MovieRecord](t, d, "Data"))), mustJSON(seq(11, 20)))

	// A filter (keys in camelCase, as the view sends them) on another VM
	// changes the table, and the selection (Rank 3 is filtered out).
	var old []int
	for _, m := range all {
		if m.Year <= 1940 {
			old = append(old, m.Rank)
		}
	}
	frames = c.dispatch(filterID, map[string]any{"Apply": map[string]any{"id": 1, "property": "Year", "operation": "<=", "text": "1940"}})
	if len(frames) != 2 || frames[0].VMID != tableID || frames[1].VMID != detailsID {
		t.Fatalf("frames %s", dump(frames))
	}
	d = frames[0].Data
	keys(t, d, "Data", "SelectedKey", "Pagination", "SelectedPage")
	eq(t, "filtered ranks", mustJSON(ranks(get[[]MovieRecord](t, d, "Data"))), mustJSON(old))
	eq(t, "SelectedKey", get[int](t, d, "SelectedKey"), old[0])
	eq(t, "Pagination", mustJSON(get[[]int](t, d, "Pagination")), "[1]")
	eq(t, "SelectedPage", get[int](t, d, "SelectedPage"), 1)
	eq(t, "Movie", get[MovieRecord](t, frames[1].Data, "Movie").Rank, old[0])

	// Two filters are ANDed; "Any" searches title, cast and director.
	frames = c.dispatch(filterID, map[string]any{"Apply": map[string]any{"id": 2, "property": "Any", "operation": "contains", "text": "YARROW"}})
	d = only(t, frames, tableID) // the selection (Rank 1, by Yarrow) stays
	for _, m := range get[[]MovieRecord](t, d, "Data") {
		if m.Year > 1940 || m.Director != "Edmund Yarrow" {
			t.Fatalf("filtered in %+v", m)
		}
	}

	// Deleting the filters gives the full data again (the selection stays).
	c.dispatch(filterID, map[string]any{"Delete": 2})
	d = only(t, c.dispatch(filterID, map[string]any{"Delete": 1}), tableID)
	eq(t, "Data ranks", mustJSON(ranks(get[[]MovieRecord](t, d, "Data"))), mustJSON(seq(1, 10)))
	eq(t, "Pagination", mustJSON(get[[]int](t, d, "Pagination")), mustJSON(seq(1, 4)))

	// A bad filter empties the table; nothing is selected.
	frames = c.dispatch(filterID, map[string]any{"Apply": map[string]any{"id": 3, "property": "Rank", "operation": "equals", "text": "abc"}})
	if len(frames) != 2 {
		t.Fatalf("frames %s", dump(frames))
	}
	eq(t, "Data", string(frames[0].Data["Data"]), "[]")
	eq(t, "Pagination", string(frames[0].Data["Pagination"]), "[]")
	eq(t, "SelectedKey", get[int](t, frames[0].Data, "SelectedKey"), -1)
	eq(t, "Movie", string(frames[1].Data["Movie"]), "null")

	// Disposing the root disposes the whole tree.
	c.dispose("CompositeViewVM")
	waitVMs(t, h, 0)
}

func TestCompositeViewDetailsFirst(t *testing.T) {
	h := newHub(t, quiet)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	eq(t, "Movie", get[MovieRecord](t, c.request(detailsID, nil), "Movie").Rank, 1)
	c.request(tableID, nil)
	frames := c.dispatch(tableID, map[string]any{"SelectedKey": 7})
	eq(t, "Movie", get[MovieRecord](t, only(t, frames, detailsID), "Movie").Rank, 7)
	// Without its table, a selection has nowhere to go; disposing a child
	// leaves the masters.
	c.dispose(tableID)
	eq(t, "VMs", h.Stats().VMs, 3)
	c.conn.Close()
	waitVMs(t, h, 0)
}
