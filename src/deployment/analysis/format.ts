// One-line, human-readable forms of measurements for deployment logs and the CLI.
import type { Measurement } from "./run.js";

const MAX_VALUES = 5;

function list(vs: readonly string[]): string {
  const shown = vs.slice(0, MAX_VALUES).join(", ");
  return `[${shown}${vs.length > MAX_VALUES ? `, … ${vs.length - MAX_VALUES} more` : ""}]`;
}

/** e.g. `latency/error-rate #3: Successful [0.01] (successCondition result < 0.05 met)`. */
export function formatMeasurement(m: Measurement): string {
  const values =
    m.baselineValues === undefined
      ? list(m.values)
      : `canary ${list(m.values)} baseline ${list(m.baselineValues)}`;
  return `${m.template}/${m.metric} #${m.seq}: ${m.phase} ${values} (${m.message})`;
}
