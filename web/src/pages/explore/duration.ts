// Prometheus duration strings ("1h30m", "15s", "2d") to seconds and back, for the range and step
// fields. The units and their order are Prometheus's (model.ParseDuration): y w d h m s ms.

const UNITS: readonly [string, number][] = [
  ["y", 365 * 24 * 3600],
  ["w", 7 * 24 * 3600],
  ["d", 24 * 3600],
  ["h", 3600],
  ["m", 60],
  ["s", 1],
  ["ms", 0.001],
];

const PART = /^(\d+)(ms|y|w|d|h|m|s)/;

/** Seconds of a duration like "1h30m" or a plain number of seconds ("15", "0.5"); undefined if neither. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "") {
    return undefined;
  }
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n > 0 ? n : undefined;
  }
  let rest = s;
  let total = 0;
  let lastRank = -1;
  while (rest !== "") {
    const m = PART.exec(rest);
    if (m === null) {
      return undefined;
    }
    const rank = UNITS.findIndex(([u]) => u === m[2]);
    if (rank <= lastRank) {
      return undefined; // units must go from largest to smallest, each once (as Prometheus requires)
    }
    lastRank = rank;
    total += Number(m[1]) * (UNITS[rank]?.[1] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return total > 0 ? total : undefined;
}

/** The shortest duration string for `seconds` ("90" → "1m30s"); milliseconds kept. */
export function formatDuration(seconds: number): string {
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    return "0s";
  }
  let ms = Math.round(seconds * 1000);
  let out = "";
  for (const [unit, size] of UNITS) {
    const unitMs = Math.round(size * 1000);
    const n = Math.floor(ms / unitMs);
    if (n > 0) {
      out += `${n}${unit}`;
      ms -= n * unitMs;
    }
  }
  return out;
}
