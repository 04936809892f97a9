package vm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/vm"
)

// ShopVM routes to one page per product: dotNetify's BookStoreVM in
// miniature.
type ShopVM struct {
	vm.Base
	vm.Routable
	_ vm.Computed `vm:"Products"`
}

// Product is a product with the route of its page.
type Product struct {
	Name  string
	Route vm.Route
}

// Products is computed: each product with its route.
func (v *ShopVM) Products() []Product {
	return []Product{{Name: "pen", Route: v.GetRoute("Product", "product/pen")}}
}

// ProductVM is the product page, routed to from ShopVM.
type ProductVM struct {
	vm.Base
	vm.Routable
	Name string
}

// ExampleRoutable shows a routable VM's state as the client's router reads
// it, and a routed-to VM learning its route from the $vmArg the router
// gives the page it loads.
func ExampleRoutable() {
	reg := vm.NewRegistry()
	vm.MustRegister(reg, "ShopVM", func(context.Context, vm.ID) (*ShopVM, error) {
		shop := &ShopVM{}
		shop.RegisterRoutes("shop",
			vm.RouteTemplate{Id: "Home", UrlPattern: ""},
			vm.RouteTemplate{Id: "Product", UrlPattern: "product(/:name)"},
		)
		return shop, nil
	})
	vm.MustRegister(reg, "ProductVM", func(context.Context, vm.ID) (*ProductVM, error) {
		page := &ProductVM{}
		page.OnRouted(func(e vm.RoutedEventArgs) {
			page.Name = strings.TrimPrefix(e.From, "product/")
			page.Changed("Name")
		})
		return page, nil
	})
	h := hub.New(reg, hub.Options{})
	c, _ := h.Connect(&vm.Conn{ID: "c1"}, hub.SenderFunc(func(r *hub.Response) error {
		fmt.Println(r.VMID, string(r.Data))
		return nil
	}))
	defer c.Close()
	c.Handle(hub.Message{CallType: hub.RequestVM, VMID: "ShopVM"})
	// The client's router opens the product page with this $vmArg.
	c.Handle(hub.Message{CallType: hub.RequestVM, VMID: "ProductVM", VMArgs: json.RawMessage(`{"$vmArg":{"RoutingState.Origin":"product/pen"}}`)})
	// Output:
	// ShopVM {"RoutingState":{"Templates":[{"Id":"Home","Root":null,"UrlPattern":"","ViewUrl":null,"JSModuleUrl":null,"Target":null},{"Id":"Product","Root":null,"UrlPattern":"product(/:name)","ViewUrl":null,"JSModuleUrl":null,"Target":null}],"Root":"shop","Active":null,"Origin":null},"Products":[{"Name":"pen","Route":{"TemplateId":"Product","Path":"product/pen","RedirectRoot":null}}]}
	// ProductVM {"RoutingState":{"Templates":null,"Root":null,"Active":null,"Origin":"product/pen"},"Name":"pen"}
}
