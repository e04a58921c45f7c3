// Version constraints between services ("line-controller 1.1 needs plc-gateway >= 1.1"): a small
// semver-style comparison (numeric dot parts, a pre-release sorts before its release). What a
// version may look like is config's VERSION_PATTERN (line.yaml declares it).

/** A revision reference: its number ("3") or its content hash (12 hex digits, a prefix of at least 4). */
export const REVISION_PATTERN = /^(?:[0-9]{1,9}|[0-9a-f]{4,64})$/;

type Parsed = { parts: number[]; pre: string };

function parse(v: string): Parsed {
  const [core = "", pre = ""] = v.replace(/^v/, "").split(/-(.*)/s);
  return { parts: core.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : NaN)), pre };
}

/** <0, 0, >0 like a comparator; missing parts count as 0 ("1.1" == "1.1.0"). */
export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.parts.length, y.parts.length); i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) {
      return d;
    }
  }
  if (x.pre === y.pre) {
    return 0;
  }
  if (x.pre === "") {
    return 1;
  }
  if (y.pre === "") {
    return -1;
  }
  return x.pre < y.pre ? -1 : 1;
}

const CONSTRAINT = /^\s*(>=|<=|>|<|=|==)?\s*v?(\d+(?:\.\d+)*(?:-[0-9A-Za-z.-]+)?)\s*$/;

/** Parses ">=1.1", "<2", "1.2.0" (exact) joined by commas or spaces ("all must hold"). */
export function parseConstraint(text: string): { op: string; version: string }[] | undefined {
  const out: { op: string; version: string }[] = [];
  for (const part of text.split(/\s*,\s*|\s+(?=[<>=])/).filter((p) => p.trim() !== "")) {
    const m = CONSTRAINT.exec(part);
    if (!m) {
      return undefined;
    }
    out.push({ op: m[1] ?? "=", version: m[2] ?? "" });
  }
  return out.length > 0 ? out : undefined;
}

export function satisfies(version: string, constraint: string): boolean {
  const parsed = parseConstraint(constraint);
  if (!parsed) {
    return false;
  }
  return parsed.every(({ op, version: v }) => {
    const c = compareVersions(version, v);
    switch (op) {
      case ">=":
        return c >= 0;
      case "<=":
        return c <= 0;
      case ">":
        return c > 0;
      case "<":
        return c < 0;
      default:
        return c === 0;
    }
  });
}
