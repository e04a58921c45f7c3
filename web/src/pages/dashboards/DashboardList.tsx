// The dashboards, by title: tags, whether a file provisions it, who saved it last. Operators get
// "New dashboard" and "Import from Grafana".
import { useEffect, useId, useState } from "react";
import { Link } from "../../app/router.js";
import { RequireRole } from "../../app/session.js";
import { listDashboards, type DashboardSummary } from "./api.js";
import { describe } from "./panels/PanelView.js";

type State =
  { kind: "loading" } | { kind: "error"; message: string } | { kind: "ok"; list: DashboardSummary[] };

export function DashboardList() {
  const [state, setState] = useState<State>({ kind: "loading" });
  const [filter, setFilter] = useState("");
  const id = useId();
  useEffect(() => {
    const abort = new AbortController();
    listDashboards(abort.signal).then(
      (list) => setState({ kind: "ok", list }),
      (err: unknown) => !abort.signal.aborted && setState({ kind: "error", message: describe(err) }),
    );
    return () => abort.abort();
  }, []);

  const f = filter.trim().toLowerCase();
  const shown =
    state.kind === "ok"
      ? state.list.filter(
          (d) =>
            f === "" || d.title.toLowerCase().includes(f) || d.tags.some((t) => t.toLowerCase().includes(f)),
        )
      : [];

  return (
    <section aria-labelledby="page-title">
      <div className="dash-head">
        <h1 id="page-title">Dashboards</h1>
        <RequireRole need="operator">
          <div className="button-row">
            <Link to="/dashboards?action=new" className="button">
              New dashboard
            </Link>
            <Link to="/dashboards?action=import" className="button">
              Import from Grafana
            </Link>
          </div>
        </RequireRole>
      </div>
      <label className="dash-var" htmlFor={id}>
        <span>Filter by title or tag</span>
      </label>
      <input id={id} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      {state.kind === "loading" ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : state.kind === "error" ? (
        <div className="panel error" role="alert">
          <p>{state.message}</p>
        </div>
      ) : state.list.length === 0 ? (
        <p className="muted">No dashboards yet. Operators can create one or import a Grafana dashboard.</p>
      ) : (
        <div className="table-wrap">
          <table className="result-table dash-list">
            <caption className="visually-hidden">Dashboards</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Tags</th>
                <th scope="col">Source</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((d) => (
                <tr key={d.uid}>
                  <td>
                    <Link to={`/dashboards?uid=${encodeURIComponent(d.uid)}`}>{d.title}</Link>
                  </td>
                  <td>
                    {d.tags.map((t) => (
                      <span key={t} className="badge">
                        {t}
                      </span>
                    ))}
                  </td>
                  <td>{d.provisioned ? <span className="badge">provisioned (read-only)</span> : "stored"}</td>
                  <td>
                    {new Date(d.updatedAt).toLocaleString()}{" "}
                    <span className="muted">
                      by {d.updatedBy}, v{d.version}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 ? <p className="muted">No dashboard matches “{filter}”.</p> : null}
        </div>
      )}
    </section>
  );
}
