// Differences between two revisions' specs, readable two ways: the changed fields by path (what a
// reviewer asks first: "what changed?") and a line diff of the specs printed as YAML-like text with
// sorted keys, so the same spec always prints the same and only real changes show.

export type FieldChange = {
  path: string;
  from?: unknown;
  to?: unknown;
  kind: "added" | "removed" | "changed";
};
export type DiffLine = { op: " " | "+" | "-"; text: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Changed leaves between `a` and `b`, by dotted path (arrays by index); objects are compared key by key. */
export function fieldChanges(a: unknown, b: unknown, path = ""): FieldChange[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => {
      const p = path ? `${path}.${k}` : k;
      if (!(k in a)) {
        return [{ path: p, to: b[k], kind: "added" as const }];
      }
      if (!(k in b)) {
        return [{ path: p, from: a[k], kind: "removed" as const }];
      }
      return fieldChanges(a[k], b[k], p);
    });
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, i) => fieldChanges(x, b[i], `${path}[${i}]`));
  }
  return JSON.stringify(a) === JSON.stringify(b)
    ? []
    : [{ path: path || "(spec)", from: a, to: b, kind: "changed" }];
}

function scalar(v: unknown): string {
  if (typeof v === "string") {
    // Quote what YAML would read as something else: numbers, booleans, null, empty text, leading
    // indicators, ": " or " #" inside, a trailing colon or blank.
    const plain =
      /^[^\s\-?:,[\]{}#&*!|>'"%@`]/.test(v) &&
      !/(: | #|\s$|:$|\n)/.test(v) &&
      !/^(true|false|null|yes|no|on|off|~)$/i.test(v) &&
      !Number.isFinite(Number(v));
    return plain ? v : JSON.stringify(v);
  }
  return v === undefined ? "null" : JSON.stringify(v);
}

/** The value as indented YAML-like lines, keys sorted. */
export function specLines(v: unknown, indent = ""): string[] {
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    if (keys.length === 0) {
      return [`${indent}{}`];
    }
    return keys.flatMap((k) => {
      const x = v[k];
      return (isObject(x) && Object.keys(x).length > 0) || (Array.isArray(x) && x.length > 0)
        ? [`${indent}${k}:`, ...specLines(x, `${indent}  `)]
        : [`${indent}${k}: ${inline(x)}`];
    });
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      return [`${indent}[]`];
    }
    return v.flatMap((x) => {
      const inner = specLines(x, `${indent}  `);
      const [first = "", ...rest] = isObject(x) || Array.isArray(x) ? inner : [`${indent}  ${inline(x)}`];
      return [`${indent}- ${first.trimStart()}`, ...rest];
    });
  }
  return [`${indent}${inline(v)}`];
}

function inline(v: unknown): string {
  if (Array.isArray(v)) {
    return "[]";
  }
  if (isObject(v)) {
    return "{}";
  }
  return scalar(v);
}

/** Lines beyond which the diff falls back to "all removed, all added" (the LCS table is n×m). */
export const MAX_DIFF_LINES = 3000;

/** A line diff (longest common subsequence), with unchanged lines kept for context. */
export function lineDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) {
    return [
      ...a.map((text) => ({ op: "-" as const, text })),
      ...b.map((text) => ({ op: "+" as const, text })),
    ];
  }
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], in one flat array.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] =
        a[i] === b[j] ? lcs[at(i + 1, j + 1)]! + 1 : Math.max(lcs[at(i + 1, j)]!, lcs[at(i, j + 1)]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: " ", text: a[i]! });
      i++;
      j++;
    } else if (lcs[at(i + 1, j)]! >= lcs[at(i, j + 1)]!) {
      out.push({ op: "-", text: a[i++]! });
    } else {
      out.push({ op: "+", text: b[j++]! });
    }
  }
  while (i < n) {
    out.push({ op: "-", text: a[i++]! });
  }
  while (j < m) {
    out.push({ op: "+", text: b[j++]! });
  }
  return out;
}

/** Keeps `context` unchanged lines around each change; longer unchanged runs become one "…" marker (null). */
export function withContext(lines: readonly DiffLine[], context = 3): (DiffLine | null)[] {
  const keep = lines.map(() => false);
  lines.forEach((l, k) => {
    if (l.op !== " ") {
      for (let x = Math.max(0, k - context); x <= Math.min(lines.length - 1, k + context); x++) {
        keep[x] = true;
      }
    }
  });
  const out: (DiffLine | null)[] = [];
  lines.forEach((l, k) => {
    if (keep[k]) {
      out.push(l);
    } else if (out[out.length - 1] !== null) {
      out.push(null);
    }
  });
  return out;
}
