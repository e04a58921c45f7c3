// The table view: one row per series with its value (a range query's last value and point count).
import type { Row } from "../../charts/series.js";

/** More rows than this are not rendered (the page stays responsive); the count says so. */
const MAX_ROWS = 1000;

export function ResultTable({ rows, range }: { rows: Row[]; range: boolean }) {
  const shown = rows.slice(0, MAX_ROWS);
  return (
    <div className="table-wrap">
      <table className="result-table">
        <caption className="visually-hidden">Query result, {rows.length} rows</caption>
        <thead>
          <tr>
            <th scope="col">Series</th>
            <th scope="col">{range ? "Last value" : "Value"}</th>
            {range ? <th scope="col">Points</th> : null}
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={`${r.name}-${i}`}>
              <td className="mono">{r.name}</td>
              <td className="mono num">{r.value}</td>
              {range ? <td className="num">{r.points}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > MAX_ROWS ? (
        <p className="muted">
          Showing {MAX_ROWS} of {rows.length} rows; narrow the query to see the rest.
        </p>
      ) : null}
    </div>
  );
}
