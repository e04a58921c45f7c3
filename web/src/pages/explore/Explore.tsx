// Explore: a PromQL query against lineops's own /api/v1, drawn as a chart or listed as a table.
// The URL holds the query (shareable); running a query writes it there and the page runs what the
// URL says, so a shared link, a reload and back/forward all show the same thing.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client.js";
import { formatQuery, instantQuery, rangeQuery, type QueryResult } from "../../api/prometheus.js";
import { navigate, useLocation } from "../../app/router.js";
import { useTheme } from "../../app/theme.js";
import { formatDuration, parseDuration } from "./duration.js";
import { Graph } from "../../charts/Graph.js";
import { PromqlEditor } from "./PromqlEditor.js";
import { ResultTable } from "./ResultTable.js";
import { alignMatrix, tableRows, type Aligned } from "../../charts/series.js";
import { effectiveStep } from "./step.js";
import { readState, writeState, type ExploreState, type Mode, type View } from "./url-state.js";

const RANGE_PRESETS = ["5m", "15m", "30m", "1h", "3h", "6h", "12h", "1d", "2d", "7d", "30d"];

type Outcome =
  | { kind: "idle" }
  | { kind: "running" }
  | { kind: "error"; title: string; message: string }
  | {
      kind: "done";
      result: QueryResult;
      aligned?: Aligned;
      step?: number;
      stepRaised?: boolean;
      tookMs: number;
    };

export default function Explore() {
  const { search, pathname } = useLocation();
  const urlState = readState(search);
  const { theme } = useTheme();
  const [draft, setDraft] = useState<ExploreState>(urlState);
  const [rangeText, setRangeText] = useState(formatDuration(urlState.range));
  const [stepText, setStepText] = useState(urlState.step === undefined ? "" : formatDuration(urlState.step));
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const [formatError, setFormatError] = useState<string | undefined>();
  const results = useRef<HTMLDivElement>(null);
  const ids = useId();
  // The view (graph or table) is not part of the query: switching it redraws, never re-runs.
  const key = writeState({ ...urlState, view: "graph" });
  /** Bumped by "Run query" on an unchanged URL: the same query again, for new data. */
  const [runs, setRuns] = useState(0);

  // The URL changed (run, back/forward, a shared link): take its state and run it.
  useEffect(() => {
    const s = readState(new URLSearchParams(key.slice(1)));
    setDraft(s);
    setRangeText(formatDuration(s.range));
    setStepText(s.step === undefined ? "" : formatDuration(s.step));
    if (s.expr.trim() === "") {
      setOutcome({ kind: "idle" });
      return;
    }
    const abort = new AbortController();
    setOutcome({ kind: "running" });
    execute(s, results.current?.clientWidth ?? 1000, abort.signal).then(
      (o) => !abort.signal.aborted && setOutcome(o),
      (err: unknown) => !abort.signal.aborted && setOutcome(failure("The query failed", err)),
    );
    return () => abort.abort();
  }, [key, runs]);

  const rangeSeconds = parseDuration(rangeText);
  const stepSeconds = stepText.trim() === "" ? undefined : parseDuration(stepText);
  const stepInvalid = stepText.trim() !== "" && stepSeconds === undefined;
  const invalid = rangeSeconds === undefined || stepInvalid;

  const run = (e?: FormEvent) => {
    e?.preventDefault();
    if (invalid) {
      return;
    }
    const next: ExploreState = { ...draft, range: rangeSeconds, step: stepSeconds };
    const to = `${pathname}${writeState(next)}`;
    if (to === window.location.pathname + window.location.search) {
      setRuns((n) => n + 1);
    } else {
      navigate(to);
    }
  };

  const format = async () => {
    setFormatError(undefined);
    try {
      const formatted = await formatQuery(draft.expr);
      setDraft((d) => ({ ...d, expr: formatted }));
    } catch (err) {
      setFormatError(describe(err));
    }
  };

  const setMode = (mode: Mode) =>
    setDraft((d) => ({ ...d, mode, view: mode === "instant" ? "table" : d.view }));
  const setView = (view: View) =>
    navigate(`${pathname}${writeState({ ...urlState, view })}`, { replace: true });
  const view: View = urlState.mode === "instant" ? "table" : urlState.view;

  return (
    <section className="explore" aria-labelledby="page-title">
      <h1 id="page-title">Explore</h1>
      <form className="query-form" onSubmit={run}>
        <div className="editor-row">
          <PromqlEditor
            label="PromQL expression"
            value={draft.expr}
            onChange={(expr) => setDraft((d) => ({ ...d, expr }))}
            onRun={() => run()}
          />
          <div className="editor-buttons">
            <button type="submit" className="primary" disabled={invalid || draft.expr.trim() === ""}>
              Run query
            </button>
            <button type="button" onClick={() => void format()} disabled={draft.expr.trim() === ""}>
              Format
            </button>
          </div>
        </div>
        {formatError === undefined ? null : (
          <p className="error-text" role="alert">
            Format: {formatError}
          </p>
        )}
        <div className="query-options">
          <fieldset className="segmented">
            <legend>Query type</legend>
            <div className="segmented-options">
              {(["range", "instant"] as const).map((m) => (
                <label key={m}>
                  <input
                    type="radio"
                    name={`${ids}-mode`}
                    value={m}
                    checked={draft.mode === m}
                    onChange={() => setMode(m)}
                  />
                  <span>{m === "range" ? "Range" : "Instant"}</span>
                </label>
              ))}
            </div>
          </fieldset>
          {draft.mode === "range" ? (
            <label>
              <span>Range</span>
              <input
                className="short"
                list={`${ids}-ranges`}
                value={rangeText}
                aria-invalid={rangeSeconds === undefined}
                onChange={(e) => setRangeText(e.target.value)}
              />
              <datalist id={`${ids}-ranges`}>
                {RANGE_PRESETS.map((r) => (
                  <option key={r} value={r} />
                ))}
              </datalist>
            </label>
          ) : null}
          <label>
            <span>{draft.mode === "range" ? "End" : "Evaluation time"}</span>
            <input
              type="datetime-local"
              step={1}
              value={draft.end === undefined ? "" : toLocalInput(draft.end)}
              onChange={(e) => setDraft((d) => ({ ...d, end: fromLocalInput(e.target.value) }))}
            />
          </label>
          {draft.end === undefined ? (
            <span className="muted">now</span>
          ) : (
            <button type="button" onClick={() => setDraft((d) => ({ ...d, end: undefined }))}>
              Now
            </button>
          )}
          {draft.mode === "range" ? (
            <label>
              <span>Step</span>
              <input
                className="short"
                placeholder="auto"
                value={stepText}
                aria-invalid={stepInvalid}
                onChange={(e) => setStepText(e.target.value)}
              />
            </label>
          ) : null}
        </div>
        {rangeSeconds === undefined || stepInvalid ? (
          <p className="error-text" role="alert">
            {rangeSeconds === undefined ? `Range "${rangeText}" is not a duration (e.g. 1h, 30m, 2d). ` : ""}
            {stepInvalid ? `Step "${stepText}" is not a duration (e.g. 15s, 1m).` : ""}
          </p>
        ) : null}
      </form>

      <div className="view-tabs" role="group" aria-label="Result view">
        <button
          type="button"
          aria-pressed={view === "graph"}
          disabled={urlState.mode === "instant"}
          onClick={() => setView("graph")}
        >
          Graph
        </button>
        <button type="button" aria-pressed={view === "table"} onClick={() => setView("table")}>
          Table
        </button>
      </div>

      <div className="results" ref={results} aria-live="polite" aria-busy={outcome.kind === "running"}>
        <Results outcome={outcome} view={view} mode={urlState.mode} theme={theme} />
      </div>
    </section>
  );
}

