// Agreement of two Prometheus API query answers: the same series (label sets, in any order) with the
// same timestamps, and values equal within a relative tolerance (NaN equals NaN, ±Inf equal only itself).

export type ApiData = {
  resultType: "vector" | "matrix" | "scalar" | "string";
  result: unknown;
};

type Point = [number, string];
type Series = { key: string; points: Point[] };

export type Comparison = {
  agree: boolean;
  seriesA: number;
  seriesB: number;
  points: number;
  /** Human-readable differences, the first few only. */
  mismatches: string[];
  mismatchCount: number;
};

export type Tolerance = { relative: number; absolute: number };

/** 1e-6 relative; the absolute floor only absorbs rounding noise around zero (e.g. 1e-17 vs 0). */
export const DEFAULT_TOLERANCE: Tolerance = { relative: 1e-6, absolute: 1e-12 };

export function labelKey(metric: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(metric)
      .sort()
      .map((k) => [k, metric[k]]),
  );
}

/** Number of a Prometheus API value string ("NaN", "+Inf", "-Inf" included). */
export function apiNumber(s: string): number {
  if (s === "+Inf" || s === "Inf") {
    return Infinity;
  }
  if (s === "-Inf") {
    return -Infinity;
  }
  return Number(s);
}

export function valuesEqual(a: number, b: number, tol: Tolerance = DEFAULT_TOLERANCE): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) {
    return Number.isNaN(a) && Number.isNaN(b);
  }
  if (a === b) {
    return true;
  }
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    return false;
  }
  const diff = Math.abs(a - b);
  return diff <= tol.absolute || diff <= tol.relative * Math.max(Math.abs(a), Math.abs(b));
}

function seriesOf(d: ApiData): Series[] {
  switch (d.resultType) {
    case "vector":
      return (d.result as Array<{ metric: Record<string, string>; value: Point }>).map((s) => ({
        key: labelKey(s.metric),
        points: [s.value],
      }));
    case "matrix":
      return (d.result as Array<{ metric: Record<string, string>; values: Point[] }>).map((s) => ({
        key: labelKey(s.metric),
        points: s.values,
      }));
    case "scalar":
    case "string":
      return [{ key: d.resultType, points: [d.result as Point] }];
  }
}

const MAX_LISTED = 5;

export function compareResults(a: ApiData, b: ApiData, tol: Tolerance = DEFAULT_TOLERANCE): Comparison {
  const mismatches: string[] = [];
  let mismatchCount = 0;
  let points = 0;
  const note = (msg: string) => {
    mismatchCount++;
    if (mismatches.length < MAX_LISTED) {
      mismatches.push(msg);
    }
  };
  if (a.resultType !== b.resultType) {
    note(`result types differ: ${a.resultType} vs ${b.resultType}`);
  }
  const sa = seriesOf(a);
  const sb = seriesOf(b);
  const byKey = new Map<string, Series>();
  for (const s of sb) {
    if (byKey.has(s.key)) {
      note(`B has series ${s.key} twice`);
    }
    byKey.set(s.key, s);
  }
  const seen = new Set<string>();
  for (const s of sa) {
    if (seen.has(s.key)) {
      note(`A has series ${s.key} twice`);
    }
    seen.add(s.key);
    const o = byKey.get(s.key);
    if (!o) {
      note(`series only in A: ${s.key} (${s.points.length} points, first ${JSON.stringify(s.points[0])})`);
      continue;
    }
    let i = 0;
    let j = 0;
    while (i < s.points.length || j < o.points.length) {
      const p = s.points[i];
      const q = o.points[j];
      if (p && q && p[0] === q[0]) {
        points++;
        if (!valuesEqual(apiNumber(p[1]), apiNumber(q[1]), tol)) {
          note(`${s.key} @${p[0]}: ${p[1]} vs ${q[1]}`);
        }
        i++;
        j++;
      } else if (p && (!q || p[0] < q[0])) {
        note(`${s.key} @${p[0]}: ${p[1]} only in A`);
        i++;
      } else if (q) {
        note(`${s.key} @${q[0]}: ${q[1]} only in B`);
        j++;
      }
    }
  }
  for (const s of sb) {
    if (!seen.has(s.key)) {
      note(`series only in B: ${s.key} (${s.points.length} points, first ${JSON.stringify(s.points[0])})`);
    }
  }
  return {
    agree: mismatchCount === 0,
    seriesA: sa.length,
    seriesB: sb.length,
    points,
    mismatches,
    mismatchCount,
  };
}
