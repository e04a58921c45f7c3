// Compiles every user pattern (label matchers, relabel rules, label_replace) as Prometheus does in
// model/labels/regexp.go: Go RE2 syntax, anchored with "." matching newline ("^(?s:re)$"), matched in
// linear time by re2js, with Prometheus's literal fast paths so equality-like patterns never reach it.
import { RE2JS } from "re2js";
import { LabelsErrors } from "./errors.js";

/** A successful match shaped like a RegExpExecArray: [0] is the match, [i] group i (undefined if unset). */
export type RegexMatch = readonly (string | undefined)[] & {
  /** Named groups ((?P<name>…) or (?<name>…)), undefined when the pattern has none. */
  readonly groups: Readonly<Record<string, string | undefined>> | undefined;
};

/** A compiled pattern. Immutable and shared through the cache: never holds per-match state. */
export interface Regex {
  /** The pattern as written by the user. */
  readonly source: string;
  /** Anchored: the whole value matches. Unanchored (compileSearchRegex): some part of it does. */
  matches(value: string): boolean;
  /** The match with its capture groups (for $1 / ${name} templates); null when it does not match. */
  exec(value: string): RegexMatch | null;
  /**
   * The exact values an anchored literal alternation (`a|b|c`, `(a|b)`) matches, so an index can look
   * them up instead of scanning every value; undefined for any other pattern.
   */
  readonly setMatches: readonly string[] | undefined;
}

/** Anchored as Prometheus: `^(?s:pattern)$`. Cached; throws LINEOPS_ERR_INVALID_REGEX. */
export function compileRegex(pattern: string): Regex {
  return cached("^", pattern, () => compileAnchored(pattern));
}

/**
 * Unanchored, without (?s), as Go's regexp.MatchString: for patterns that upstream matches that way
 * (node_exporter's device and mount excludes, promqltest's `expect fail regex:`).
 */
export function compileSearchRegex(pattern: string): Regex {
  return cached("~", pattern, () => {
    const re = parse(pattern, 0);
    return {
      source: pattern,
      setMatches: undefined,
      matches: (v) => re.test(v),
      exec: (v) => {
        const m = re.matcher(v);
        return m.find() ? matchOf(re, m) : null;
      },
    };
  });
}

// Bounded by count and by pattern length: a flood of distinct huge patterns (P5's cache finding)
// must not pin memory. Compiled programs grow with the pattern, so characters are the proxy. Each
// re2js program also grows a lazy DFA as it matches, capped by re2js at 8 MiB of state: an entry that
// needed the engine weighs ENGINE_WEIGHT characters more, so at most 32 of them are held (256 MiB of
// DFA at worst, where 256 entries would allow 2 GiB); fast-path patterns have no DFA.
const MAX_ENTRIES = 256;
const MAX_CHARS = 1 << 20;
const ENGINE_WEIGHT = MAX_CHARS / 32;
const MAX_CACHED_PATTERN = 64 * 1024;
const cache = new Map<string, { re: Regex; weight: number }>();
let cachedChars = 0;
let engineCompiles = 0;

function cached(mode: string, pattern: string, make: () => Regex): Regex {
  const key = mode + pattern;
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
    cache.delete(key);
    cache.set(key, hit);
    return hit.re;
  }
  const compilesBefore = engineCompiles;
  const re = make();
  if (pattern.length <= MAX_CACHED_PATTERN) {
    const weight = key.length + (engineCompiles > compilesBefore ? ENGINE_WEIGHT : 0);
    cache.set(key, { re, weight });
    cachedChars += weight;
    while (cache.size > MAX_ENTRIES || cachedChars > MAX_CHARS) {
      const [oldest, entry] = cache.entries().next().value as [string, { weight: number }];
      cache.delete(oldest);
      cachedChars -= entry.weight;
    }
  }
  return re;
}

/** Entries and weighed characters (an engine-backed entry weighs ENGINE_WEIGHT more) held by the cache. */
export function regexCacheStats(): { entries: number; chars: number } {
  return { entries: cache.size, chars: cachedChars };
}

