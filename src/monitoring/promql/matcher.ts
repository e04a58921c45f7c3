// Label matchers as Prometheus evaluates them: regexes are fully anchored and '.' matches newlines
// (Prometheus compiles "^(?s:re)$"). Go RE2 syntax is translated to a JS RegExp where they differ.
import type { Labels, Matcher } from "../model.js";

export type CompiledMatcher = { readonly name: string; matches(value: string): boolean };

const regexCache = new Map<string, RegExp>();

/** Compiles an RE2 pattern as a fully anchored JS RegExp; throws Error when it is invalid. */
export function compileAnchoredRegex(pattern: string): RegExp {
  const cached = regexCache.get(pattern);
  if (cached) {
    return cached;
  }
  let flags = "s";
  let body = pattern;
  // JS (Node 20) lacks inline flag groups; a leading (?i) / (?s) / (?is) becomes a RegExp flag.
  const lead = /^\(\?([imsU]+)\)/.exec(body);
  if (lead) {
    if ((lead[1] as string).includes("i")) {
      flags += "i";
    }
    body = body.slice(lead[0].length);
  }
  body = body.replace(/\\z/g, "$").replace(/\(\?P</g, "(?<");
  const re = new RegExp(`^(?:${body})$`, flags);
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
