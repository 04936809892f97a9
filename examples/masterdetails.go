package examples

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"github.com/gonetify/gonetify/vm"
)

// The MasterDetails example is dotNetify's DataFlow example
// (DevApp.ViewModels/DataFlow.cs), with its names: a master VM wiring two
// sub-VMs that the client connects as "MasterDetails.MasterList" and
// "MasterDetails.Details". Select on the list changes the details'
// ItemImageUrl in the same cycle, and the hub then pushes the details'
// delta. The records are made-up books (WebStoreRecord, as BookStore's).

// newCatalogItem makes a made-up book whose cover is an inline SVG, so the
// example needs no network.
func newCatalogItem(id int, category string, recommended bool, title, author string, rating float32, color string) WebStoreRecord {
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="120" height="180"><rect width="120" height="180" fill="%s"/><text x="60" y="90" font-size="10" text-anchor="middle" fill="white">%s</text></svg>`, color, title)
	return WebStoreRecord{
		Id: id, Type: "Book", Category: category, Recommended: recommended,
		Title: title, Author: author, Rating: rating,
		ImageUrl:     "data:image/svg+xml," + url.PathEscape(svg),
		UrlSafeTitle: urlSafe(title),
	}
}

// urlSafe is dotNetify's WebStoreRecord.ToUrlSafe.
func urlSafe(title string) string {
	return strings.NewReplacer("'", "", ".", "dot", "#", "sharp", " ", "-").Replace(strings.ToLower(title))
}

var catalog = []WebStoreRecord{
	newCatalogItem(1, "Programming", true, "Brass Compass Patterns", "Ada Quill", 4.5, "#8a6d3b"),
	newCatalogItem(2, "Programming", false, "The Oak Desk Handbook", "Ben Marsh", 4, "#6b4f2a"),
	newCatalogItem(3, "Cooking", true, "Enamel Kettle Recipes", "Cora Vale", 3.5, "#2f5d8a"),
	newCatalogItem(4, "Travel", false, "A Linen Field Journal", "Dev Okoro", 5, "#7a7a5c"),
	newCatalogItem(5, "Gardening", false, "Copper Rain and C# Notes", "Eli Brandt", 4, "#b87333"),
}

func catalogItem(id int) *WebStoreRecord {
	if i := slices.IndexFunc(catalog, func(c WebStoreRecord) bool { return c.Id == id }); i >= 0 {
		it := catalog[i]
		return &it
	}
	return nil
}

// MasterDetailsVM is the master of MasterListVM and DetailsVM (dotNetify's
// MasterDetails). It has no state of its own; it keeps the selection so
// that a new details pane starts on it.
type MasterDetailsVM struct {
	vm.Base
	log      *slog.Logger
	selected int
	list     *MasterListVM
	details  *DetailsVM
}

// NewMasterDetailsVM returns a master that logs to log.
func NewMasterDetailsVM(log *slog.Logger) *MasterDetailsVM { return &MasterDetailsVM{log: log} }

// GetSubVM builds the Details sub-VM itself, showing the current selection;
// any other type comes from the registry.
func (v *MasterDetailsVM) GetSubVM(typeName, _ string) vm.VM {
	if typeName == "Details" {
		d := NewDetailsVM()
		if item := catalogItem(v.selected); item != nil {
			d.ItemImageUrl = &item.ImageUrl
		}
		return d
	}
	return nil
}

// OnSubVMCreated gives a MasterListVM the records and wires its selection
// to the details pane.
func (v *MasterDetailsVM) OnSubVMCreated(sub vm.VM) {
	switch s := sub.(type) {
	case *MasterListVM:
		v.list = s
		s.onSelect = v.selectItem
	case *DetailsVM:
		v.details = s
	}
}

// OnSubVMDisposing logs the disposal and unwires the sub-VM.
func (v *MasterDetailsVM) OnSubVMDisposing(sub vm.VM) {
	v.log.Info("MasterDetails: sub view model disposing", "sub", fmt.Sprintf("%T", sub))
	switch s := sub.(type) {
	case *MasterListVM:
		if s == v.list {
			v.list = nil
		}
	case *DetailsVM:
		if s == v.details {
			v.details = nil
		}
	}
}

func (v *MasterDetailsVM) selectItem(item *WebStoreRecord) {
	v.selected = item.Id
	if v.details != nil {
		v.details.setData(item)
	}
}

// MasterListVM lists the records (dotNetify's MasterList).
type MasterListVM struct {
	vm.Base
	// ListItems are the records.
	ListItems []WebStoreRecord

	_ vm.Commands `vm:"Select"`

	onSelect func(*WebStoreRecord) // set by the master
}

// NewMasterListVM returns a list of every record.
func NewMasterListVM() *MasterListVM {
	return &MasterListVM{ListItems: slices.Clone(catalog)}
}

// Select selects the record with the given Id, which the details pane then
// shows. An unknown Id is an ArgumentException.
func (v *MasterListVM) Select(id int) error {
	item := catalogItem(id)
	if item == nil {
		return &vm.Exception{Type: "ArgumentException", Message: fmt.Sprintf("no item with Id %d", id)}
	}
	if v.onSelect != nil {
		v.onSelect(item)
	}
	return nil
}

// DetailsVM shows the selected record's image (dotNetify's Details).
type DetailsVM struct {
	vm.Base
	// ItemImageUrl is the selected record's ImageUrl; null before a
	// selection.
	ItemImageUrl *string
}

// NewDetailsVM returns a details pane showing nothing.
func NewDetailsVM() *DetailsVM { return &DetailsVM{} }

// setData is the original's SetData (unexported: never a command).
func (v *DetailsVM) setData(item *WebStoreRecord) {
	v.ItemImageUrl = &item.ImageUrl
	v.Changed("ItemImageUrl")
}