function compileAnchored(pattern: string): Regex {
  const fast = fastPath(pattern);
  if (fast === undefined) {
    const re = parse(pattern, RE2JS.DOTALL);
    // re2js costs ~0.3-1 µs a match; a required literal prefix rejects most values in a few ns.
    const prefix = literalPrefix(pattern);
    return {
      source: pattern,
      setMatches: undefined,
      matches: prefix === "" ? (v) => re.testExact(v) : (v) => v.startsWith(prefix) && re.testExact(v),
      exec: (v) => execAnchored(re, v),
    };
  }
  // Fast-path patterns are valid RE2 of any length and never reach re2js: a match is the whole
  // value, and the one group they may have (`(a|b)`) spans it too.
  const { pred, groups } = fast;
  return {
    source: pattern,
    setMatches: fast.setMatches,
    matches: pred,
    exec: (v) => (pred(v) ? Object.assign(groups === 1 ? [v, v] : [v], { groups: undefined }) : null),
  };
}

function execAnchored(re: RE2JS, v: string): RegexMatch | null {
  const m = re.matcher(v);
  return m.matches() ? matchOf(re, m) : null;
}

function matchOf(re: RE2JS, m: ReturnType<RE2JS["matcher"]>): RegexMatch {
  const out: (string | undefined)[] = [];
  const n = re.groupCount();
  for (let i = 0; i <= n; i++) {
    out.push(m.group(i) ?? undefined);
  }
  const names = Object.entries(re.namedGroups());
  const groups =
    names.length === 0 ? undefined : Object.fromEntries(names.map(([name, i]) => [name, out[i]]));
  return Object.assign(out, { groups });
}

/**
 * re2js compiles in time that grows faster than the pattern (measured: 4,000 characters 2-60 ms,
 * 16,000 up to 0.5 s, 64,000 up to 4 s), all of it blocking the event loop. P5 allows ~100 ms, so
 * patterns that need the engine stop here; literal alternations (Grafana's multi-value variables)
 * take the fast paths and have no limit.
 */
export const MAX_COMPILED_PATTERN = 4096;

/** Parses with re2js; any failure (syntax, nesting depth, size) becomes LINEOPS_ERR_INVALID_REGEX. */
function parse(pattern: string, flags: number): RE2JS {
  if (pattern.length > MAX_COMPILED_PATTERN) {
    throw LabelsErrors.invalidRegex(
      `invalid regex ${JSON.stringify(pattern.slice(0, 64))}…: ${pattern.length} characters, more than the ` +
        `${MAX_COMPILED_PATTERN} a regex engine pattern may have (only literal alternations may be longer)`,
    );
  }
  engineCompiles++;
  try {
    return RE2JS.compile(pattern, flags);
  } catch (err) {
    // re2js spells the DOTALL flag as a "(?s)" prefix of the pattern it quotes; the user never wrote it.
    const raw = err instanceof Error ? err.message : String(err);
    const detail = flags & RE2JS.DOTALL ? raw.replace("`(?s)", "`") : raw;
    const js = jsOnlySyntax(detail);
    const hint = js === undefined ? "" : ` (${js} is JavaScript syntax; RE2 does not support it)`;
    throw LabelsErrors.invalidRegex(`invalid regex ${JSON.stringify(pattern)}: ${detail}${hint}`, {
      cause: err,
    });
  }
}

