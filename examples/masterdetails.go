package examples

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/gonetify/gonetify/vm"
)

// The MasterDetails example shows a master VM wiring two sub-VMs that the
// client connects as "MasterDetails.MasterList" and "MasterDetails.Details":
// a Select on the list changes the details in the same cycle, and the hub
// then pushes the details' delta.

// CatalogItem is a record of the MasterDetails example.
type CatalogItem struct {
	// Id is the item key.
	Id int
	// Name is the item's name.
	Name string
	// Category groups items.
	Category string
	// Description is the long text the details pane shows.
	Description string
}

// ListItem is an item of MasterListVM's Items: the summary of a
// [CatalogItem].
type ListItem struct {
	// Id is the item key.
	Id int
	// Name is the item's name.
	Name string
}

var catalog = []CatalogItem{
	{1, "Brass Compass", "Instruments", "A pocket compass with a hinged lid and a luminous needle."},
	{2, "Oak Writing Desk", "Furniture", "A fold-down desk with six pigeonholes and a hidden drawer."},
	{3, "Enamel Kettle", "Kitchen", "A two-litre kettle in speckled blue enamel with a wooden handle."},
	{4, "Linen Field Journal", "Stationery", "A hundred and twenty dot-grid pages sewn into a linen cover."},
	{5, "Copper Rain Gauge", "Garden", "A copper funnel over a graduated glass tube on a ground spike."},
}

func catalogItem(id int) *CatalogItem {
	if i := slices.IndexFunc(catalog, func(c CatalogItem) bool { return c.Id == id }); i >= 0 {
		it := catalog[i]
		return &it
	}
	return nil
}

// MasterDetailsVM is the master of MasterListVM and DetailsVM. It has no
// state of its own; it keeps the selection so that a new details pane
// starts on it.
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
		d.Item = catalogItem(v.selected)
		return d
	}
	return nil
}

// OnSubVMCreated wires a MasterListVM's selection to the details pane.
func (v *MasterDetailsVM) OnSubVMCreated(sub vm.VM) {
	switch s := sub.(type) {
	case *MasterListVM:
		v.list = s
		s.SelectedId = v.selected
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

func (v *MasterDetailsVM) selectItem(item *CatalogItem) {
	v.selected = item.Id
	if v.details != nil {
		v.details.show(item)
	}
}

// MasterListVM lists the catalog and selects an item.
type MasterListVM struct {
	vm.Base
	// Items summarize the catalog, item key Id.
	Items []ListItem `vm:"itemKey=Id"`
	// SelectedId is the Id of the selected item, 0 for none. Dispatching it
	// is the same as Select.
	SelectedId int

	_ vm.Commands `vm:"Select"`

	onSelect func(*CatalogItem) // set by the master
}

// NewMasterListVM returns a list of the whole catalog, nothing selected.
func NewMasterListVM() *MasterListVM {
	v := &MasterListVM{Items: []ListItem{}}
	for _, c := range catalog {
		v.Items = append(v.Items, ListItem{c.Id, c.Name})
	}
	return v
}

// Select selects the item with the given Id, which the details pane then
// shows. An unknown Id is an ArgumentException.
func (v *MasterListVM) Select(id int) error {
	item := catalogItem(id)
	if item == nil {
		return &vm.Exception{Type: "ArgumentException", Message: fmt.Sprintf("no item with Id %d", id)}
	}
	v.SelectedId = id
	v.Changed("SelectedId")
	if v.onSelect != nil {
		v.onSelect(item)
	}
	return nil
}

// SetSelectedId is Select for a dispatched SelectedId.
func (v *MasterListVM) SetSelectedId(id int) error { return v.Select(id) }

// DetailsVM shows the selected catalog item.
type DetailsVM struct {
	vm.Base
	// Item is the selected item, or null.
	Item *CatalogItem
}

// NewDetailsVM returns a details pane showing nothing.
func NewDetailsVM() *DetailsVM { return &DetailsVM{} }

func (v *DetailsVM) show(item *CatalogItem) {
	v.Item = item
	v.Changed("Item")
}
