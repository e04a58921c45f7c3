// Time series as a uPlot chart, shared by Explore, dashboards and deployment analyses (uPlot: the
// chart library of Prometheus's own UI, drawing thousands of points on canvas in milliseconds).
// Legend with live values on hover; resized with its container; redrawn in the theme's colours.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Theme } from "../app/theme.js";
import type { Aligned } from "./series.js";

// Eight colours distinguishable in both themes (Okabe-Ito, colour-blind safe, and a few more).
const LIGHT = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#6a3d9a", "#b15928"];
const DARK = ["#56b4e9", "#e69f00", "#2bd19a", "#e794c6", "#f0e442", "#7fa7ff", "#c49cff", "#ff8c69"];

/** Explore's chart height; dashboards and deployment analyses pass their panel's. */
const DEFAULT_HEIGHT = 360;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** What dashboards add to a chart: the panel's unit, y bounds and vertical event markers. */
export type GraphExtras = {
  /** Axis and legend values as text (a dashboard panel's unit and decimals). */
  formatValue?: (v: number) => string;
  min?: number;
  max?: number;
  /** Vertical markers (deployments): unix seconds and a label. */
  markers?: readonly { at: number; label: string }[];
};

/** Draws each marker as a dashed vertical line across the plot area. */
function markerPlugin(markers: readonly { at: number }[], color: string): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const { ctx, bbox } = u;
          ctx.save();
          ctx.strokeStyle = color;
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
          for (const m of markers) {
            const x = Math.round(u.valToPos(m.at, "x", true));
            if (x >= bbox.left && x <= bbox.left + bbox.width) {
              ctx.beginPath();
              ctx.moveTo(x, bbox.top);
              ctx.lineTo(x, bbox.top + bbox.height);
              ctx.stroke();
            }
          }
          ctx.restore();
        },
      ],
    },
  };
}

function options(
  aligned: Aligned,
  width: number,
  height: number,
  theme: Theme,
  extras: GraphExtras = {},
): uPlot.Options {
  const palette = theme === "dark" ? DARK : LIGHT;
  const fmt = extras.formatValue;
  const fg = cssVar("--fg");
  const grid = cssVar("--grid");
  const axis: uPlot.Axis = {
    stroke: fg,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
  };
  return {
    width,
    height,
    series: [
      {},
      ...aligned.names.map((name, i) => ({
        label: name,
        stroke: palette[i % palette.length],
        width: 1.5,
        spanGaps: false,
        points: { show: false },
        ...(fmt ? { value: (_u: uPlot, v: number | null) => (v === null ? "—" : fmt(v)) } : {}),
      })),
    ],
    axes: [
      axis,
      { ...axis, size: 70, ...(fmt ? { values: (_u: uPlot, splits: number[]) => splits.map(fmt) } : {}) },
    ],
    scales: {
      x: { time: true },
      ...(extras.min !== undefined || extras.max !== undefined
        ? {
            y: {
              range: (_u: uPlot, lo: number, hi: number): uPlot.Range.MinMax => [
                extras.min ?? lo,
                extras.max ?? hi,
              ],
            },
          }
        : {}),
    },
    plugins: extras.markers?.length ? [markerPlugin(extras.markers, cssVar("--muted"))] : [],
    legend: { live: true },
    cursor: { focus: { prox: 16 } },
    focus: { alpha: 0.3 },
  };
}

export function Graph({
  aligned,
  theme,
  height = DEFAULT_HEIGHT,
  extras,
}: {
  aligned: Aligned;
  theme: Theme;
  height?: number;
  extras?: GraphExtras;
}) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current!;
    const plot = new uPlot(options(aligned, el.clientWidth || 800, height, theme, extras), aligned.data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [aligned, theme, height, extras]);

  return (
    <figure className="graph">
      <div ref={host} data-series-count={aligned.names.length} />
      <figcaption className="visually-hidden">
        Chart of {aligned.names.length} series; the table view lists them with their values.
        {extras?.markers?.length ? ` Marked: ${extras.markers.map((m) => m.label).join("; ")}.` : ""}
      </figcaption>
    </figure>
  );
}
