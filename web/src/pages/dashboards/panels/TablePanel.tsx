// A table panel: one row per series, a column per label (as Grafana's "Labels to fields"), and the
// series reduced by the panel's reducer in the panel's unit.
import type { Panel } from "../api.js";
import type { PanelData } from "../data.js";
import { reduceValues } from "../reduce.js";
import { formatValue } from "../units.js";

/** More rows than this would make a panel a log viewer; the rest are counted, not drawn. */
const MAX_ROWS = 500;

export function TablePanel({ panel, data }: { panel: Panel; data: PanelData }) {
  const columns = [...new Set(data.series.flatMap((s) => Object.keys(s.labels)))]
    .filter(
      (k) =>
        k !== "__name__" || data.series.some((s) => s.labels.__name__ !== data.series[0]?.labels.__name__),
    )
    .sort();
  const rows = data.series.slice(0, MAX_ROWS);
  return (
    <div className="table-wrap">
      <table className="result-table">
        <caption className="visually-hidden">{panel.title || "Table"}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            <th scope="col" className="num">
              Value
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{s.labels[c] ?? ""}</td>
              ))}
              <td className="num">
                {formatValue(reduceValues(s.values, panel.reduce), panel.unit, panel.decimals)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.series.length > MAX_ROWS ? (
        <p className="muted">{data.series.length - MAX_ROWS} more series not shown.</p>
      ) : null}
    </div>
  );
}
