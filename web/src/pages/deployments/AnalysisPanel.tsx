// A deployment's analyses: each step's verdict, and per analysed metric its PromQL (canary and
// baseline sides), its measurements' outcomes and a chart of the measured values over time, canary
// against baseline where the analysis compares them. Data: the deployment's measurement events.
import { useMemo } from "react";
import { Graph } from "../../charts/Graph.js";
import { useTheme } from "../../app/theme.js";
import type { Deployment, DeploymentEvent } from "./api.js";
import { chartColumns, metricSeries, phaseCounts, type MetricSeries } from "./model.js";

/** Rows of the measurement table (the newest); the chart shows them all. */
const MAX_ROWS = 50;

const KIND: Record<MetricSeries["kind"], string> = {
  metric: "threshold metric",
  comparison: "baseline against canary (Mann-Whitney U)",
  kpi: "production KPI gate",
};

export function AnalysisPanel({ d, events }: { d: Deployment; events: readonly DeploymentEvent[] }) {
  const series = useMemo(() => metricSeries(events), [events]);
  const verdicts = d.state.analyses ?? [];
  if (series.length === 0 && verdicts.length === 0) {
    return null;
  }
  return (
    <section className="panel deploy-analysis" aria-labelledby={`analysis-${d.id}`}>
      <h3 id={`analysis-${d.id}`}>Analysis</h3>
      {verdicts.length > 0 && (
        <ul className="verdicts">
          {verdicts.map((v, k) => (
            <li key={k}>
              Step {v.step + 1} ({v.templates.join(", ")}):{" "}
              <span className={`phase phase-${v.phase.toLowerCase()}`}>{v.phase}</span>
              {v.message ? ` — ${v.message}` : ""}
            </li>
          ))}
        </ul>
      )}
      {series.map((s) => (
        <MetricChart key={s.key} s={s} />
      ))}
    </section>
  );
}

function MetricChart({ s }: { s: MetricSeries }) {
  const { theme } = useTheme();
  const aligned = useMemo(() => chartColumns(s), [s]);
  const counts = phaseCounts(s);
  const last = s.measurements[s.measurements.length - 1];
  return (
    <article className="metric" aria-label={`${s.template}/${s.metric}, ${s.scope}`}>
      <h4>
        {s.template}/{s.metric}{" "}
        <span className="muted">
          · {s.scope} · {KIND[s.kind]}
        </span>
      </h4>
      <dl className="promql">
        <dt>{s.baselineQuery === undefined ? "PromQL" : "PromQL (canary)"}</dt>
        <dd>
          <code>{s.query}</code>
        </dd>
        {s.baselineQuery !== undefined && (
          <>
            <dt>PromQL (baseline)</dt>
            <dd>
              <code>{s.baselineQuery}</code>
            </dd>
          </>
        )}
      </dl>
      <p className="measurement-summary">
        {s.measurements.length} measurement{s.measurements.length === 1 ? "" : "s"}:{" "}
        {Object.entries(counts)
          .map(([phase, n]) => `${n} ${phase.toLowerCase()}`)
          .join(", ")}
        {last ? (
          <>
            {" "}
            · last: <span className={`phase phase-${last.phase.toLowerCase()}`}>{last.phase}</span> (
            {last.message})
          </>
        ) : null}
        {last?.stats ? (
          <>
            {" "}
            · p = {last.stats.pValue.toPrecision(3)}, median canary {last.stats.canaryMedian.toPrecision(4)}{" "}
            vs baseline {last.stats.baselineMedian.toPrecision(4)}
          </>
        ) : null}
      </p>
      {aligned.data[0].length > 0 && <Graph aligned={aligned} theme={theme} height={160} />}
      <details>
        <summary>Measurements as a table</summary>
        <div className="table-wrap">
          <table className="result-table">
            <caption className="visually-hidden">
              Measurements of {s.template}/{s.metric}, {s.scope}
            </caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Outcome</th>
                <th scope="col">{s.baselineQuery === undefined ? "Values" : "Canary"}</th>
                {s.baselineQuery !== undefined && <th scope="col">Baseline</th>}
              </tr>
            </thead>
            <tbody>
              {s.measurements.slice(-MAX_ROWS).map((m) => (
                <tr key={m.seq}>
                  <td className="num">{m.seq}</td>
                  <td>{new Date(m.finishedAt).toLocaleTimeString()}</td>
                  <td>
                    {m.phase}: {m.message}
                  </td>
                  <td className="mono">{m.values.join(", ") || "—"}</td>
                  {s.baselineQuery !== undefined && (
                    <td className="mono">{(m.baselineValues ?? []).join(", ") || "—"}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </article>
  );
}
