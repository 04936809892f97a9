package examples

import (
	"encoding/json"
	"testing"

	"github.com/gonetify/gonetify/vm"
)

// The url-safe titles of dotNetify's books, in its order.
var bookTitles = []string{
	"the-martian", "life-of-pi", "wayward-pines", "the-5-love-languages-of-children",
	"the-csharp-players-guide", "beginning-aspdotnet-for-visual-studio-2015",
	"learning-web-app-development", "go-set-a-watchman",
}

func TestWebStoreService(t *testing.T) {
	s := NewWebStoreService()
	eq(t, "records", len(s.AllRecords()), 14)
	books := s.AllBooks()
	eq(t, "books", len(books), len(bookTitles))
	for i, b := range books {
		eq(t, "UrlSafeTitle", b.UrlSafeTitle, bookTitles[i])
		eq(t, "Type", b.Type, "Book")
	}
	b := s.BookByTitle("the-csharp-players-guide")
	if b == nil || b.Title != "The C# Player's Guide" || b.Id != 8 || !b.Recommended || b.Rating != 5 {
		t.Fatalf("BookByTitle: %+v", b)
	}
	if s.BookByTitle("storyteller") != nil {
		t.Fatal("BookByTitle found a music record")
	}
}

// The store front: the books with their routes; the client's router
// dispatches RoutingState.Active, which is accepted and not echoed.
func TestBookStore(t *testing.T) {
	h := newHub(t, quiet)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	s := c.request("BookStoreVM", nil)
	keys(t, s, "RoutingState", "Books")
	rs := get[vm.RoutingState](t, s, "RoutingState")
	eq(t, "Root", rs.Root, "examples/bookstore")
	eq(t, "templates", len(rs.Templates), 3)
	books := get[[]BookStoreItem](t, s, "Books")
	eq(t, "books", len(books), len(bookTitles))
	for i, b := range books {
		eq(t, "Route", b.Route, vm.Route{TemplateId: "Book", Path: "book/" + bookTitles[i]})
		eq(t, "Info.UrlSafeTitle", b.Info.UrlSafeTitle, bookTitles[i])
	}
	eq(t, "Books[0].Info.Title", books[0].Info.Title, "The Martian")

	for _, p := range []string{"book/life-of-pi", "default", ""} {
		if frames := c.dispatch("BookStoreVM", map[string]any{"RoutingState.Active": p}); len(frames) != 0 {
			t.Fatalf("Active %q: frames %s, want none", p, dump(frames))
		}
	}
}

// A book's page: the router connects BookDetailsVM with $vmArg
// {"RoutingState.Origin": path}, and its first state already holds the
// book; an unknown title gives a null Book and the searched title.
func TestBookDetails(t *testing.T) {
	h := newHub(t, quiet)
	c := connect(t, h, "c1", "127.0.0.1:1000")
	s := c.request("BookDetailsVM", map[string]any{"RoutingState.Origin": "book/go-set-a-watchman"})
	keys(t, s, "RoutingState", "Book", "SearchTitle", "BookDefaultRoute")
	book := get[*WebStoreRecord](t, s, "Book")
	if book == nil || book.Title != "Go Set A Watchman" || book.Author != "Harper Lee" {
		t.Fatalf("Book %s", s["Book"])
	}
	eq(t, "SearchTitle", get[string](t, s, "SearchTitle"), "go-set-a-watchman")
	eq(t, "Origin", get[vm.RoutingState](t, s, "RoutingState").Origin, "book/go-set-a-watchman")
	eq(t, "BookDefaultRoute", string(s["BookDefaultRoute"]), `{"TemplateId":null,"Path":"default","RedirectRoot":"examples/bookstore"}`)

	c2 := connect(t, h, "c2", "127.0.0.1:1001")
	s = c2.request("BookDetailsVM", map[string]any{"RoutingState.Origin": "book/no-such-book"})
	eq(t, "Book", string(s["Book"]), "null")
	eq(t, "SearchTitle", get[string](t, s, "SearchTitle"), "no-such-book")

	// Routed again on the same VM (the client sets Origin): the book and
	// title change, and only they are sent.
	d := only(t, c2.dispatch("BookDetailsVM", map[string]any{"RoutingState.Origin": "book/life-of-pi"}), "BookDetailsVM")
	keys(t, d, "Book", "SearchTitle")
	var b WebStoreRecord
	if err := json.Unmarshal(d["Book"], &b); err != nil || b.Title != "Life Of Pi" {
		t.Fatalf("Book %s (%v)", d["Book"], err)
	}
}
