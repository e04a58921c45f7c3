// Reads Prometheus's promqltest script format (.test files): load / clear / eval instant|range with
// expected series, `expect ...` lines and series value notation such as 1+2x3, _, stale, {{...}}.
import { compileRegex, compileSearchRegex, type Regex } from "../../../model/regexp.js";
import type { Labels } from "../../model.js";
import { parseDuration, parseNumber, unquote } from "../literals.js";

/** One expected point; undefined = no sample ("_"); "histogram" = a native histogram ({{...}}). */
export type SeqValue = number | undefined | "stale" | "histogram";

export type SeriesDesc = { labels: Labels; values: SeqValue[] };

export type Expectation = { type: string; message?: string; regex?: Regex };

export type LoadCmd = {
  kind: "load";
  line: number;
  intervalMs: number;
  withNhcb: boolean;
  series: SeriesDesc[];
};
export type EvalCmd = {
  kind: "eval";
  line: number;
  expr: string;
  instant: boolean;
  startMs: number;
  endMs: number;
  stepMs: number;
  ordered: boolean;
  fail: boolean;
  warn: boolean;
  info: boolean;
  expects: Expectation[];
  expectedString: string | undefined;
  rangeVector: { startMs: number; endMs: number; stepMs: number } | undefined;
  scalar: number | undefined;
  series: SeriesDesc[];
  /** Set when a line of the case could not be read by this parser (counted as unsupported). */
  unreadable: string | undefined;
};
export type Cmd = LoadCmd | EvalCmd | { kind: "clear"; line: number };

function dur(text: string): number {
  const t = text.trim();
  const d = parseDuration(t);
  if (d !== undefined) {
    return d;
  }
  const n = Number(t);
  if (Number.isFinite(n)) {
    return n * 1000;
  }
  throw new Error(`invalid duration ${JSON.stringify(text)}`);
}

/** Parses `metric{labels}` at the start of s; returns labels and the rest of the line. */
export function parseMetric(s: string): { labels: Labels; rest: string } {
  let i = 0;
  const labels: Record<string, string> = {};
  const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(s);
  if (name) {
    labels.__name__ = name[0];
    i = name[0].length;
  }
  if (s[i] === "{") {
    i++;
    for (;;) {
      while (s[i] === " " || s[i] === "\t" || s[i] === ",") {
        i++;
      }
      if (s[i] === "}") {
        i++;
        break;
      }
      if (i >= s.length) {
        throw new Error("unterminated label set");
      }
      let label: string;
      if (s[i] === '"') {
        const m = /^"(?:[^"\\]|\\.)*"/.exec(s.slice(i));
        if (!m) {
          throw new Error("bad quoted label name");
        }
        label = unquote(m[0]);
        i += m[0].length;
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
        if (!m) {
          throw new Error(`bad label name at ${s.slice(i)}`);
        }
        label = m[0];
        i += m[0].length;
      }
      while (s[i] === " ") {
        i++;
      }
      if (s[i] !== "=") {
        // A bare quoted string is the metric name.
        labels.__name__ = label;
        continue;
      }
      i++;
      while (s[i] === " ") {
        i++;
      }
      const m = /^("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/.exec(s.slice(i));
      if (!m) {
        throw new Error("bad label value");
      }
      labels[label] = unquote(m[0]);
      i += m[0].length;
    }
  }
  return { labels, rest: s.slice(i) };
}

/** Expands a value sequence such as "1+2x3 _ stale 5x2 {{...}}". */
export function parseValues(s: string): SeqValue[] {
  const out: SeqValue[] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === " " || s[i] === "\t") {
      i++;
    }
    if (i >= s.length) {
      break;
    }
    if (s.startsWith("{{", i)) {
      const skipHistogram = (from: number): number => {
        const close = s.indexOf("}}", from);
        return close < 0 ? s.length : close + 2;
      };
      let k = skipHistogram(i);
      if ((s[k] === "+" || s[k] === "-") && s.startsWith("{{", k + 1)) {
        k = skipHistogram(k + 1);
      }
      let rest = "";
      while (k < s.length && s[k] !== " " && s[k] !== "\t") {
        rest += s[k];
        k++;
      }
      const rep = /^x(\d+)$/.exec(rest);
      const count = rep ? Number(rep[1]) + 1 : 1;
      for (let c = 0; c < count; c++) {
        out.push("histogram");
      }
      i = k;
      continue;
    }
    let j = i;
    while (j < s.length && s[j] !== " " && s[j] !== "\t") {
      j++;
    }
    const tok = s.slice(i, j);
    i = j;
    if (tok === "_") {
      out.push(undefined);
      continue;
    }
    if (tok === "stale") {
      out.push("stale");
      continue;
    }
    const omit = /^_x(\d+)$/.exec(tok);
    if (omit) {
      for (let c = 0; c < Number(omit[1]); c++) {
        out.push(undefined);
      }
      continue;
    }
    const m = /^([+-]?(?:[^+\-x]|[eE][+-])+?)(?:([+-])((?:[^+\-x]|[eE][+-])+))?x(\d+)$/.exec(tok);
    if (m) {
      const start = num(m[1] as string);
      const step = m[2] ? (m[2] === "-" ? -1 : 1) * num(m[3] as string) : 0;
      const times = Number(m[4]);
      for (let c = 0; c <= times; c++) {
        out.push(start + step * c);
      }
      continue;
    }
    const v = num(tok);
    out.push(v);
  }
  return out;
}

