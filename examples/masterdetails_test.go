package examples

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMasterDetails(t *testing.T) {
	var logs syncBuffer
	opts := quiet
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h := newHub(t, opts)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	const listID, detailsID = "MasterDetails.MasterList", "MasterDetails.Details"

	s := c.request(listID, nil)
	keys(t, s, "Items", "Items_itemKey", "SelectedId", "Select")
	eq(t, "Items_itemKey", get[string](t, s, "Items_itemKey"), "Id")
	items := get[[]ListItem](t, s, "Items")
	eq(t, "len(Items)", len(items), len(catalog))
	eq(t, "Items[1]", items[1], ListItem{2, "Oak Writing Desk"})
	eq(t, "SelectedId", get[int](t, s, "SelectedId"), 0)

	s = c.request(detailsID, nil)
	keys(t, s, "Item")
	eq(t, "Item", string(s["Item"]), "null")
	eq(t, "VMs", h.Stats().VMs, 3)

	// Select on the list changes Details in the same cycle.
	frames := c.dispatch(listID, map[string]any{"Select": 2})
	if len(frames) != 2 || frames[0].VMID != listID || frames[1].VMID != detailsID {
		t.Fatalf("frames %s", dump(frames))
	}
	keys(t, frames[0].Data, "SelectedId")
	eq(t, "SelectedId", get[int](t, frames[0].Data, "SelectedId"), 2)
	keys(t, frames[1].Data, "Item")
	eq(t, "Item", get[CatalogItem](t, frames[1].Data, "Item"), catalog[1])

	// Dispatching SelectedId does the same; its echo is suppressed.
	frames = c.dispatch(listID, map[string]any{"SelectedId": 4})
	eq(t, "Item", get[CatalogItem](t, only(t, frames, detailsID), "Item"), catalog[3])

	// An unknown id is an exception for the list only.
	d := only(t, c.dispatch(listID, map[string]any{"Select": 42}), listID)
	eq(t, "ExceptionType", get[string](t, d, "ExceptionType"), "ArgumentException")

	// Disposing Details calls OnSubVMDisposing; selecting then only
	// changes the list.
	c.dispose(detailsID)
	if !strings.Contains(logs.String(), "sub view model disposing") || !strings.Contains(logs.String(), "DetailsVM") {
		t.Fatalf("log: %s", logs.String())
	}
	only(t, c.dispatch(listID, map[string]any{"Select": 5}), listID)

	// A new Details starts on the current selection (GetSubVM builds it).
	eq(t, "Item", get[CatalogItem](t, c.request(detailsID, nil), "Item"), catalog[4])

	// Disposing the master disposes its children first, each logged.
	c.dispose("MasterDetails")
	waitVMs(t, h, 0)
	eq(t, "disposing logs", strings.Count(logs.String(), "sub view model disposing"), 3)
}