function Results({
  outcome,
  view,
  mode,
  theme,
}: {
  outcome: Outcome;
  view: View;
  mode: Mode;
  theme: "light" | "dark";
}) {
  switch (outcome.kind) {
    case "idle":
      return <p className="muted">Type a PromQL expression and press Enter or "Run query".</p>;
    case "running":
      return (
        <p className="muted" role="status">
          Running…
        </p>
      );
    case "error":
      return (
        <div className="panel error" role="alert">
          <h2>{outcome.title}</h2>
          <p className="mono">{outcome.message}</p>
        </div>
      );
    case "done": {
      const rows = tableRows(outcome.result);
      return (
        <>
          <p className="result-meta">
            {rows.length}{" "}
            {outcome.result.resultType === "matrix" || outcome.result.resultType === "vector"
              ? "series"
              : "value"}
            {outcome.step === undefined ? "" : `, step ${formatDuration(outcome.step)}`}
            {outcome.stepRaised ? " (raised to one point per pixel)" : ""}, {outcome.tookMs} ms
          </p>
          {view === "graph" && mode === "range" && outcome.aligned !== undefined ? (
            rows.length === 0 ? (
              <p className="muted">No data in this range.</p>
            ) : (
              <Graph aligned={outcome.aligned} theme={theme} />
            )
          ) : rows.length === 0 ? (
            <p className="muted">Empty result.</p>
          ) : (
            <ResultTable rows={rows} range={mode === "range"} />
          )}
        </>
      );
    }
  }
}

async function execute(s: ExploreState, widthPx: number, signal: AbortSignal): Promise<Outcome> {
  const startedAt = performance.now();
  const end = s.end ?? Date.now() / 1000;
  if (s.mode === "instant") {
    const result = await instantQuery(s.expr, end, signal);
    return { kind: "done", result, tookMs: Math.round(performance.now() - startedAt) };
  }
  // The chart's plot area is narrower than the page by the y axis; one point per pixel of it.
  const { step, raised } = effectiveStep(s.step, s.range, Math.max(100, widthPx - 80));
  const start = Math.floor((end - s.range) / step) * step;
  const alignedEnd = start + Math.floor((end - start) / step) * step;
  const result = await rangeQuery(s.expr, start, alignedEnd, step, signal);
  const aligned =
    result.resultType === "matrix" ? alignMatrix(result.result, start, alignedEnd, step) : undefined;
  return {
    kind: "done",
    result,
    ...(aligned ? { aligned } : {}),
    step,
    stepRaised: raised,
    tookMs: Math.round(performance.now() - startedAt),
  };
}

function failure(title: string, err: unknown): Outcome {
  return { kind: "error", title, message: describe(err) };
}

function describe(err: unknown): string {
  if (err instanceof ApiError) {
    return err.status === 0 ? err.message : `${err.errorType}: ${err.message}`;
  }
  return (err as Error).message;
}

/** Unix seconds → the value of <input type="datetime-local"> in the browser's time zone. */
function toLocalInput(unix: number): string {
  const d = new Date(unix * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function fromLocalInput(value: string): number | undefined {
  if (value === "") {
    return undefined;
  }
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t / 1000 : undefined;
}
