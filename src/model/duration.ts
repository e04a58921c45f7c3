// Prometheus-style durations ("1h30m", "500ms", "15s") as used in every lineops YAML file.
import { z } from "zod";

export const UNIT_MS: Readonly<Record<string, number>> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
// Prometheus's model.ParseDuration grammar: each unit at most once, largest first ("1s1m" and "1m1m"
// are not durations), the one grammar of config files, PromQL literals and API parameters.
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS = ["y", "w", "d", "h", "m", "s", "ms"] as const;

/**
 * Parses a duration to milliseconds; undefined when the text is not a duration, or when it is too
 * long to be exact in a double (Prometheus: "duration out of range").
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") {
    return 0;
  }
  const m = DURATION_RE.exec(text);
  if (!m || text === "") {
    return undefined;
  }
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) {
      ms += Number(part) * (UNIT_MS[UNITS[i] as string] as number);
    }
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * Formats milliseconds as Prometheus's model.Duration.String() (1h30m, 5m, 500ms, 90d): parseDuration's
 * inverse. Years and weeks only when they divide the duration exactly, as Prometheus prints them.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) {
    return "0s";
  }
  let out = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  for (const u of UNITS) {
    const size = UNIT_MS[u] as number;
    if ((u === "y" || u === "w") && rest % size !== 0) {
      continue;
    }
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${u}`;
      rest %= size;
    }
  }
  return out;
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
