// Importing a Grafana dashboard JSON, pasted or uploaded: the server converts what lineops draws
// (time series, stat, gauge, bar gauge, table, state timeline; Prometheus queries; variables) and
// lists what it left out. The list is shown before the dashboard is opened.
import { useId, useState, type ChangeEvent, type FormEvent } from "react";
import { Link } from "../../app/router.js";
import { importGrafana, type StoredDashboard } from "./api.js";
import { describe } from "./panels/PanelView.js";

/** Grafana exports are rarely over a few hundred kB; the server refuses bodies over its limit anyway. */
const MAX_FILE_BYTES = 1_000_000;

type Outcome =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "error"; message: string }
  | { kind: "done"; imported: StoredDashboard & { warnings: string[] } };

export function ImportGrafana() {
  const id = useId();
  const [text, setText] = useState("");
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });

  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) {
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      setOutcome({
        kind: "error",
        message: `${file.name} is ${Math.round(file.size / 1024)} kB; the limit is 1 MB`,
      });
      return;
    }
    setText(await file.text());
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      setOutcome({ kind: "error", message: `Not JSON: ${(err as Error).message}` });
      return;
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      setOutcome({ kind: "error", message: 'A Grafana dashboard is a JSON object ({"panels": [...], ...})' });
      return;
    }
    setOutcome({ kind: "busy" });
    try {
      setOutcome({ kind: "done", imported: await importGrafana(json) });
    } catch (err) {
      setOutcome({ kind: "error", message: describe(err) });
    }
  };

  return (
    <section aria-labelledby="page-title">
      <p className="crumbs">
        <Link to="/dashboards">Dashboards</Link>
      </p>
      <h1 id="page-title">Import a Grafana dashboard</h1>
      <p className="muted">
        Paste a dashboard's JSON (Grafana: Share → Export, or the dashboard's JSON model) or upload the file.
        A dashboard of the same uid is replaced.
      </p>
      <form className="import-form" onSubmit={submit}>
        <label htmlFor={`${id}-file`}>Upload a JSON file</label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".json,application/json"
          onChange={(e) => void upload(e)}
        />
        <label htmlFor={`${id}-json`}>Grafana dashboard JSON</label>
        <textarea
          id={`${id}-json`}
          className="mono"
          rows={14}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <div className="button-row">
          <button type="submit" className="primary" disabled={text.trim() === "" || outcome.kind === "busy"}>
            Import
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {outcome.kind === "busy" ? <p className="muted">Importing…</p> : null}
        {outcome.kind === "error" ? (
          <div className="panel error" role="alert">
            <h2>Not imported</h2>
            <p className="mono">{outcome.message}</p>
          </div>
        ) : null}
        {outcome.kind === "done" ? (
          <div className="panel import-result">
            <h2>Imported “{outcome.imported.title}”</h2>
            <p>
              {outcome.imported.dashboard.panels.length} panels, {outcome.imported.dashboard.variables.length}{" "}
              variables.{" "}
              {outcome.imported.warnings.length === 0
                ? "Everything was imported."
                : `${outcome.imported.warnings.length} things were not imported as they were:`}
            </p>
            {outcome.imported.warnings.length > 0 ? (
              <ul className="import-warnings" aria-label="Import warnings">
                {outcome.imported.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            ) : null}
            <Link
              to={`/dashboards?uid=${encodeURIComponent(outcome.imported.uid)}`}
              className="button primary"
            >
              Open the dashboard
            </Link>
          </div>
        ) : null}
      </div>
    </section>
  );
}
