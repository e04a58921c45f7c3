// The default rule pack (examples/rules/) with time compressed, for the tests that fire its rules on
// the real line: only durations change (range windows, `for`, group intervals and predict_linear's
// horizons), so the expressions evaluated are the pack's own.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseDuration } from "../../../model/duration.js";
import { PACKAGE_ROOT } from "../../../version.js";

export const RULES_DIR = path.join(PACKAGE_ROOT, "examples", "rules");
export const PACK = ["line.rules.yml", "lineops.rules.yml"] as const;

/**
 * Each range window of the pack and the few seconds it maps to (300- to 1000-fold). A window the
 * map does not know fails the test, so a change of the pack cannot silently leave the tests on
 * the old windows.
 */
const SCALED_WINDOWS: Record<string, string> = {
  "5m": "4s",
  "15m": "30s",
  "30m": "8s",
  "1h": "12s",
  "6h": "20s",
};

function scaledWindow(w: string): string {
  const scaled = SCALED_WINDOWS[w];
  if (scaled === undefined) {
    throw new Error(`rule pack window [${w}] has no scaled equivalent in SCALED_WINDOWS`);
  }
  return scaled;
}

const ms = (d: string): number => {
  const n = parseDuration(d);
  if (n === undefined) {
    throw new Error(`not a duration: ${d}`);
  }
  return n;
};

/**
 * predict_linear's horizon is a duration written in seconds (`4 * 3600`): it shrinks by the factor
 * of its own range window, so "full within 4 hours at the rate of the last hour" keeps its ratio
 * of horizon to window. A horizon in another form fails, as an unknown window does.
 */
function scalePredictLinear(text: string): string {
  return text.replace(
    /predict_linear\(([^[]*)\[(\w+)\],\s*([^)]*)\)/g,
    (_m, vector: string, w: string, horizon: string) => {
      if (!/^\d+(\s*\*\s*\d+)*$/.test(horizon.trim())) {
        throw new Error(`predict_linear horizon "${horizon}" is not a product of integers (seconds)`);
      }
      const seconds = horizon.split("*").reduce((p, f) => p * Number(f.trim()), 1);
      const scaled = Math.max(1, Math.round((seconds * ms(scaledWindow(w))) / ms(w)));
      return `predict_linear(${vector}[${w}], ${scaled})`;
    },
  );
}

/** Every window → SCALED_WINDOWS, every `for` → 1s, every group interval → 500ms. */
export function scaledRules(text: string): string {
  return scalePredictLinear(text)
    .replace(/\[(\w+)\]/g, (_m, w: string) => `[${scaledWindow(w)}]`)
    .replace(/^(\s+)for: \S+$/gm, "$1for: 1s")
    .replace(/^(\s+)interval: \S+$/gm, "$1interval: 500ms");
}

/** A pack file as the tests load it. */
export function scaledPackFile(file: (typeof PACK)[number]): string {
  return scaledRules(readFileSync(path.join(RULES_DIR, file), "utf8"));
}
