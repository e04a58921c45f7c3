// Half-open time intervals [start, end) in epoch ms, and the set algebra the calendar users share:
// a shift minus its breaks (OEE), a rotation turn cut to its restriction windows (on-call), a
// stretch of open deploy windows. Lists are sorted by start and non-overlapping unless said otherwise.

export type Interval = [startMs: number, endMs: number];

/** `a` minus every interval of `b` (both sorted, each non-overlapping). */
export function subtractIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [s0, e0] of a) {
    let s = s0;
    for (const [bs, be] of b) {
      if (be <= s || bs >= e0) {
        continue;
      }
      if (bs > s) {
        out.push([s, bs]);
      }
      s = Math.max(s, be);
      if (s >= e0) {
        break;
      }
    }
    if (s < e0) {
      out.push([s, e0]);
    }
  }
  return out;
}

/** The union of interval lists (each in any order), sorted and merged. */
export function unionIntervals(lists: readonly (readonly Interval[])[]): Interval[] {
  const all = lists.flat().sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const [s, e] of all) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) {
      last[1] = Math.max(last[1], e);
    } else {
      out.push([s, e]);
    }
  }
  return out;
}

/** The parts of `a` that lie inside `b` (both sorted, each non-overlapping). */
export function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const [s, e] of a) {
    while (j < b.length && (b[j] as Interval)[1] <= s) {
      j++;
    }
    for (let k = j; k < b.length && (b[k] as Interval)[0] < e; k++) {
      const [bs, be] = b[k] as Interval;
      const from = Math.max(s, bs);
      const to = Math.min(e, be);
      if (to > from) {
        out.push([from, to]);
      }
    }
  }
  return out;
}

/** Total length in ms. */
export const totalMs = (xs: readonly Interval[]): number => xs.reduce((n, [s, e]) => n + (e - s), 0);
