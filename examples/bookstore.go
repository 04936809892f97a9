package examples

import (
	_ "embed"
	"encoding/json"
	"slices"
	"strings"

	"github.com/gonetify/gonetify/vm"
)

// The BookStore example is dotNetify's (DevApp.ViewModels/Examples/
// BookStore.cs): a store front, BookStoreVM, lists the books, each with
// the route of its own page ("book/<url-safe title>" below the root
// "examples/bookstore"); the page a route loads connects BookDetailsVM,
// which learns from its routing state which book to show. The records are
// those of dotNetify's web store (DevApp.ViewModels/Docs/Examples/
// webstore.json), embedded from data/webstore.json.

//go:embed data/webstore.json
var webStoreJSON []byte

// WebStoreRecord is a record of the web store: dotNetify's WebStoreRecord.
type WebStoreRecord struct {
	// Id identifies the record.
	Id int
	// Type is "Book" or "Music".
	Type string
	// Category groups records ("Fiction", "Computer", …).
	Category string
	// Recommended marks a recommended record.
	Recommended bool
	// Title is the title.
	Title string
	// Author is the author or artist.
	Author string
	// Rating is the average rating, 0 to 5.
	Rating float32
	// ImageUrl is the cover image's URL.
	ImageUrl string
	// ItemUrl is the record's page in a web store.
	ItemUrl string
	// UrlSafeTitle is Title in lower case, with "'" removed, "." as "dot",
	// "#" as "sharp" and spaces as "-" (the original's ToUrlSafe).
	UrlSafeTitle string
}

// WebStoreService serves the web store's records: dotNetify's
// WebStoreService. It is read-only and safe for concurrent use.
type WebStoreService struct {
	records []WebStoreRecord
}

// NewWebStoreService returns a service over the embedded records.
func NewWebStoreService() *WebStoreService {
	var recs []WebStoreRecord
	if err := json.Unmarshal(webStoreJSON, &recs); err != nil {
		panic("examples: data/webstore.json: " + err.Error())
	}
	for i := range recs {
		recs[i].UrlSafeTitle = urlSafe(recs[i].Title)
	}
	return &WebStoreService{records: recs}
}

// AllRecords returns every record, books and music.
func (s *WebStoreService) AllRecords() []WebStoreRecord { return slices.Clone(s.records) }

// AllBooks returns the records of type "Book".
func (s *WebStoreService) AllBooks() []WebStoreRecord {
	var out []WebStoreRecord
	for _, r := range s.records {
		if r.Type == "Book" {
			out = append(out, r)
		}
	}
	return out
}

// BookByTitle returns the first book whose url-safe title is title, or nil.
func (s *WebStoreService) BookByTitle(title string) *WebStoreRecord {
	for _, r := range s.AllBooks() {
		if r.UrlSafeTitle == title {
			return &r
		}
	}
	return nil
}

// BookStoreVM is dotNetify's BookStoreVM: the books, each with its route,
// and the route templates "BookHome" (the store itself, whose view is
// BookDefault), "BookDefault" and "Book".
type BookStoreVM struct {
	vm.Base
	vm.Routable
	store *WebStoreService

	_ vm.Computed `vm:"Books"`
}

// BookStoreItem is an item of BookStoreVM's Books: the record and the
// route of its page.
type BookStoreItem struct {
	// Info is the book.
	Info WebStoreRecord
	// Route is the route of the book's page.
	Route vm.Route
}

// NewBookStoreVM returns the store front over store, its routes registered.
func NewBookStoreVM(store *WebStoreService) *BookStoreVM {
	v := &BookStoreVM{store: store}
	v.RegisterRoutes("examples/bookstore",
		vm.RouteTemplate{Id: "BookHome", UrlPattern: "", ViewUrl: "BookDefault"},
		vm.RouteTemplate{Id: "BookDefault", UrlPattern: "default"},
		vm.RouteTemplate{Id: "Book", UrlPattern: "book(/:title)"},
	)
	return v
}

// Books is computed: every book with the route "book/<url-safe title>".
func (v *BookStoreVM) Books() []BookStoreItem {
	books := v.store.AllBooks()
	out := make([]BookStoreItem, len(books))
	for i, b := range books {
		out[i] = BookStoreItem{Info: b, Route: v.GetRoute("Book", "book/"+b.UrlSafeTitle)}
	}
	return out
}

// BookDetailsVM is dotNetify's BookDetailsVM: the page of one book. The
// client's router connects it with $vmArg {"RoutingState.Origin":
// "book/<url-safe title>"}; the OnRouted handler then looks the book up.
// Book is null when no book has that title (SearchTitle says what was
// searched). BookDefaultRoute leads back to the store.
type BookDetailsVM struct {
	vm.Base
	vm.Routable
	store *WebStoreService

	// Book is the book shown, or nil.
	Book *WebStoreRecord
	// SearchTitle is the url-safe title the route asked for (nil until
	// routed).
	SearchTitle *string
	// BookDefaultRoute is the route back to the store's default view.
	BookDefaultRoute vm.Route
}

// NewBookDetailsVM returns a book page over store.
func NewBookDetailsVM(store *WebStoreService) *BookDetailsVM {
	v := &BookDetailsVM{store: store}
	v.BookDefaultRoute = v.Redirect("examples/bookstore", "default")
	v.OnRouted(func(e vm.RoutedEventArgs) {
		if e.From == "" {
			return
		}
		title := strings.ReplaceAll(e.From, "book/", "")
		v.SearchTitle = &title
		v.Changed("SearchTitle")
		v.Book = v.store.BookByTitle(title)
		v.Changed("Book")
	})
	return v
}
