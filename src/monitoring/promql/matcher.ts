// Label matchers as Prometheus evaluates them: regexes are fully anchored and '.' matches newlines
// (Prometheus compiles "^(?s:re)$"). Go RE2 syntax is translated to a JS RegExp where they differ.
import type { Labels, Matcher } from "../model.js";

export type CompiledMatcher = { readonly name: string; matches(value: string): boolean };

const regexCache = new Map<string, RegExp>();

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

function swapCase(c: string): string {
  const l = c.toLowerCase();
  return l === c ? c.toUpperCase() : l;
}

/** Body of a character class, with the other case of every letter added when case-insensitive. */
function translateClass(body: string, ci: boolean): string {
  let out = "";
  let extra = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === "\\") {
      out += c + (body[i + 1] ?? "");
      i++;
      continue;
    }
    if (c === "[" && body[i + 1] === ":") {
      const end = body.indexOf(":]", i + 2);
      if (end > 0) {
        const cls = POSIX_CLASSES[body.slice(i + 2, end)];
        if (cls === undefined) {
          throw new Error(`invalid character class range: ${body.slice(i, end + 2)}`);
        }
        out += cls;
        i = end + 1;
        continue;
      }
    }
    if (c === "[") {
      out += "\\[";
      continue;
    }
    out += c;
    if (ci && /[A-Za-z]/.test(c)) {
      if (body[i + 1] === "-" && /[A-Za-z]/.test(body[i + 2] ?? "")) {
        extra += swapCase(c) + "-" + swapCase(body[i + 2] as string);
        out += "-" + (body[i + 2] as string);
        i += 2;
      } else {
        extra += swapCase(c);
      }
    }
  }
  return out + extra;
}

/**
 * Translates RE2 syntax to a JS RegExp source: inline flag groups ((?i), (?i:...)), (?P<name>...),
 * POSIX classes and \z, which JS (Node 20) lacks. Case-insensitivity is expanded per letter.
 */
export function re2ToJs(pattern: string): string {
  let out = "";
  const stack: boolean[] = [];
  let ci = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (next === "z") {
        out += "$";
      } else if (next === "Q") {
        const end = pattern.indexOf("\\E", i + 2);
        const lit = pattern.slice(i + 2, end < 0 ? pattern.length : end);
        out += lit.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        i = end < 0 ? pattern.length : end + 1;
        continue;
      } else {
        out += c + next;
      }
      i++;
      continue;
    }
    if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "^") {
        j++;
      }
      if (pattern[j] === "]") {
        j++;
      }
      while (j < pattern.length && pattern[j] !== "]") {
        if (pattern[j] === "\\") {
          j++;
        } else if (pattern[j] === "[" && pattern[j + 1] === ":") {
          const end = pattern.indexOf(":]", j + 2);
          if (end > 0) {
            j = end + 1;
          }
        }
        j++;
      }
      const negated = pattern[i + 1] === "^";
      const body = pattern.slice(i + (negated ? 2 : 1), j);
      out += "[" + (negated ? "^" : "") + translateClass(body, ci) + "]";
      i = j;
      continue;
    }
    if (c === "(") {
      const flags = /^\(\?([imsU-]*)(\)|:)/.exec(pattern.slice(i));
      if (flags && flags[1] !== undefined && (flags[1] !== "" || flags[2] === ")")) {
        const f = flags[1];
        const neg = f.indexOf("-");
        const on = neg < 0 ? f : f.slice(0, neg);
        const off = neg < 0 ? "" : f.slice(neg + 1);
        const nextCi: boolean = on.includes("i") ? true : off.includes("i") ? false : ci;
        if (flags[2] === ")") {
          ci = nextCi;
          i += flags[0].length - 1;
          continue;
        }
        stack.push(ci);
        ci = nextCi;
        out += "(?:";
        i += flags[0].length - 1;
        continue;
      }
      stack.push(ci);
      if (pattern.startsWith("(?P<", i)) {
        out += "(?<";
        i += 3;
        continue;
      }
      out += c;
      continue;
    }
    if (c === ")") {
      ci = stack.pop() ?? false;
      out += c;
      continue;
    }
    if (ci && /[A-Za-z]/.test(c)) {
      out += `[${c}${swapCase(c)}]`;
      continue;
    }
    out += c;
  }
  return out;
}

/** Compiles an RE2 pattern as a fully anchored JS RegExp; throws Error when it is invalid. */
export function compileAnchoredRegex(pattern: string): RegExp {
  const cached = regexCache.get(pattern);
  if (cached) {
    return cached;
  }
  const re = new RegExp(`^(?:${re2ToJs(pattern)})$`, "s");
  if (regexCache.size > 10_000) {
    regexCache.clear();
  }
  regexCache.set(pattern, re);
  return re;
}

export function compileMatcher(m: Matcher): CompiledMatcher {
  switch (m.type) {
    case "=":
      return { name: m.name, matches: (v) => v === m.value };
    case "!=":
      return { name: m.name, matches: (v) => v !== m.value };
    case "=~": {
      const re = compileAnchoredRegex(m.value);
      return { name: m.name, matches: (v) => re.test(v) };
    }
    case "!~": {
      const re = compileAnchoredRegex(m.value);
      return { name: m.name, matches: (v) => !re.test(v) };
    }
  }
}

/** Whether a label set satisfies every matcher (a missing label has the empty value). */
export function matchesAll(matchers: readonly CompiledMatcher[], labels: Labels): boolean {
  for (const m of matchers) {
    if (!m.matches(labels[m.name] ?? "")) {
      return false;
    }
  }
  return true;
}
