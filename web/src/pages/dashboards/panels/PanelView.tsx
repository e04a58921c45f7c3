// One panel on the grid: its title, its data and its own error. A failing query (or a panel that
// cannot render) shows its message inside this panel only; the others draw on. A live range's
// panel subscribes its queries on the browser's one stream (pushed after every scrape: no timer);
// a past range's panel is fetched once, in the page's one batched request.
import { Component, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ApiError } from "../../../api/client.js";
import { Graph, type GraphExtras } from "../../../charts/Graph.js";
import type { Aligned } from "../../../charts/series.js";
import type { Theme } from "../../../app/theme.js";
import type { Panel } from "../api.js";
import { subscribeLiveQuery, mergePush, type QueryPush } from "../../../api/live.js";
import { fromPushes, liveSpecs, loadPanel, type PanelData } from "../data.js";
import type { ResolvedRange } from "../time-range.js";
import { formatValue } from "../units.js";
import { displayText, type Substitutions } from "../variables.js";
import { StateTimelinePanel } from "./StateTimelinePanel.js";
import { TablePanel } from "./TablePanel.js";
import { BarGaugePanel, GaugePanel, StatPanel } from "./ValuePanels.js";

/** Grafana's grid row: 30 px, and the grid's gap (styles.css .dash-grid); a panel is h rows tall. */
export const ROW_PX = 30;
const GAP_PX = 8;
const panelPx = (h: number) => h * (ROW_PX + GAP_PX) - GAP_PX;

type Outcome = { kind: "loading" } | { kind: "error"; message: string } | { kind: "done"; data: PanelData };

export type PanelContext = {
  range: ResolvedRange;
  subs: Substitutions;
  theme: Theme;
  /** Deployment markers for time series panels: unix seconds and a label. */
  markers: readonly { at: number; label: string }[];
  /** Bumped by auto-refresh and the refresh button: load again (past ranges only). */
  tick: number;
  /** The range ends now ("last 6h"): panels subscribe to the live stream instead of loading. */
  live: boolean;
};

export function PanelView({ panel, ctx, actions }: { panel: Panel; ctx: PanelContext; actions?: ReactNode }) {
  const body = useRef<HTMLDivElement>(null);
  const width = useWidth(body);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "loading" });
  // Time series lose ~80 px to the y axis; the other panels use every pixel (or fewer points).
  const plotWidth = panel.type === "timeseries" ? width - 80 : width;
  // Rounded down to 50 px: resizing by a few pixels does not query again, and points stay ≤ pixels.
  const widthBucket = Math.max(50, Math.floor(plotWidth / 50) * 50);
  // Loads depend on what the queries see, not on object identity: a re-render with the same
  // variables does not query again. A live panel follows the range's length, not its "now".
  const key = JSON.stringify([
    panel.queries,
    ctx.subs,
    ctx.live ? ctx.range.endMs - ctx.range.startMs : [ctx.range, ctx.tick],
    ctx.live,
  ]);

  useEffect(() => {
    if (width === 0) {
      return;
    }
    if (panel.queries.length === 0) {
      setOutcome({ kind: "error", message: "This panel has no query." });
      return;
    }
    setOutcome((o) => (o.kind === "done" ? o : { kind: "loading" }));
    if (ctx.live) {
      return subscribePanel(panel, ctx, widthBucket, setOutcome);
    }
    const abort = new AbortController();
    loadPanel(panel, ctx.subs, ctx.range, widthBucket, abort.signal).then(
      (data) => !abort.signal.aborted && setOutcome({ kind: "done", data }),
      (err: unknown) => !abort.signal.aborted && setOutcome({ kind: "error", message: describe(err) }),
    );
    return () => abort.abort();
    // key stands for panel, subs, range and tick: loads follow what the queries see, not identities.
  }, [key, widthBucket, width === 0]);

  const titleId = `panel-${panel.id}-title`;
  return (
    <section
      className={`dash-panel${outcome.kind === "error" ? " failed" : ""}`}
      aria-labelledby={titleId}
      data-panel-id={panel.id}
      data-panel-type={panel.type}
      data-state={outcome.kind}
      style={{
        gridColumn: `${panel.grid.x + 1} / span ${panel.grid.w}`,
        gridRow: `${panel.grid.y + 1} / span ${panel.grid.h}`,
        minHeight: `${panelPx(panel.grid.h)}px`,
      }}
    >
      <header className="dash-panel-head">
        <h2 id={titleId} title={panel.description}>
          {displayText(panel.title, ctx.subs) || "(untitled)"}
        </h2>
        {actions}
      </header>
      <div className="dash-panel-body" ref={body} aria-busy={outcome.kind === "loading"}>
        <PanelBoundary key={key}>
          <Body panel={panel} outcome={outcome} ctx={ctx} />
        </PanelBoundary>
      </div>
    </section>
  );
}

