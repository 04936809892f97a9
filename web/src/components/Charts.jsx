// Small dependency-free SVG charts for the LiveChart tab.

const W = 480;
const H = 200;
const PAD = 28;
const COLORS = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2"];

/** A line chart of [x, y] points (numbers or numeric strings), y in [min, max]. */
export function LineChart({ points, min = -1, max = 1, label }) {
  const xs = points.map((p) => Number(p[0]));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const sx = (x) => PAD + ((x - x0) / Math.max(x1 - x0, 1)) * (W - 2 * PAD);
  const sy = (y) => H - PAD - ((y - min) / (max - min)) * (H - 2 * PAD);
  const path = points.map((p, i) => `${i ? "L" : "M"}${sx(Number(p[0])).toFixed(1)},${sy(Number(p[1])).toFixed(1)}`).join(" ");
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-testid="line-chart">
      {[min, (min + max) / 2, max].map((v) => (
        <g key={v}>
          <line className="grid" x1={PAD} x2={W - PAD} y1={sy(v)} y2={sy(v)} />
          <text className="axis" x={PAD - 6} y={sy(v) + 4} textAnchor="end">
            {v}
          </text>
        </g>
      ))}
      <text className="axis" x={PAD} y={H - 8}>
        {x0}
      </text>
      <text className="axis" x={W - PAD} y={H - 8} textAnchor="end">
        {x1}
      </text>
      <path d={path} fill="none" stroke={COLORS[0]} strokeWidth="2.5" strokeLinejoin="round" />
    </svg>
  );
}

/** A bar chart of values from 0 to max. */
export function BarChart({ values, max = 1000, label }) {
  const bw = (W - 2 * PAD) / Math.max(values.length, 1);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-testid="bar-chart">
      <line className="grid" x1={PAD} x2={W - PAD} y1={H - PAD} y2={H - PAD} />
      {values.map((v, i) => {
        const h = (Math.min(v, max) / max) * (H - 2 * PAD);
        return (
          <g key={i}>
            <rect x={PAD + i * bw + 3} y={H - PAD - h} width={bw - 6} height={h} rx="3" fill={COLORS[1]}>
              <title>{v}</title>
            </rect>
            <text className="axis" x={PAD + i * bw + bw / 2} y={H - 10} textAnchor="middle">
              {i + 1}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** A doughnut chart of values, as shares of their sum. */
export function PieChart({ values, labels = [], label }) {
  const total = values.reduce((a, b) => a + b, 0) || 1;
  const r = 70;
  const c = 2 * Math.PI * r;
  let offset = 0;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-testid="pie-chart">
      <g transform={`translate(${H / 2 + 20}, ${H / 2}) rotate(-90)`}>
        {values.map((v, i) => {
          const len = (v / total) * c;
          const seg = (
            <circle key={i} r={r} fill="none" stroke={COLORS[(i + 2) % COLORS.length]} strokeWidth="34" strokeDasharray={`${len} ${c - len}`} strokeDashoffset={-offset} />
          );
          offset += len;
          return seg;
        })}
      </g>
      {values.map((v, i) => (
        <g key={i} transform={`translate(${H + 50}, ${60 + i * 32})`}>
          <rect width="14" height="14" rx="3" fill={COLORS[(i + 2) % COLORS.length]} />
          <text className="legend" x="22" y="12">
            {labels[i] || `Series ${i + 1}`}: {Math.round((v / total) * 100)}%
          </text>
        </g>
      ))}
    </svg>
  );
}
