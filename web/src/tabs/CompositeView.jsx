import { useState } from "react";
import { useVM } from "../useVM.js";
import ErrorBanner from "../components/ErrorBanner.jsx";

// The CompositeView example's view models, nested under the masters
// CompositeViewVM and FilterableMovieTableVM (created by the server).
const TABLE = "CompositeViewVM.FilterableMovieTableVM.MovieTableVM";
const FILTER = "CompositeViewVM.FilterableMovieTableVM.MovieFilterVM";
const DETAILS = "CompositeViewVM.MovieDetailsVM";

/** CompositeView: a movie table with paging and filters, and the selected movie's details. */
export default function CompositeView() {
  return (
    <section>
      <h2>Composite View</h2>
      <p className="hint">Three view models on one connection: the table, its filter and the details pane.</p>
      <MovieFilter />
      <div className="composite">
        <MovieTable />
        <MovieDetails />
      </div>
    </section>
  );
}

function MovieTable() {
  const { state, set, error, clearError } = useVM(TABLE);
  if (!state.Headers) return <p className="muted">Loading…</p>;
  const key = "Rank"; // a movie's key (dotNetify's MovieRecord)
  return (
    <div className="card grow">
      <ErrorBanner error={error} onClose={clearError} />
      <table className="table selectable" data-testid="movies">
        <thead>
          <tr>
            {state.Headers.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {state.Data.map((row) => (
            <tr
              key={row[key]}
              data-key={row[key]}
              className={row[key] === state.SelectedKey ? "selected" : ""}
              onClick={() => set({ SelectedKey: row[key] })}
            >
              {state.Headers.map((h) => (
                <td key={h}>{row[h]}</td>
              ))}
            </tr>
          ))}
          {state.Data.length === 0 && (
            <tr>
              <td colSpan={state.Headers.length} className="muted">
                No movies match.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <nav className="pages" data-testid="pages" aria-label="Pages">
        {state.Pagination.map((p) => (
          <button key={p} className={p === state.SelectedPage ? "active" : ""} aria-current={p === state.SelectedPage} onClick={() => set({ SelectedPage: p })}>
            {p}
          </button>
        ))}
      </nav>
    </div>
  );
}

const PROPERTIES = ["Any", "Rank", "Movie", "Year", "Cast", "Director"];
const NUMERIC = ["Rank", "Year"];

function MovieFilter() {
  const { dispatch, error, clearError } = useVM(FILTER);
  const [property, setProperty] = useState("Any");
  const [operation, setOperation] = useState("contains");
  const [text, setText] = useState("");
  const [filters, setFilters] = useState([]);
  const [nextId, setNextId] = useState(1);
  const operations = NUMERIC.includes(property) ? ["equals", ">=", "<="] : ["contains"];

  const changeProperty = (p) => {
    setProperty(p);
    setOperation(NUMERIC.includes(p) ? "equals" : "contains");
  };
  const apply = (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    const filter = { id: nextId, property, operation, text: text.trim() };
    dispatch({ Apply: filter });
    setFilters([...filters, filter]);
    setNextId(nextId + 1);
    setText("");
  };
  const remove = (id) => {
    dispatch({ Delete: id });
    setFilters(filters.filter((f) => f.id !== id));
  };

  return (
    <div className="card filter">
      <ErrorBanner error={error} onClose={clearError} />
      <form className="filter-form" onSubmit={apply}>
        <select data-testid="filter-property" value={property} onChange={(e) => changeProperty(e.target.value)}>
          {PROPERTIES.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <select data-testid="filter-operation" value={operation} onChange={(e) => setOperation(e.target.value)}>
          {operations.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
        <input data-testid="filter-text" className="grow" placeholder="Filter text" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit" data-testid="filter-apply">
          Apply
        </button>
      </form>
      {filters.length > 0 && (
        <ul className="chips" data-testid="filters">
          {filters.map((f) => (
            <li key={f.id}>
              {f.property} {f.operation} “{f.text}”
              <button className="link" aria-label="Remove filter" onClick={() => remove(f.id)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function MovieDetails() {
  const { state } = useVM(DETAILS);
  const movie = state.Movie;
  return (
    <aside className="card details" data-testid="details">
      {movie ? (
        <>
          <h3>
            <span className="rank">#{movie.Rank}</span> {movie.Movie}
          </h3>
          <p className="muted">
            {movie.Year} · directed by {movie.Director}
          </p>
          <h4>Cast</h4>
          <ul>
            {movie.Cast.split(",").map((c) => (
              <li key={c}>{c.trim()}</li>
            ))}
          </ul>
        </>
      ) : (
        <p className="muted">No movie selected.</p>
      )}
    </aside>
  );
}
