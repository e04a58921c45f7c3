// An operations report on request: pick the period (and a shift), preview its headline figures, and
// download it as HTML, CSV or PDF (same-origin links: the session cookie authenticates them).
import { useId, useState, type FormEvent } from "react";
import { getReport, reportUrl, type Format, type Period, type ReportSummary } from "./api.js";
import { message, percent, when } from "./format.js";

type State =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "error"; message: string }
  | { kind: "ok"; report: ReportSummary; period: Period; shift: string };

export function GenerateReport({ pdfAvailable }: { pdfAvailable: boolean }) {
  const [period, setPeriod] = useState<Period>("day");
  const [shift, setShift] = useState("");
  const [state, setState] = useState<State>({ kind: "idle" });
  const id = useId();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setState({ kind: "loading" });
    getReport({ period, shift }).then(
      (report) => setState({ kind: "ok", report, period, shift }),
      (err: unknown) => setState({ kind: "error", message: message(err) }),
    );
  };

  return (
    <section className="panel reports-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Operations report</h2>
      <form className="reports-form" onSubmit={submit}>
        <label htmlFor={`${id}-period`}>Period</label>
        <select id={`${id}-period`} value={period} onChange={(e) => setPeriod(e.target.value as Period)}>
          <option value="shift">Last shift</option>
          <option value="day">Yesterday</option>
          <option value="week">Last week</option>
        </select>
        {period === "shift" && (
          <>
            <label htmlFor={`${id}-shift`}>Shift (empty: the last of any)</label>
            <input id={`${id}-shift`} value={shift} onChange={(e) => setShift(e.target.value)} />
          </>
        )}
        <button type="submit" className="primary" disabled={state.kind === "loading"}>
          Generate report
        </button>
      </form>
      {state.kind === "loading" && (
        <p className="muted" role="status">
          Gathering the figures…
        </p>
      )}
      {state.kind === "error" && (
        <p className="error-text" role="alert">
          {state.message}
        </p>
      )}
      {state.kind === "ok" && (
        <div className="report-preview" role="status">
          <h3>{state.report.title}</h3>
          <p>
            {when(state.report.from)} to {when(state.report.to)} ({state.report.timezone})
          </p>
          <ul>
            <li>OEE of the line: {percent(state.report.oeeByDay.total.line.oee)}</li>
            <li>Downtime in planned time: {Math.round(state.report.downtime.downtimeSeconds / 60)} min</li>
            <li>
              Deployments: {state.report.deployments.deployments}, change failure rate{" "}
              {percent(state.report.deployments.changeFailureRate, 0)}
            </li>
            <li>Alert activations: {state.report.topAlerts.reduce((n, a) => n + a.activations, 0)}</li>
            {state.report.notYet.map((n) => (
              <li key={n.section}>
                {n.section}: {n.reason}
              </li>
            ))}
          </ul>
          <div className="button-row">
            {(["html", "csv", "pdf"] as Format[]).map((f) =>
              f === "pdf" && !pdfAvailable ? null : (
                <a
                  key={f}
                  className="button"
                  href={reportUrl({ period: state.period, shift: state.shift }, f)}
                  download
                >
                  Download {f.toUpperCase()}
                </a>
              ),
            )}
          </div>
          {!pdfAvailable && (
            <p className="muted">PDF needs Chromium on the lineops host, which is not installed.</p>
          )}
        </div>
      )}
    </section>
  );
}
