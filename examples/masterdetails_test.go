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
	keys(t, s, "ListItems", "Select")
	items := get[[]WebStoreRecord](t, s, "ListItems")
	eq(t, "len(ListItems)", len(items), len(catalog))
	eq(t, "ListItems[1]", items[1], catalog[1])
	eq(t, "UrlSafeTitle", items[4].UrlSafeTitle, "copper-rain-and-csharp-notes")
	eq(t, "Select", string(s["Select"]), "null")

	s = c.request(detailsID, nil)
	keys(t, s, "ItemImageUrl")
	eq(t, "ItemImageUrl", string(s["ItemImageUrl"]), "null")
	eq(t, "VMs", h.Stats().VMs, 3)

	// Select on the list changes Details in the same cycle; the list's own
	// state does not change.
	frames := c.dispatch(listID, map[string]any{"Select": 2})
	eq(t, "list frames", len(forVM(frames, listID)), 0)
	d := only(t, frames, detailsID)
	keys(t, d, "ItemImageUrl")
	eq(t, "ItemImageUrl", get[string](t, d, "ItemImageUrl"), catalog[1].ImageUrl)

	// An unknown id is an exception for the list only.
	d = only(t, c.dispatch(listID, map[string]any{"Select": 42}), listID)
	eq(t, "ExceptionType", get[string](t, d, "ExceptionType"), "ArgumentException")

	// Disposing Details calls OnSubVMDisposing; selecting then changes
	// nothing anybody sees.
	c.dispose(detailsID)
	if !strings.Contains(logs.String(), "sub view model disposing") || !strings.Contains(logs.String(), "DetailsVM") {
		t.Fatalf("log: %s", logs.String())
	}
	eq(t, "frames", len(c.dispatch(listID, map[string]any{"Select": 5})), 0)

	// A new Details starts on the current selection (GetSubVM builds it).
	eq(t, "ItemImageUrl", get[string](t, c.request(detailsID, nil), "ItemImageUrl"), catalog[4].ImageUrl)

	// Disposing the master disposes its children first, each logged.
	c.dispose("MasterDetails")
	waitVMs(t, h, 0)
	eq(t, "disposing logs", strings.Count(logs.String(), "sub view model disposing"), 3)
}
