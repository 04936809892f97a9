import { useVM } from "../useVM.js";
import ErrorBanner from "../components/ErrorBanner.jsx";

/** ControlTypesVM: one server property per kind of input control, each with a computed result. */
export default function ControlTypes() {
  const { state, set, dispatch, error, clearError } = useVM("ControlTypesVM");
  if (state.DropDownOptions === undefined) return <p className="muted">Loading…</p>;
  const results = state.SearchResults || [];

  return (
    <section>
      <h2>Control Types</h2>
      <ErrorBanner error={error} onClose={clearError} />
      <div className="controls">
        <Row label="Text box" result={state.TextBoxResult} testid="textbox-result">
          <input
            data-testid="textbox"
            placeholder={state.TextBoxPlaceHolder}
            value={state.TextBoxValue}
            onChange={(e) => set({ TextBoxValue: e.target.value })}
          />
        </Row>

        <Row label="Search box">
          <div className="search">
            <input
              data-testid="searchbox"
              placeholder={state.SearchBoxPlaceHolder}
              value={state.SearchBox}
              onChange={(e) => set({ SearchBox: e.target.value })}
            />
            {results.length > 0 && (
              <ul className="suggestions" data-testid="search-results">
                {results.map((p) => (
                  <li key={p}>
                    <button className="link" onClick={() => set({ SearchBox: p })}>
                      {p}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </Row>

        <Row label="Check boxes" result={state.CheckBoxResult} testid="checkbox-result">
          <label className="inline">
            <input
              type="checkbox"
              data-testid="show-me"
              checked={state.ShowMeCheckBox}
              onChange={(e) => set({ ShowMeCheckBox: e.target.checked })}
            />
            Show me
          </label>
          {state.ShowMeCheckBox && (
            <label className="inline">
              <input
                type="checkbox"
                data-testid="enable-me"
                checked={state.EnableMeCheckBox}
                onChange={(e) => set({ EnableMeCheckBox: e.target.checked })}
              />
              Enable me
            </label>
          )}
        </Row>

        <Row label="Simple drop-down" result={state.SimpleDropDownResult} testid="simple-dropdown-result">
          <select
            data-testid="simple-dropdown"
            value={state.SimpleDropDownValue}
            onChange={(e) => set({ SimpleDropDownValue: e.target.value })}
          >
            <option value="" disabled>
              Select an item ...
            </option>
            {state.SimpleDropDownOptions.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </Row>

        <Row label="Object drop-down" result={state.DropDownResult} testid="dropdown-result">
          <select
            data-testid="dropdown"
            value={String(state.DropDownValue)}
            onChange={(e) => set({ DropDownValue: e.target.value })}
          >
            <option value="0" disabled>
              {state.DropDownCaption}
            </option>
            {state.DropDownOptions.map((o) => (
              <option key={o.Id} value={String(o.Id)}>
                {o.Text}
              </option>
            ))}
          </select>
        </Row>

        <Row label="Radio buttons">
          {["green", "yellow"].map((color) => (
            <label className="inline" key={color}>
              <input
                type="radio"
                name="color"
                value={color}
                data-testid={`radio-${color}`}
                checked={state.RadioButtonValue === color}
                onChange={() => set({ RadioButtonValue: color })}
              />
              {color}
            </label>
          ))}
          <span className={`badge ${state.RadioButtonStyle}`} data-testid="radio-style">
            {state.RadioButtonValue}
          </span>
        </Row>

        <Row label="Button" result={`Clicked ${state.ClickCount} time${state.ClickCount === 1 ? "" : "s"}`} testid="click-count">
          <button data-testid="click-me" onClick={() => dispatch({ ButtonClicked: true })}>
            Click me
          </button>
        </Row>
      </div>
    </section>
  );
}

function Row({ label, result, testid, children }) {
  return (
    <div className="row">
      <div className="row-label">{label}</div>
      <div className="row-input">{children}</div>
      <div className="row-result" data-testid={testid}>
        {result}
      </div>
    </div>
  );
}