// RE2's own message quotes the offending text, so the construct is named from where RE2 stopped
// rather than by scanning the pattern again (which would misread escapes and classes).
const JS_ONLY: readonly [RegExp, string][] = [
  [/`\(\?=/, "lookahead (?=…)"],
  [/`\(\?!/, "negative lookahead (?!…)"],
  [/`\(\?<=/, "lookbehind (?<=…)"],
  [/`\(\?<!/, "negative lookbehind (?<!…)"],
  [/`\\[1-9]/, "a backreference (\\1…\\9)"],
  [/`\\k/, "a named backreference (\\k<name>)"],
  [/`\\u/, "the \\uXXXX escape (RE2 writes \\x{XXXX})"],
  [/`\\c/, "the \\cX control escape"],
];

function jsOnlySyntax(message: string): string | undefined {
  return JS_ONLY.find(([re]) => re.test(message))?.[1];
}

type FastPath = {
  pred: (v: string) => boolean;
  setMatches: readonly string[] | undefined;
  /** Capture groups: 1 for `(a|b)`, else 0. */
  groups: 0 | 1;
};

// Go's regexp.QuoteMeta escapes exactly these: a string without them is a literal (Prometheus's test).
const META = /[\\.+*?()|[\]{}^$]/;
const OPERATOR = /[\\.+*?()[\]{}^$]/;
// A lone surrogate cannot be written in RE2 (it is not UTF-8); leave such patterns to re2js.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NON_ASCII = /[\u0080-\uFFFF]/;
const ALNUM = /[0-9A-Za-z]/;

/**
 * The shapes Prometheus answers without the regex engine: literal alternations (also in one group),
 * `.*`, `.+`, `lit.*`, `.*lit`, `.*lit.*`, and `(?i)` ASCII literal alternations.
 */
function fastPath(p: string): FastPath | undefined {
  if (LONE_SURROGATE.test(p)) {
    return undefined;
  }
  const alternation = literalAlternationGroup(p);
  if (alternation !== undefined) {
    const { parts: set, groups } = alternation;
    if (set.length === 1) {
      const only = set[0] as string;
      return { pred: (v) => v === only, setMatches: set, groups };
    }
    const lookup = new Set(set);
    return { pred: (v) => lookup.has(v), setMatches: [...lookup], groups };
  }
  if (p === ".*") {
    return { pred: () => true, setMatches: undefined, groups: 0 };
  }
  if (p === ".+") {
    return { pred: (v) => v.length > 0, setMatches: undefined, groups: 0 };
  }
  const infix =
    p.length > 4 && p.startsWith(".*") && p.endsWith(".*") ? literalText(p.slice(2, -2)) : undefined;
  if (infix !== undefined) {
    return { pred: (v) => v.includes(infix), setMatches: undefined, groups: 0 };
  }
  const prefix = p.length > 2 && p.endsWith(".*") ? literalText(p.slice(0, -2)) : undefined;
  if (prefix !== undefined) {
    return { pred: (v) => v.startsWith(prefix), setMatches: undefined, groups: 0 };
  }
  const suffix = p.length > 2 && p.startsWith(".*") ? literalText(p.slice(2)) : undefined;
  if (suffix !== undefined) {
    return { pred: (v) => v.endsWith(suffix), setMatches: undefined, groups: 0 };
  }
  const ci = p.startsWith("(?i)") && !NON_ASCII.test(p) ? literalAlternationGroup(p.slice(4)) : undefined;
  if (ci !== undefined) {
    const lower = new Set(ci.parts.map((s) => s.toLowerCase()));
    // Both extra members of RE2's case orbits are one UTF-16 unit, like the letters they fold onto,
    // so a value of another length never matches (most values: 135 → 23 ns a match).
    const lengths = new Set(ci.parts.map((s) => s.length));
    return {
      pred: (v) => lengths.has(v.length) && lower.has(foldToAscii(v).toLowerCase()),
      setMatches: undefined,
      groups: ci.groups,
    };
  }
  return undefined;
}

/**
 * The literal text every match starts with: the leading metacharacter-free run of a pattern without
 * alternation, less its last character when a repetition follows (`ab*` requires only "a"). Flags,
 * groups and escapes end the run, so this only ever under-approximates. ASCII only, so a repetition
 * never splits a surrogate pair.
 */
function literalPrefix(p: string): string {
  if (p.includes("|")) {
    return "";
  }
  const end = p.search(META);
  const run = end < 0 ? p : p.slice(0, end);
  const prefix = "*+?{".includes(p[end] ?? "|") ? run.slice(0, -1) : run;
  return NON_ASCII.test(prefix) ? "" : prefix;
}

/** The text a pattern without operators matches, or undefined. */
function literalText(p: string): string | undefined {
  const parts = literalAlternation(p);
  return parts?.length === 1 ? parts[0] : undefined;
}

/**
 * The alternatives of `lit|lit|…`, or undefined if any operator appears. As Go, a backslash before
 * ASCII punctuation is that character, so Grafana's escaped values (`10\.0\.0\.1:9100`) stay literal.
 */
function literalAlternation(p: string): string[] | undefined {
  if (!OPERATOR.test(p)) {
    return p.split("|");
  }
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === "\\") {
      const next = p[i + 1];
      if (next === undefined || next.charCodeAt(0) >= 0x80 || ALNUM.test(next)) {
        return undefined; // \d, \pN, \Q, \x41…: classes and escapes, not literals
      }
      cur += next;
      i++;
    } else if (c === "|") {
      parts.push(cur);
      cur = "";
    } else if (META.test(c)) {
      return undefined;
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

/** `lit|lit|…` bare, or inside one group `(…)` / `(?:…)` that spans the whole pattern and nests nothing. */
function literalAlternationGroup(p: string): { parts: string[]; groups: 0 | 1 } | undefined {
  const bare = literalAlternation(p);
  if (bare !== undefined) {
    return { parts: bare, groups: 0 };
  }
  if (!p.startsWith("(") || !p.endsWith(")")) {
    return undefined;
  }
  const capturing = !p.startsWith("(?:");
  const inner = capturing ? p.slice(1, -1) : p.slice(3, -1);
  if (inner.startsWith("?") || /[()]/.test(inner)) {
    return undefined;
  }
  const parts = literalAlternation(inner);
  return parts === undefined ? undefined : { parts, groups: capturing ? 1 : 0 };
}

/**
 * Under (?i) RE2 folds by Unicode's simple case orbits; the only non-ASCII members of the orbits of
 * ASCII letters are K (U+212A, Kelvin sign, with k) and ſ (U+017F, long s, with s). Anything else
 * non-ASCII can never equal an ASCII literal, and stays non-ASCII here.
 */
function foldToAscii(v: string): string {
  return NON_ASCII.test(v) ? v.replace(/\u212A/g, "k").replace(/\u017F/g, "s") : v;
}

/**
 * Go's Regexp.Expand, used by relabelling and label_replace: `$name` or `${name}`, where a name is the
 * longest run of [A-Za-z0-9_] (so `$1x` names the missing group "1x" and expands to ""); `$$` is "$";
 * a malformed `$` stays as text.
 */
export function expandTemplate(template: string, m: RegexMatch): string {
  if (!template.includes("$")) {
    return template;
  }
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c !== "$") {
      out += c;
      continue;
    }
    const next = template[i + 1];
    if (next === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string;
    if (next === "{") {
      const close = template.indexOf("}", i + 2);
      const inner = close < 0 ? "" : template.slice(i + 2, close);
      if (close < 0 || !TEMPLATE_NAME.test(inner)) {
        out += c;
        continue;
      }
      name = inner;
      i = close;
    } else {
      const rest = TEMPLATE_NAME_PREFIX.exec(template.slice(i + 1));
      if (!rest) {
        out += c;
        continue;
      }
      name = rest[0];
      i += name.length;
    }
    out += (DIGITS.test(name) ? m[Number(name)] : m.groups?.[name]) ?? "";
  }
  return out;
}

const TEMPLATE_NAME = /^[A-Za-z0-9_]+$/;
const TEMPLATE_NAME_PREFIX = /^[A-Za-z0-9_]+/;
const DIGITS = /^\d+$/;

/**
 * Go's Regexp.ReplaceAllString with an unanchored pattern (Prometheus's reReplaceAll template
 * function): every non-overlapping match replaced by `template` expanded as Regexp.Expand; an empty
 * match right after a previous match is not replaced, and the search always advances.
 */
export function replaceAllSearch(pattern: string, text: string, template: string): string {
  compileSearchRegex(pattern); // validates and caches the pattern, throwing LINEOPS_ERR_INVALID_REGEX
  const re = parse(pattern, 0);
  const m = re.matcher(text);
  let out = "";
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= text.length && m.find(searchPos)) {
    const start = m.start();
    const end = m.end();
    out += text.slice(lastEnd, start);
    if (end > lastEnd || start === 0) {
      out += expandTemplate(template, matchOf(re, m));
    }
    lastEnd = end;
    const width = (text.codePointAt(searchPos) ?? 0) > 0xffff ? 2 : 1;
    searchPos = searchPos + width > end ? searchPos + width : end;
  }
  return out + text.slice(lastEnd);
}
