import { useRef, useState } from "react";
import { useVM } from "../useVM.js";
import ErrorBanner from "../components/ErrorBanner.jsx";

/**
 * SimpleListVM: an editable employee list. The server shares it among the
 * browsers on one IP address and sends list changes (Employees_add,
 * _update, _remove), which the client applies by item key.
 */
export default function SimpleList() {
  const { state, dispatch, error, clearError } = useVM("SimpleListVM");
  const [name, setName] = useState("");
  const employees = state.Employees;

  const add = (e) => {
    e.preventDefault();
    if (name.trim()) dispatch({ Add: name.trim() });
    setName("");
  };

  return (
    <section>
      <h2>Simple List</h2>
      <p className="hint">Changes reach every browser on your machine. Click a name to edit it.</p>
      <ErrorBanner error={error} onClose={clearError} />
      <form className="add" onSubmit={add}>
        <input data-testid="new-name" placeholder="Full name, e.g. Ada Lovelace" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" data-testid="add" disabled={!employees}>
          Add
        </button>
      </form>
      {employees ? (
        <table className="table" data-testid="employees">
          <thead>
            <tr>
              <th>Id</th>
              <th>First name</th>
              <th>Last name</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {employees.map((emp) => (
              <tr key={emp.Id} data-id={emp.Id}>
                <td className="num">{emp.Id}</td>
                <td>
                  <EditableText value={emp.FirstName} testid="first" onSave={(v) => dispatch({ Update: { Id: emp.Id, FirstName: v } })} />
                </td>
                <td>
                  <EditableText value={emp.LastName} testid="last" onSave={(v) => dispatch({ Update: { Id: emp.Id, LastName: v } })} />
                </td>
                <td className="actions">
                  <button className="link danger" data-testid="remove" title="Remove" onClick={() => dispatch({ Remove: emp.Id })}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}

/** Text that turns into an input when clicked; Enter or leaving the field saves, Escape cancels. */
function EditableText({ value, onSave, testid }) {
  const [draft, setDraft] = useState(null);
  const done = useRef(false); // Enter, then the blur of the removed input: save once
  const edit = () => {
    done.current = false;
    setDraft(value);
  };
  if (draft === null) {
    return (
      <button className="editable" data-testid={testid} onClick={edit}>
        {value || <span className="muted">(empty)</span>}
      </button>
    );
  }
  const save = () => {
    if (done.current) return;
    done.current = true;
    if (draft !== value) onSave(draft);
    setDraft(null);
  };
  return (
    <input
      autoFocus
      data-testid={`${testid}-input`}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={save}
      onKeyDown={(e) => {
        if (e.key === "Enter") save();
        if (e.key === "Escape") {
          done.current = true;
          setDraft(null);
        }
      }}
    />
  );
}
