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

function options(aligned: Aligned, width: number, height: number, theme: Theme): uPlot.Options {
  const palette = theme === "dark" ? DARK : LIGHT;
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
      })),
    ],
    axes: [axis, { ...axis, size: 70 }],
    scales: { x: { time: true } },
    legend: { live: true },
    cursor: { focus: { prox: 16 } },
    focus: { alpha: 0.3 },
  };
}

export function Graph({
  aligned,
  theme,
  height = DEFAULT_HEIGHT,
}: {
  aligned: Aligned;
  theme: Theme;
  height?: number;
}) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current!;
    const plot = new uPlot(options(aligned, el.clientWidth || 800, height, theme), aligned.data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [aligned, theme, height]);

  return (
    <figure className="graph">
      <div ref={host} data-series-count={aligned.names.length} />
      <figcaption className="visually-hidden">
        Chart of {aligned.names.length} series; the table view lists them with their values.
      </figcaption>
    </figure>
  );
}
