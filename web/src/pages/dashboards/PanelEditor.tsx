// Editing one panel: title, type, queries (PromQL with a legend format), unit, decimals, bounds,
// reducer and size. "Apply" changes the dashboard being edited; nothing is stored until "Save".
import { useId, useState, type FormEvent } from "react";
import type { Panel, PanelType } from "./api.js";
import { REDUCER_LABELS, type Reducer } from "./reduce.js";
import { COMMON_UNITS } from "./units.js";

export const PANEL_TYPE_LABELS: Record<PanelType, string> = {
  timeseries: "Time series",
  stat: "Stat",
  gauge: "Gauge",
  bargauge: "Bar gauge",
  table: "Table",
  "state-timeline": "State timeline",
};

type Draft = {
  title: string;
  type: PanelType;
  queries: { expr: string; legend: string; instant: boolean }[];
  unit: string;
  decimals: string;
  min: string;
  max: string;
  reduce: Reducer;
  w: string;
  h: string;
};

function draftOf(p: Panel): Draft {
  return {
    title: p.title,
    type: p.type,
    queries: p.queries.map((q) => ({ expr: q.expr, legend: q.legend ?? "", instant: q.instant })),
    unit: p.unit ?? "",
    decimals: p.decimals === undefined ? "" : String(p.decimals),
    min: p.min === undefined ? "" : String(p.min),
    max: p.max === undefined ? "" : String(p.max),
    reduce: p.reduce,
    w: String(p.grid.w),
    h: String(p.grid.h),
  };
}

/** The panel `d` describes, or the first field at fault. */
function panelOf(base: Panel, d: Draft): Panel | { error: string } {
  const num = (s: string, what: string): number | undefined | { error: string } => {
    if (s.trim() === "") {
      return undefined;
    }
    const n = Number(s);
    return Number.isFinite(n) ? n : { error: `${what}: "${s}" is not a number` };
  };
  const fields = { decimals: num(d.decimals, "Decimals"), min: num(d.min, "Min"), max: num(d.max, "Max") };
  for (const v of Object.values(fields)) {
    if (typeof v === "object") {
      return v;
    }
  }
  const w = Number(d.w);
  const h = Number(d.h);
  if (!Number.isInteger(w) || w < 1 || w > 24) {
    return { error: "Width: a whole number of columns from 1 to 24" };
  }
  if (!Number.isInteger(h) || h < 1 || h > 100) {
    return { error: "Height: a whole number of rows from 1 to 100" };
  }
  const decimals = fields.decimals as number | undefined;
  if (decimals !== undefined && (!Number.isInteger(decimals) || decimals < 0 || decimals > 10)) {
    return { error: "Decimals: a whole number from 0 to 10" };
  }
  const queries = d.queries.filter((q) => q.expr.trim() !== "");
  const { unit: _u, decimals: _d, min: _mi, max: _ma, ...rest } = base;
  return {
    ...rest,
    title: d.title,
    type: d.type,
    queries: queries.map((q) => ({
      expr: q.expr,
      instant: q.instant,
      ...(q.legend === "" ? {} : { legend: q.legend }),
    })),
    ...(d.unit.trim() === "" ? {} : { unit: d.unit.trim() }),
    ...(decimals === undefined ? {} : { decimals }),
    ...(fields.min === undefined ? {} : { min: fields.min as number }),
    ...(fields.max === undefined ? {} : { max: fields.max as number }),
    reduce: d.reduce,
    grid: { ...base.grid, w, h, x: Math.min(base.grid.x, 24 - w) },
  };
}

export function PanelEditor({
  panel,
  onApply,
  onCancel,
}: {
  panel: Panel;
  onApply: (p: Panel) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [d, setD] = useState<Draft>(() => draftOf(panel));
  const [error, setError] = useState<string | undefined>();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const setQuery = (i: number, q: Partial<Draft["queries"][number]>) =>
    setD((x) => ({ ...x, queries: x.queries.map((old, k) => (k === i ? { ...old, ...q } : old)) }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = panelOf(panel, d);
    if ("error" in p) {
      setError(p.error);
      return;
    }
    onApply(p);
  };

  return (
    <form className="panel panel-editor" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Edit panel {panel.title ? `“${panel.title}”` : panel.id}</h2>
      <div className="editor-grid">
        <label>
          <span>Title</span>
          <input value={d.title} maxLength={200} onChange={(e) => set("title", e.target.value)} />
        </label>
        <label>
          <span>Type</span>
          <select value={d.type} onChange={(e) => set("type", e.target.value as PanelType)}>
            {Object.entries(PANEL_TYPE_LABELS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Unit</span>
          <input
            list={`${id}-units`}
            value={d.unit}
            onChange={(e) => set("unit", e.target.value)}
            placeholder="short"
          />
          <datalist id={`${id}-units`}>
            {COMMON_UNITS.map((u) => (
              <option key={u.id} value={u.id}>
                {u.label}
              </option>
            ))}
          </datalist>
        </label>
        <label>
          <span>Decimals</span>
          <input
            className="short"
            inputMode="numeric"
            value={d.decimals}
            placeholder="auto"
            onChange={(e) => set("decimals", e.target.value)}
          />
        </label>
        <label>
          <span>Min</span>
          <input
            className="short"
            inputMode="decimal"
            value={d.min}
            placeholder="auto"
            onChange={(e) => set("min", e.target.value)}
          />
        </label>
        <label>
          <span>Max</span>
          <input
            className="short"
            inputMode="decimal"
            value={d.max}
            placeholder="auto"
            onChange={(e) => set("max", e.target.value)}
          />
        </label>
        <label>
          <span>Reduce to</span>
          <select value={d.reduce} onChange={(e) => set("reduce", e.target.value as Reducer)}>
            {Object.entries(REDUCER_LABELS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Width (columns of 24)</span>
          <input
            className="short"
            inputMode="numeric"
            value={d.w}
            onChange={(e) => set("w", e.target.value)}
          />
        </label>
        <label>
          <span>Height (rows)</span>
          <input
            className="short"
            inputMode="numeric"
            value={d.h}
            onChange={(e) => set("h", e.target.value)}
          />
        </label>
      </div>
      <fieldset className="queries">
        <legend>Queries</legend>
        {d.queries.map((q, i) => (
          <div key={i} className="query-row">
            <label className="grow">
              <span>PromQL query {d.queries.length > 1 ? i + 1 : ""}</span>
              <textarea
                className="mono"
                rows={2}
                value={q.expr}
                maxLength={10_000}
                onChange={(e) => setQuery(i, { expr: e.target.value })}
              />
            </label>
            <label>
              <span>Legend</span>
              <input
                value={q.legend}
                placeholder="{{label}}"
                onChange={(e) => setQuery(i, { legend: e.target.value })}
              />
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={q.instant}
                onChange={(e) => setQuery(i, { instant: e.target.checked })}
              />
              <span>Instant</span>
            </label>
            <button
              type="button"
              aria-label={`Remove query ${i + 1}`}
              onClick={() => setD((x) => ({ ...x, queries: x.queries.filter((_, k) => k !== i) }))}
            >
              Remove
            </button>
          </div>
        ))}
        {d.queries.length < 10 ? (
          <button
            type="button"
            onClick={() =>
              setD((x) => ({ ...x, queries: [...x.queries, { expr: "", legend: "", instant: false }] }))
            }
          >
            Add query
          </button>
        ) : null}
      </fieldset>
      {error === undefined ? null : (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="primary">
          Apply
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
