import { useEffect, useRef } from "react";
import { RouteLink, useConnect } from "dotnetify";
// Routed views mount in their own React 18 root (createRoot), not with
// ReactDOM.render.
import "dotnetify/react/v18-compatibility";

/**
 * BookStoreVM and BookDetailsVM: dotNetify's routing. The store front
 * lists the books; each links, through RouteLink, to its own URL
 * (/examples/bookstore/book/<title>), which dotNetify's router loads into
 * the book panel: the view named by the route template (window.Book),
 * which connects BookDetailsVM with the route it came from. Opening a
 * book's URL directly loads the app, then the book.
 */
export default function BookStore() {
  const { vm, state } = useConnect(
    "BookStoreVM",
    {},
    {
      // The router asks where a template's view goes: the book panel.
      onRouteEnter: (path, template) => (template.Target = "BookPanel"),
    },
  );
  const vmRef = useRef(vm);
  vmRef.current = vm;
  // Leaving the tab takes the routed view (and its view model) with it.
  useEffect(() => () => vmRef.current?.$router?.unmountView("#BookPanel"), []);

  return (
    <section>
      <h2>Book Store</h2>
      <p className="hint">Each book has its own URL: open one in a new tab to go straight to its page.</p>
      {state.Books && (
        <div className="books" data-testid="books">
          {state.Books.map((book) => (
            <figure key={book.Info.Id} className="book" data-testid="book" data-title={book.Info.UrlSafeTitle}>
              <RouteLink vm={vm} route={book.Route}>
                <img className="cover" src={book.Info.ImageUrl} alt={book.Info.Title} />
              </RouteLink>
              <figcaption>
                <b>{book.Info.Title}</b>
                <div className="muted">by {book.Info.Author}</div>
              </figcaption>
            </figure>
          ))}
        </div>
      )}
      <div id="BookPanel" data-testid="book-panel" />
    </section>
  );
}

/** The store's default view (templates BookHome and BookDefault): no book open. */
export function BookDefault() {
  return null;
}

/**
 * The view of template "Book": the router renders it in the book panel
 * with props {vmRoot, vmArg: {"RoutingState.Origin": "book/<title>"}},
 * which useConnect passes to BookDetailsVM.
 */
export function Book(props) {
  const { vm, state } = useConnect("BookDetailsVM", { props, state: {} });
  if (!("Book" in state)) return null;
  const book = state.Book;
  return (
    <div className="book-details card" data-testid="book-details">
      {book ? (
        <div className="book-info">
          <img className="cover" src={book.ImageUrl} alt={book.Title} />
          <div>
            <h3 data-testid="book-title">{book.Title}</h3>
            <p data-testid="book-author">by {book.Author}</p>
            <p className="muted">
              {book.Category} · rated {book.Rating}
            </p>
          </div>
        </div>
      ) : (
        <p data-testid="book-missing">
          Sorry, no book title matches <b>{state.SearchTitle}</b>.
        </p>
      )}
      <button data-testid="book-back" onClick={() => vm.$routeTo(state.BookDefaultRoute)}>
        Back to the store
      </button>
    </div>
  );
}

// dotNetify's React router finds a template's view as window[ViewUrl || Id].
Object.assign(window, { BookDefault, Book });