function Body({ panel, outcome, ctx }: { panel: Panel; outcome: Outcome; ctx: PanelContext }) {
  const extras = useMemo<GraphExtras>(
    () => ({
      formatValue: (v: number) => formatValue(v, panel.unit, panel.decimals),
      ...(panel.min === undefined ? {} : { min: panel.min }),
      ...(panel.max === undefined ? {} : { max: panel.max }),
      markers: ctx.markers,
    }),
    [panel.unit, panel.decimals, panel.min, panel.max, ctx.markers],
  );
  const aligned = useMemo<Aligned | undefined>(
    () =>
      outcome.kind === "done"
        ? {
            names: outcome.data.series.map((s) => s.name),
            data: [outcome.data.xs, ...outcome.data.series.map((s) => s.values)],
          }
        : undefined,
    [outcome],
  );
  if (outcome.kind === "loading") {
    return <p className="muted">Loading…</p>;
  }
  if (outcome.kind === "error") {
    return (
      <p className="error-text panel-error" role="alert">
        {outcome.message}
      </p>
    );
  }
  const { data } = outcome;
  if (data.series.length === 0) {
    return <p className="muted">No data</p>;
  }
  switch (panel.type) {
    case "timeseries":
      return (
        <Graph
          aligned={aligned!}
          theme={ctx.theme}
          height={Math.max(80, panelPx(panel.grid.h) - 80)}
          extras={extras}
        />
      );
    case "stat":
      return <StatPanel panel={panel} data={data} />;
    case "gauge":
      return <GaugePanel panel={panel} data={data} />;
    case "bargauge":
      return <BarGaugePanel panel={panel} data={data} />;
    case "table":
      return <TablePanel panel={panel} data={data} />;
    case "state-timeline":
      return <StateTimelinePanel panel={panel} data={data} />;
  }
}

/**
 * Subscribes each of the panel's queries; the panel is drawn once every query has answered and
 * again on every push. Returns the unsubscribe.
 */
function subscribePanel(
  panel: Panel,
  ctx: PanelContext,
  widthPx: number,
  setOutcome: (o: Outcome) => void,
): () => void {
  const { specs, sent } = liveSpecs(panel, ctx.subs, ctx.range, widthPx);
  const latest: (QueryPush | undefined)[] = specs.map(() => undefined);
  const errors: (string | undefined)[] = specs.map(() => undefined);
  const offs = specs.map((spec, i) =>
    subscribeLiveQuery(spec, (p) => {
      if ("error" in p) {
        errors[i] = p.error;
      } else {
        errors[i] = undefined;
        latest[i] = mergePush(latest[i], p);
      }
      const failed = errors.find((e) => e !== undefined);
      if (failed !== undefined) {
        setOutcome({ kind: "error", message: failed });
      } else if (latest.every((x) => x !== undefined)) {
        setOutcome({ kind: "done", data: fromPushes(panel, latest as QueryPush[], sent) });
      }
    }),
  );
  return () => offs.forEach((off) => off());
}

/** A render error in one panel stays in that panel. */
class PanelBoundary extends Component<{ children: ReactNode }, { error: string | undefined }> {
  override state = { error: undefined as string | undefined };
  static getDerivedStateFromError(err: unknown) {
    return { error: (err as Error).message || String(err) };
  }
  override render() {
    return this.state.error === undefined ? (
      this.props.children
    ) : (
      <p className="error-text panel-error" role="alert">
        This panel could not be drawn: {this.state.error}
      </p>
    );
  }
}

/** The element's content width, kept current as it resizes (0 until laid out). */
function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) {
      return;
    }
    setW(el.clientWidth);
    const ro = new ResizeObserver(() => setW(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return w;
}

export function describe(err: unknown): string {
  if (err instanceof ApiError) {
    return err.status === 0 ? err.message : `${err.errorType}: ${err.message}`;
  }
  return (err as Error).message;
}
