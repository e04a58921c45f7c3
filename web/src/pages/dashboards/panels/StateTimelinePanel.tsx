// A state timeline: one band per series, split where its value changes, each span coloured by the
// panel's thresholds (or by the value itself without them) and labelled with its value in text.
import type { Panel } from "../api.js";
import type { PanelData } from "../data.js";
import { cssColor, thresholdStep } from "../reduce.js";
import { formatValue } from "../units.js";

const PALETTE = ["#37872d", "#c4162a", "#e0b400", "#1f60c4", "#8f3bb8", "#fa6400"];

type Span = { from: number; to: number; value: number | null };

export function spansOf(xs: readonly number[], values: readonly (number | null)[], step: number): Span[] {
  const out: Span[] = [];
  values.forEach((v, i) => {
    const t = xs[i]!;
    const last = out[out.length - 1];
    if (last && last.value === v) {
      last.to = t + step;
    } else {
      out.push({ from: t, to: t + step, value: v });
    }
  });
  return out;
}

export function StateTimelinePanel({ panel, data }: { panel: Panel; data: PanelData }) {
  const t0 = data.xs[0] ?? 0;
  const t1 = (data.xs[data.xs.length - 1] ?? t0) + data.step;
  const width = Math.max(1, t1 - t0);
  const distinct = [
    ...new Set(data.series.flatMap((s) => s.values.filter((v): v is number => v !== null))),
  ].sort((a, b) => a - b);
  const colorOf = (v: number) => {
    const step = thresholdStep(v, panel.thresholds);
    return step ? cssColor(step.color) : PALETTE[distinct.indexOf(v) % PALETTE.length]!;
  };
  return (
    <ul className="timeline">
      {data.series.map((s, i) => (
        <li key={i} className="timeline-row">
          <span className="stat-name">{s.name}</span>
          <span
            className="timeline-band"
            role="img"
            aria-label={`${s.name}: ${describe(spansOf(data.xs, s.values, data.step), panel)}`}
          >
            {spansOf(data.xs, s.values, data.step).map((sp, k) =>
              sp.value === null ? null : (
                <span
                  key={k}
                  className="timeline-span"
                  title={`${formatValue(sp.value, panel.unit, panel.decimals)} from ${new Date(sp.from * 1000).toLocaleTimeString()}`}
                  style={{
                    left: `${((sp.from - t0) / width) * 100}%`,
                    width: `${((sp.to - sp.from) / width) * 100}%`,
                    background: colorOf(sp.value),
                  }}
                />
              ),
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}

function describe(spans: Span[], panel: Panel): string {
  const shown = spans.filter((s) => s.value !== null);
  const last = shown[shown.length - 1];
  return last === undefined
    ? "no data"
    : `${shown.length} spans, now ${formatValue(last.value, panel.unit, panel.decimals)}`;
}
