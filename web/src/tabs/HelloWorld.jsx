import { useState } from "react";
import { useVM } from "../useVM.js";
import ErrorBanner from "../components/ErrorBanner.jsx";

/**
 * HelloWorldVM (dotNetify's: two names and the computed FullName), with two
 * demo view models beside it: GreetingVM (a Submit command) and
 * ServerTimeVM (the pushed ServerTime).
 */
export default function HelloWorld() {
  const { state, set, error, clearError } = useVM("HelloWorldVM");
  const greeting = useVM("GreetingVM");
  const clock = useVM("ServerTimeVM");
  const [person, setPerson] = useState({ FirstName: "", LastName: "" });
  const loaded = state.FullName !== undefined;

  const submit = (e) => {
    e.preventDefault();
    greeting.dispatch({ Submit: person });
  };

  return (
    <section>
      <h2>Hello World</h2>
      <p className="hint">Type a name: the server computes the full name. The server time is pushed every second.</p>
      <ErrorBanner error={error} onClose={clearError} />
      <ErrorBanner error={greeting.error} onClose={greeting.clearError} />
      <ErrorBanner error={clock.error} onClose={clock.clearError} />
      <div className="grid2">
        <div className="card">
          <label>
            First name
            <input
              data-testid="first-name"
              value={state.FirstName ?? ""}
              disabled={!loaded}
              onChange={(e) => set({ FirstName: e.target.value })}
            />
          </label>
          <label>
            Last name
            <input
              data-testid="last-name"
              value={state.LastName ?? ""}
              disabled={!loaded}
              onChange={(e) => set({ LastName: e.target.value })}
            />
          </label>
          <p className="result">
            Full name: <strong data-testid="full-name">{state.FullName}</strong>
          </p>
          <p className="muted">
            Server time: <span data-testid="server-time">{formatTime(clock.state.ServerTime)}</span>
          </p>
        </div>
        <form className="card" onSubmit={submit}>
          <p className="result" data-testid="greetings">
            {greeting.state.Greetings}
          </p>
          <label>
            First name
            <input data-testid="submit-first" value={person.FirstName} onChange={(e) => setPerson({ ...person, FirstName: e.target.value })} />
          </label>
          <label>
            Last name
            <input data-testid="submit-last" value={person.LastName} onChange={(e) => setPerson({ ...person, LastName: e.target.value })} />
          </label>
          <button type="submit" disabled={greeting.state.Greetings === undefined}>
            Submit
          </button>
        </form>
      </div>
    </section>
  );
}

function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleTimeString();
}
