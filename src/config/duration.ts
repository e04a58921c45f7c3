// Prometheus-style durations ("1h30m", "500ms", "15s") as used in every lineops YAML file.
import { z } from "zod";

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const PART = /(\d+)(ms|y|w|d|h|m|s)/y;

/** Parses a duration to milliseconds; returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") {
    return 0;
  }
  let total = 0;
  PART.lastIndex = 0;
  let matched = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (!m) {
      return undefined;
    }
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
    matched++;
  }
  return matched > 0 ? total : undefined;
}

/** A zod field for a duration string; parses to milliseconds. */
export const duration = () =>
  z.string().transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `invalid duration "${s}" (use e.g. 500ms, 15s, 1m30s)` });
      return z.NEVER;
    }
    return ms;
  });
