// Label matchers as PromQL evaluates them over MemoryStorage and the engine's own filters; regexes
// come from the one compiler (labels/regexp.ts): RE2, anchored, "." matching newline.
import { compileRegex } from "../../model/regexp.js";
import type { Labels, Matcher } from "../model.js";

export type CompiledMatcher = { readonly name: string; matches(value: string): boolean };

export function compileMatcher(m: Matcher): CompiledMatcher {
  switch (m.type) {
    case "=":
      return { name: m.name, matches: (v) => v === m.value };
    case "!=":
      return { name: m.name, matches: (v) => v !== m.value };
    case "=~": {
      const re = compileRegex(m.value);
      return { name: m.name, matches: (v) => re.matches(v) };
    }
    case "!~": {
      const re = compileRegex(m.value);
      return { name: m.name, matches: (v) => !re.matches(v) };
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
