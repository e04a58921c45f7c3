// Label matchers in Alertmanager's syntax (`alertname="StationJammed", station=~"press-.*"`), as
// amtool and Alertmanager's own UI take them: a comma- or newline-separated list, optionally in
// braces; values double-quoted (with \" \\ \n escapes) or bare. The server parses them again and
// its word is final; this parse exists to split the list into `filter` parameters, to check a
// rule alert in the browser, and to pre-fill a silence from an alert's labels.
import type { Labels } from "../../api/prometheus.js";
import type { Matcher } from "./api.js";

export type MatchOp = "=" | "!=" | "=~" | "!~";
export type ParsedMatcher = { name: string; op: MatchOp; value: string };

const PART = /^\s*("(?:[^"\\]|\\.)*"|[^\s=!~"{},]+)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^"]*?)\s*$/;
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits on commas and newlines outside double quotes. */
function splitList(text: string): string[] {
  const parts: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === "\\" && i + 1 < text.length) {
      cur += c + text[i + 1]!;
      i++;
      continue;
    }
    if (c === '"') {
      quoted = !quoted;
    }
    if (!quoted && (c === "," || c === "\n")) {
      parts.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.filter((p) => p.trim() !== "");
}

function unquote(s: string): string {
  return s.startsWith('"') ? (JSON.parse(s) as string) : s;
}

/** The matchers of `text`, or an error naming the part at fault. Empty text is no matchers. */
export function parseMatchers(text: string): { matchers: ParsedMatcher[] } | { error: string } {
  let body = text.trim();
  if (body.startsWith("{") && body.endsWith("}")) {
    body = body.slice(1, -1);
  }
  const matchers: ParsedMatcher[] = [];
  for (const part of splitList(body)) {
    const m = PART.exec(part);
    if (m === null) {
      return {
        error: `"${part.trim()}" is not a matcher (name="value", name!="value", name=~"regex" or name!~"regex")`,
      };
    }
    let name: string;
    let value: string;
    try {
      name = unquote(m[1]!);
      value = unquote(m[3]!);
    } catch {
      return { error: `"${part.trim()}": a quoted string with a bad escape` };
    }
    const op = m[2] as MatchOp;
    if (op === "=~" || op === "!~") {
      try {
        new RegExp(`^(?:${value})$`);
      } catch (err) {
        return {
          error: `"${part.trim()}": the regular expression does not parse (${(err as Error).message})`,
        };
      }
    }
    matchers.push({ name, op, value });
  }
  return { matchers };
}

export function formatMatcher(m: ParsedMatcher): string {
  const name = PLAIN_NAME.test(m.name) ? m.name : JSON.stringify(m.name);
  return `${name}${m.op}${JSON.stringify(m.value)}`;
}

/** As Alertmanager: a missing label reads as "", a regex is anchored at both ends. */
export function matches(labels: Labels, ms: readonly ParsedMatcher[]): boolean {
  return ms.every((m) => {
    const v = labels[m.name] ?? "";
    switch (m.op) {
      case "=":
        return v === m.value;
      case "!=":
        return v !== m.value;
      case "=~":
        return new RegExp(`^(?:${m.value})$`).test(v);
      case "!~":
        return !new RegExp(`^(?:${m.value})$`).test(v);
    }
  });
}

/** An alert's labels as equality matchers, one per line: what a silence from it starts with. */
export function matchersFromLabels(labels: Labels): string {
  return Object.keys(labels)
    .sort((a, b) => (a === "alertname" ? -1 : b === "alertname" ? 1 : a < b ? -1 : a > b ? 1 : 0))
    .map((name) => formatMatcher({ name, op: "=", value: labels[name]! }))
    .join("\n");
}

/** Alertmanager API v2's matcher object. */
export function toApiMatcher(m: ParsedMatcher): Matcher {
  return { name: m.name, value: m.value, isRegex: m.op.endsWith("~"), isEqual: !m.op.startsWith("!") };
}

export function fromApiMatcher(m: Matcher): ParsedMatcher {
  const op: MatchOp = m.isRegex ? (m.isEqual ? "=~" : "!~") : m.isEqual ? "=" : "!=";
  return { name: m.name, op, value: m.value };
}
