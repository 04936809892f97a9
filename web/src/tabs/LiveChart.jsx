import { useEffect, useRef, useState } from "react";
import { useVM } from "../useVM.js";
import ErrorBanner from "../components/ErrorBanner.jsx";
import { BarChart, LineChart, PieChart } from "../components/Charts.jsx";

const WINDOW = 30; // waveform points shown

/** LiveChartVM: chart data pushed by the server every second (Waveform_add, Bar, Pie). */
export default function LiveChart() {
  const { state, error, clearError } = useVM("LiveChartVM");
  const updates = usePushCount(state.Bar);
  if (!state.Waveform) return <p className="muted">Loading…</p>;
  const wave = state.Waveform.slice(-WINDOW);

  return (
    <section>
      <h2>Live Chart</h2>
      <p className="hint">
        The server pushes a new point every second. Updates received: <strong data-testid="chart-updates">{updates}</strong>, last x:{" "}
        <strong data-testid="last-x">{wave.at(-1)?.[0]}</strong>
      </p>
      <ErrorBanner error={error} onClose={clearError} />
      <div className="charts">
        <figure className="card">
          <figcaption>Waveform</figcaption>
          <LineChart points={wave} label="Waveform" />
        </figure>
        <figure className="card">
          <figcaption>Bar</figcaption>
          <BarChart values={state.Bar} label="Bar" />
        </figure>
        <figure className="card">
          <figcaption>Pie</figcaption>
          <PieChart values={state.Pie} label="Pie" />
        </figure>
      </div>
    </section>
  );
}

/** Counts the pushes: each one replaces value (a new array), after the initial state. */
function usePushCount(value) {
  const [count, setCount] = useState(0);
  const first = useRef(true);
  useEffect(() => {
    if (value === undefined) return;
    if (first.current) first.current = false;
    else setCount((n) => n + 1);
  }, [value]);
  return count;
}
