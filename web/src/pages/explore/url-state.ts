// Explore's state lives in the URL (?expr=...&mode=range&range=1h&end=...&step=...&view=table), so
// a query can be shared, bookmarked and reloaded. Bad values fall back to defaults, never throw.
import { formatDuration, parseDuration } from "./duration.js";

export type Mode = "range" | "instant";
export type View = "graph" | "table";

export type ExploreState = {
  expr: string;
  mode: Mode;
  /** Seconds. */
  range: number;
  /** Unix seconds; undefined: now. */
  end: number | undefined;
  /** Seconds; undefined: automatic (one point per pixel at most). */
  step: number | undefined;
  view: View;
};

export const DEFAULT_STATE: ExploreState = {
  expr: "",
  mode: "range",
  range: 3600,
  end: undefined,
  step: undefined,
  view: "graph",
};

/** Longest expression kept from a URL; the server bounds queries itself, this bounds the page. */
export const MAX_EXPR_LENGTH = 10_000;

export function readState(search: URLSearchParams): ExploreState {
  const end = Number(search.get("end") ?? "");
  const endOk = search.get("end") !== null && Number.isFinite(end) && end > 0;
  const mode = search.get("mode");
  const view = search.get("view");
  return {
    expr: (search.get("expr") ?? "").slice(0, MAX_EXPR_LENGTH),
    mode: mode === "instant" ? "instant" : "range",
    range: parseDuration(search.get("range") ?? "") ?? DEFAULT_STATE.range,
    end: endOk ? end : undefined,
    step: parseDuration(search.get("step") ?? ""),
    view: view === "table" ? "table" : "graph",
  };
}

export function writeState(s: ExploreState): string {
  const p = new URLSearchParams();
  if (s.expr !== "") {
    p.set("expr", s.expr);
  }
  if (s.mode !== DEFAULT_STATE.mode) {
    p.set("mode", s.mode);
  }
  if (s.range !== DEFAULT_STATE.range) {
    p.set("range", formatDuration(s.range));
  }
  if (s.end !== undefined) {
    p.set("end", String(s.end));
  }
  if (s.step !== undefined) {
    p.set("step", formatDuration(s.step));
  }
  if (s.view !== DEFAULT_STATE.view) {
    p.set("view", s.view);
  }
  const qs = p.toString();
  return qs === "" ? "" : `?${qs}`;
}
