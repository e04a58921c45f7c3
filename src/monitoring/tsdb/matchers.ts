// Label matchers compiled for the index (regexes from the one compiler, labels/regexp.ts, with its
// literal fast paths), and the postings selection that applies Prometheus's rule that a matcher
// matching "" also selects series without that label.
import { compileRegex, type Regex } from "../../model/regexp.js";
import type { Matcher } from "../model.js";
import { TsdbErrors } from "./errors.js";
import { EMPTY_POSTINGS, intersect, subtract, union } from "./postings.js";

export type CompiledMatcher = {
  readonly name: string;
  readonly matcher: Matcher;
  readonly matches: (v: string) => boolean;
  readonly matchesEmpty: boolean;
  /** When set, the exact values the matcher selects (=, or =~ a|b|c): direct postings lookups. */
  readonly literals: readonly string[] | undefined;
};

/** Compiles one matcher; an invalid regex is LINEOPS_ERR_INVALID_MATCHER (the compile is cached). */
export function compileMatcher(m: Matcher): CompiledMatcher {
  let pred: (v: string) => boolean;
  let literals: readonly string[] | undefined;
  const value = m.value;
  if (m.type === "=" || m.type === "!=") {
    pred = (v) => v === value;
    literals = [value];
  } else {
    let re: Regex;
    try {
      re = compileRegex(value);
    } catch (err) {
      throw TsdbErrors.invalidMatcher((err as Error).message);
    }
    pred = (v) => re.matches(v);
    literals = re.setMatches;
  }
  const negate = m.type === "!=" || m.type === "!~";
  const matches = negate ? (v: string) => !pred(v) : pred;
  return {
    name: m.name,
    matcher: m,
    matches,
    matchesEmpty: matches(""),
    literals: negate ? undefined : literals,
  };
}

/** What the matcher selection needs from an index (the head's or a block's). */
export interface PostingsIndex {
  allPostings(): Uint32Array;
  /** Distinct values of a label name (never ""). */
  valuesOf(name: string): Iterable<string>;
  postings(name: string, value: string): Uint32Array;
}

/**
 * Series ids matching every matcher. A matcher that matches "" keeps series without the label,
 * so it is applied by removing the series whose value it rejects; the others intersect.
 */
export function selectPostings(ix: PostingsIndex, ms: readonly CompiledMatcher[]): Uint32Array {
  let result: Uint32Array | undefined;
  const removals: Uint32Array[] = [];
  // Literal matchers first: they are the cheapest and usually the most selective.
  const ordered = [...ms].sort((a, b) => rank(a) - rank(b));
  for (const m of ordered) {
    if (!m.matchesEmpty) {
      const p = matching(ix, m);
      result = result === undefined ? p : intersect(result, p);
      if (result.length === 0) {
        return EMPTY_POSTINGS;
      }
    } else {
      const lists: Uint32Array[] = [];
      for (const v of ix.valuesOf(m.name)) {
        if (!m.matches(v)) {
          lists.push(ix.postings(m.name, v));
        }
      }
      if (lists.length > 0) {
        removals.push(union(lists));
      }
    }
  }
  if (result === undefined) {
    result = ix.allPostings();
  }
  for (const r of removals) {
    result = subtract(result, r);
  }
  return result;
}

function rank(m: CompiledMatcher): number {
  if (m.matchesEmpty) {
    return 3;
  }
  return m.literals ? 0 : 1;
}

function matching(ix: PostingsIndex, m: CompiledMatcher): Uint32Array {
  if (m.literals) {
    return union(m.literals.filter((v) => v !== "").map((v) => ix.postings(m.name, v)));
  }
  const lists: Uint32Array[] = [];
  for (const v of ix.valuesOf(m.name)) {
    if (m.matches(v)) {
      lists.push(ix.postings(m.name, v));
    }
  }
  return union(lists);
}

/** True if a label set (as a lookup) satisfies every matcher; a missing label reads as "". */
export function labelsMatch(
  get: (name: string) => string | undefined,
  ms: readonly CompiledMatcher[],
): boolean {
  for (const m of ms) {
    if (!m.matches(get(m.name) ?? "")) {
      return false;
    }
  }
  return true;
}