function num(t: string): number {
  const v = parseNumber(t);
  if (v !== undefined) {
    return v;
  }
  const d = parseDuration(t.replace(/^[+-]/, ""));
  if (d !== undefined) {
    return ((t.startsWith("-") ? -1 : 1) * d) / 1000;
  }
  throw new Error(`bad number ${JSON.stringify(t)}`);
}

const EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const EVAL_RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const EXPECT_RANGE = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/;

export function parseScript(text: string): Cmd[] {
  const lines = text.split("\n").map((l) => {
    const t = l.trim();
    return t.startsWith("#") ? "" : t;
  });
  const cmds: Cmd[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l === "") {
      continue;
    }
    const word = (l.split(/[\t ]+/)[0] as string).toLowerCase();
    if (word === "clear") {
      cmds.push({ kind: "clear", line: i + 1 });
    } else if (word.startsWith("load")) {
      const m = /^load(?:_(with_nhcb))?\s+(.+?)$/.exec(l);
      if (!m) {
        throw new Error(`line ${i + 1}: invalid load command`);
      }
      const cmd: LoadCmd = {
        kind: "load",
        line: i + 1,
        intervalMs: dur(m[2] as string),
        withNhcb: m[1] !== undefined,
        series: [],
      };
      while (i + 1 < lines.length && lines[i + 1] !== "") {
        i++;
        const def = lines[i] as string;
        if (/^\S*@st(\s|$)/.test(def)) {
          continue; // start-timestamp lines (experimental) carry no samples
        }
        const { labels, rest } = parseMetric(def);
        cmd.series.push({ labels, values: parseValues(rest) });
      }
      cmds.push(cmd);
    } else if (word.startsWith("eval")) {
      const ins = EVAL_INSTANT.exec(l);
      const rng = ins ? null : EVAL_RANGE.exec(l);
      if (!ins && !rng) {
        throw new Error(`line ${i + 1}: invalid eval command`);
      }
      const mod = ins ? ins[1] : (rng as RegExpExecArray)[1];
      const cmd: EvalCmd = {
        kind: "eval",
        line: i + 1,
        expr: ins ? (ins[3] as string) : ((rng as RegExpExecArray)[5] as string),
        instant: ins !== null,
        startMs: ins ? dur(ins[2] ?? "0s") : dur((rng as RegExpExecArray)[2] as string),
        endMs: ins ? dur(ins[2] ?? "0s") : dur((rng as RegExpExecArray)[3] as string),
        stepMs: ins ? 0 : dur((rng as RegExpExecArray)[4] as string),
        ordered: mod === "ordered",
        fail: mod === "fail",
        warn: mod === "warn",
        info: mod === "info",
        expects: [],
        expectedString: undefined,
        rangeVector: undefined,
        scalar: undefined,
        series: [],
        unreadable: undefined,
      };
      while (i + 1 < lines.length && lines[i + 1] !== "") {
        i++;
        const def = lines[i] as string;
        try {
          const rv = EXPECT_RANGE.exec(def);
          if (rv) {
            cmd.rangeVector = {
              startMs: dur(rv[1] as string),
              endMs: dur(rv[2] as string),
              stepMs: dur(rv[3] as string),
            };
            continue;
          }
          if (def.startsWith("expect string")) {
            cmd.expectedString = unquote(def.slice("expect string".length).trim());
            continue;
          }
          if (def.split(" ")[0] === "expect") {
            const m = EXPECT.exec(def);
            if (!m) {
              throw new Error(`invalid expect line ${def}`);
            }
            const e: Expectation = { type: m[1] as string };
            if (m[2] === "msg") {
              e.message = (m[3] as string).trim();
            } else if (m[2] === "regex") {
              // promqltest matches these with Go's regexp.MatchString: unanchored RE2.
              e.regex = compileSearchRegex((m[3] as string).trim());
            } else {
              e.regex = compileRegex(".*");
            }
            cmd.expects.push(e);
            continue;
          }
          const asNum = parseNumber(def);
          if (asNum !== undefined) {
            cmd.scalar = asNum;
            continue;
          }
          const { labels, rest } = parseMetric(def);
          cmd.series.push({ labels, values: parseValues(rest) });
        } catch (e) {
          cmd.unreadable = `line ${i + 1}: ${(e as Error).message}`;
        }
      }
      cmds.push(cmd);
    } else {
      throw new Error(`line ${i + 1}: invalid command ${JSON.stringify(l)}`);
    }
  }
  return cmds;
}
