// Single-value panels: stat, gauge and bar gauge. Each series is reduced to one value (the panel's
// reducer), shown as text in the panel's unit, with its threshold colour on a mark beside the text
// and the step in words (colour is never the only carrier of meaning, and text keeps its contrast).
import type { Panel } from "../api.js";
import type { PanelData } from "../data.js";
import { cssColor, reduceValues, stepText, thresholdStep } from "../reduce.js";
import { formatValue } from "../units.js";

export type Reduced = { name: string; value: number | undefined; color: string | undefined; level: string };

export function reduceSeries(panel: Panel, data: PanelData): Reduced[] {
  const fmt = (v: number) => formatValue(v, panel.unit, panel.decimals);
  return data.series.map((s) => {
    const value = reduceValues(s.values, panel.reduce);
    const step = thresholdStep(value, panel.thresholds);
    return {
      name: s.name,
      value,
      color: step ? cssColor(step.color) : undefined,
      level: value === undefined ? "" : stepText(step, fmt),
    };
  });
}

export function StatPanel({ panel, data }: { panel: Panel; data: PanelData }) {
  const rows = reduceSeries(panel, data);
  return (
    <ul className="stat-list" data-count={rows.length}>
      {rows.map((r, i) => (
        <li key={i} className="stat">
          <span
            className="stat-mark"
            style={r.color ? { background: r.color } : undefined}
            aria-hidden="true"
          />
          <span className="stat-value" data-testid="stat-value">
            {formatValue(r.value, panel.unit, panel.decimals)}
          </span>
          {rows.length > 1 ? <span className="stat-name">{r.name}</span> : null}
          {r.level ? <span className="visually-hidden">threshold step {r.level}</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** The share of [min, max] a value fills; a gauge without bounds uses 0–100 (Grafana's default). */
function fraction(v: number | undefined, panel: Panel): number {
  const lo = panel.min ?? 0;
  const hi = panel.max ?? (panel.unit === "percentunit" ? 1 : 100);
  if (v === undefined || hi <= lo) {
    return 0;
  }
  return Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
}

export function GaugePanel({ panel, data }: { panel: Panel; data: PanelData }) {
  const rows = reduceSeries(panel, data);
  return (
    <ul className="gauge-list">
      {rows.map((r, i) => {
        const f = fraction(r.value, panel);
        // A 240° arc: from 150° (lower left) clockwise to 30° (lower right).
        const arc = (to: number) => {
          const a0 = (150 * Math.PI) / 180;
          const a1 = a0 + (240 * Math.PI * to) / 180;
          const p = (a: number) => `${50 + 40 * Math.cos(a)} ${50 + 40 * Math.sin(a)}`;
          return `M ${p(a0)} A 40 40 0 ${to > 0.75 ? 1 : 0} 1 ${p(a1)}`;
        };
        const text = formatValue(r.value, panel.unit, panel.decimals);
        return (
          <li key={i} className="gauge">
            <svg viewBox="0 0 100 90" role="img" aria-label={`${r.name || panel.title}: ${text}`}>
              <path d={arc(1)} className="gauge-track" />
              {f > 0 ? (
                <path d={arc(f)} className="gauge-fill" style={r.color ? { stroke: r.color } : undefined} />
              ) : null}
              <text x="50" y="56" textAnchor="middle" className="gauge-text" data-testid="stat-value">
                {text}
              </text>
            </svg>
            {rows.length > 1 ? <span className="stat-name">{r.name}</span> : null}
          </li>
        );
      })}
    </ul>
  );
}

export function BarGaugePanel({ panel, data }: { panel: Panel; data: PanelData }) {
  const rows = reduceSeries(panel, data);
  return (
    <ul className="bargauge-list">
      {rows.map((r, i) => {
        const f = fraction(r.value, panel);
        const text = formatValue(r.value, panel.unit, panel.decimals);
        return (
          <li key={i} className="bargauge">
            <span className="stat-name">{r.name}</span>
            <span
              className="bargauge-track"
              role="meter"
              aria-label={r.name || panel.title}
              aria-valuemin={panel.min ?? 0}
              aria-valuemax={panel.max ?? (panel.unit === "percentunit" ? 1 : 100)}
              aria-valuenow={r.value ?? 0}
              aria-valuetext={text}
            >
              <span
                className="bargauge-fill"
                style={{ width: `${f * 100}%`, ...(r.color ? { background: r.color } : {}) }}
              />
            </span>
            <span className="stat-value" data-testid="stat-value">
              {text}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
