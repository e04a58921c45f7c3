// The one pattern compiler: RE2 syntax as Go's regexp/syntax (cases from its docs and Prometheus's
// model/labels/regexp_test.go), anchoring, JS-only rejections, linear time, fast path == re2js.
import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { LabelsErrors } from "./errors.js";
import {
  compileRegex,
  compileSearchRegex,
  expandTemplate,
  MAX_COMPILED_PATTERN,
  regexCacheStats,
} from "./regexp.js";

describe("compileRegex: RE2 syntax, anchored, '.' matching newline", () => {
  it.each([
    // Anchoring around the whole alternation, as "^(?s:re)$".
    ["u", "up", false],
    ["a|ab", "ab", true],
    ["up|down", "upx", false],
    // Flags: (?i) (?i:…) (?s) default, (?-s).
    ["(?i)node", "NODE", true],
    ["(?i)node", "Node", true],
    ["(?i)node", "nodes", false],
    ["(?i:AB)c", "abc", true],
    ["(?i:AB)c", "abC", false],
    ["(?i)k", "\u212A", true], // RE2 folds the Kelvin sign onto k
    ["(?i)s", "\u017F", true], // and the long s onto s
    ["a.b", "a\nb", true],
    [".*", "line1\nline2", true],
    ["(?-s:a.b)", "a\nb", false],
    ["(?U)a+", "aaa", true],
    // Groups: (?P<name>…) and Go 1.22's (?<name>…), non-capturing (?:…).
    ["(?P<x>a)b", "ab", true],
    ["(?<x>a)b", "ab", true],
    ["(?:ab)+", "abab", true],
    // Unicode classes and POSIX classes.
    ["\\p{N}+", "123", true],
    ["\\p{N}+", "\u0661\u0662", true], // Arabic-Indic digits are N
    ["\\pN+", "12a", false],
    ["\\PL+", "12-", true],
    ["\\p{Greek}+", "αβγ", true],
    ["[[:alpha:]]+", "abcXYZ", true],
    ["[[:alpha:]]+", "ab1", false],
    ["[[:^alpha:]]+", "123", true],
    ["[[:digit:][:upper:]]+", "A1B2", true],
    ["[[:space:]]", "\t", true],
    // Perl classes are ASCII in RE2.
    ["\\d", "\u0663", false],
    ["\\w+", "a_1", true],
    // Quoting and escapes.
    ["\\Qa.b\\E", "a.b", true],
    ["\\Qa.b\\E", "axb", false],
    ["\\Q*+?\\E", "*+?", true],
    ["\\x{41}\\x42", "AB", true],
    ["a\\z", "a", true],
    ["\\.", ".", true],
    ["\\/", "/", true],
    // '.' is one code point, not one UTF-16 unit.
    [".", "😀", true],
    ["..", "😀", false],
    ["a{2,3}", "aaa", true],
    ["a{2,3}", "aaaa", false],
    ["", "", true],
    ["", "a", false],
  ])("%j on %j → %s", (pattern, value, want) => {
    expect(compileRegex(pattern).matches(value)).toBe(want);
  });

  it.each([
    ["(?U)(a+)(a*)", "aaa", ["aaa", "a", "aa"]],
    ["(a+)(a*)", "aaa", ["aaa", "aaa", ""]],
    ["(a|ab)(c|bcd)(d*)", "abcd", ["abcd", "a", "bcd", ""]],
    ["(a)|(b)", "b", ["b", undefined, "b"]],
  ])("%j on %j captures %j", (pattern, value, groups) => {
    expect([...(compileRegex(pattern).exec(value) ?? [])]).toEqual(groups);
  });

  it.each(["(?P<host>[^:]+):(?P<port>\\d+)", "(?<host>[^:]+):(?<port>\\d+)"])(
    "names groups in %j",
    (pattern) => {
      expect(compileRegex(pattern).exec("db:5432")?.groups).toEqual({ host: "db", port: "5432" });
    },
  );

  it("gives exec no match when the value does not match the whole pattern, fast path or not", () => {
    expect(compileRegex("a.*").exec("ba")).toBeNull();
    expect(compileRegex("(a)b").exec("ab_")).toBeNull();
    expect([...(compileRegex("foo.*").exec("foobar") ?? [])]).toEqual(["foobar"]);
  });

  // Fast paths answer exec without re2js; the groups must be what re2js would give.
  it.each([
    "(node|db)",
    "(?:node|db)",
    "node|db",
    "(?i)(NODE|DB)",
    "(?i)NODE|db",
    ".*o.*",
    "no.*",
    ".*de",
    ".+",
  ])("captures as re2js does for the fast path %j", (pattern) => {
    const re2 = RE2JS.compile(`^(?s:${pattern})$`).exec("node");
    expect([...(compileRegex(pattern).exec("node") ?? [])]).toEqual([...(re2 ?? [])]);
  });
});

describe("compileRegex: pattern size", () => {
  it("rejects a pattern the engine would need over ~100 ms to compile, naming its length", () => {
    const pattern = "(a|b)".repeat(1000);
    expect(() => compileRegex(pattern)).toThrow(
      expect.objectContaining({
        code: LabelsErrors.invalidRegex.code,
        message: expect.stringContaining(
          `${pattern.length} characters, more than the ${MAX_COMPILED_PATTERN}`,
        ),
      }),
    );
  });

  it("takes literal alternations of any length, as Grafana writes a 'select all' of 5,000 hosts", () => {
    const hosts = Array.from({ length: 5000 }, (_, i) => `10\\.0\\.${i >> 8}\\.${i & 255}:9100`);
    const start = performance.now();
    const re = compileRegex(`(${hosts.join("|")})`);
    expect(re.matches("10.0.19.135:9100")).toBe(true);
    expect(re.matches("10.0.19.135:9101")).toBe(false);
    expect(re.setMatches).toHaveLength(5000);
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe("compileRegex: what RE2 rejects", () => {
  it.each([
    ["a(?=b)", "lookahead"],
    ["a(?!b)", "negative lookahead"],
    ["(?<=a)b", "lookbehind"],
    ["(?<!a)b", "negative lookbehind"],
    ["(a)\\1", "backreference"],
    ["(?<n>a)\\k<n>", "named backreference"],
    ["\\u0041", "\\uXXXX"],
    ["\\cA", "control escape"],
  ])("rejects the JavaScript-only %j, naming %s and the pattern", (pattern, named) => {
    expect(() => compileRegex(pattern)).toThrow(
      expect.objectContaining({
        code: LabelsErrors.invalidRegex.code,
        message: expect.stringMatching(
          new RegExp(
            `^invalid regex ${escape(JSON.stringify(pattern))}: .*${escape(named)}.*JavaScript syntax`,
          ),
        ),
      }),
    );
  });

  it.each([
    "(",
    "a)|(b", // must not become valid by being wrapped in ^(?s:…)$
    "a**",
    "a++",
    "x{1001}",
    "[[:foo:]]",
    "[z-a]",
    "(?P=n)",
    "\\Z",
    "(".repeat(2000) + ")".repeat(2000),
  ])("rejects %j with a coded error that names it", (pattern) => {
    expect(() => compileRegex(pattern)).toThrow(
      expect.objectContaining({
        code: LabelsErrors.invalidRegex.code,
        message: expect.stringContaining(`invalid regex ${JSON.stringify(pattern)}: error parsing regexp`),
      }),
    );
  });

  it.each([
    ["(", "missing closing ): `(`"],
    ["a**", "invalid nested repetition operator: `**`"],
    ["[[:foo:]]", "invalid character class range: `[:foo:]`"],
  ])("quotes %j in Go's words, without the (?s) it is compiled with", (pattern, words) => {
    expect(() => compileRegex(pattern)).toThrow(`error parsing regexp: ${words}`);
  });
});

describe("compileRegex: linear time", () => {
  // JavaScript's backtracking engine needs seconds to minutes for each of these (37 s for the first
  // on the demo's label values); RE2 is linear. The budget is generous for a shared, noisy machine.
  it.each([
    ["(.*){7}X", "a".repeat(5000)],
    ["(a+)+$", "a".repeat(5000) + "!"],
    ["(a|a)*b", "a".repeat(5000)],
    ["(x+x+)+y", "x".repeat(5000)],
  ])("%j against %s characters stays within budget", (pattern, value) => {
    const start = performance.now();
    const re = compileRegex(pattern);
    for (let i = 0; i < 20; i++) {
      expect(re.matches(value + String(i))).toBe(false);
    }
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

// A reference independent of the fast paths: re2js on the wrapped pattern, as Prometheus compiles it.
const reference = (pattern: string, value: string) => RE2JS.compile(`^(?s:${pattern})$`).testExact(value);
const compiles = (pattern: string) => {
  try {
    RE2JS.compile(pattern);
    return true;
  } catch {
    return false;
  }
};

// Few characters, so generated values often equal or contain the generated literals; the Kelvin
// sign, long s, newline, an emoji and a lone surrogate probe case folding and code-point handling.
const unit = fc.constantFrom(
  "a",
  "b",
  "K",
  "k",
  "s",
  "S",
  "-",
  " ",
  "\n",
  "é",
  "😀",
  "\u212A",
  "\u017F",
  "\uD800",
  "\u0130", // İ lowercases to "i" and a combining dot: must not pass for an ASCII i
  ...[".", "|", ":", "_", "\\"],
);
const text = fc.string({ unit, maxLength: 6 });
// Pattern text: plain characters and Go's escaped punctuation (`\.` is "."), as Grafana writes values.
const literal = fc.string({
  unit: fc.constantFrom(
    "a",
    "b",
    "K",
    "k",
    "s",
    "-",
    " ",
    "é",
    "😀",
    ":",
    "\\.",
    "\\|",
    "\\\\",
    "\\_",
    "\\:",
  ),
  maxLength: 4,
});
const shape = fc.oneof(
  fc.array(literal, { minLength: 1, maxLength: 4 }).map((ls) => ls.join("|")),
  fc.array(literal, { minLength: 1, maxLength: 4 }).map((ls) => `(${ls.join("|")})`),
  fc.array(literal, { minLength: 1, maxLength: 4 }).map((ls) => `(?:${ls.join("|")})`),
  fc.array(literal, { minLength: 1, maxLength: 4 }).map((ls) => `(?i)${ls.join("|")}`),
  fc.array(literal, { minLength: 1, maxLength: 4 }).map((ls) => `(?i)(${ls.join("|")})`),
  literal.map((l) => `${l}.*`),
  literal.map((l) => `.*${l}`),
  literal.map((l) => `.*${l}.*`),
  fc.constantFrom(".*", ".+", ""),
  // Not fast paths: re2js behind a required literal prefix, which must never reject a match.
  fc
    .tuple(
      literal,
      fc.constantFrom("b*", "k+", "[a-z]+", "s?", "(a|b)", "{2}", ".", "(?i)K", "\\Qk\\E", "b+c", "a{0,2}"),
    )
    .map(([l, tail]) => l + tail),
);

describe("compileRegex: fast paths answer as re2js does", () => {
  it("for random literal alternations, prefixes, suffixes, contains, (?i) sets and literal-prefixed patterns", () => {
    fc.assert(
      fc.property(shape, fc.array(text, { maxLength: 8 }), (pattern, values) => {
        if (!compiles(pattern)) {
          // Such as "{2}" (nothing to repeat): rejected with the code, never answered.
          expect(() => compileRegex(pattern)).toThrow(
            expect.objectContaining({ code: LabelsErrors.invalidRegex.code }),
          );
          return;
        }
        const re = compileRegex(pattern);
        for (const v of [...values, ...pattern.split("|")]) {
          expect(re.matches(v), `${JSON.stringify(pattern)} on ${JSON.stringify(v)}`).toBe(
            reference(pattern, v),
          );
          if (re.setMatches !== undefined) {
            expect(re.setMatches.includes(v)).toBe(re.matches(v));
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    ["a|b|c", ["a", "b", "c"]],
    ["(node|db)", ["node", "db"]],
    ["(?:x|y|x)", ["x", "y"]],
    ["api", ["api"]],
    ["db|", ["db", ""]],
    ["a.*", undefined],
    ["(?i)a|b", undefined], // case-insensitive: no exact set for the index
    ["a|b+", undefined],
    ["10\\.0\\.0\\.1:9100|db\\|x", ["10.0.0.1:9100", "db|x"]],
    ["(a\\.b|c\\-d)", ["a.b", "c-d"]],
    ["a\\d", undefined], // \d is a class, not an escaped literal
  ])("gives the index the exact values of %j", (pattern, set) => {
    expect(compileRegex(pattern).setMatches).toEqual(set);
  });
});

describe("compileSearchRegex: unanchored, as Go's MatchString (node_exporter excludes)", () => {
  it.each([
    ["^/proc", "/proc/1", true],
    ["sd", "xsdy", true],
    ["^sd$", "sdb", false],
    ["a.b", "a\nb", false], // no (?s) here: upstream does not add it
    ["(?i)LO", "lo", true],
  ])("%j in %j → %s", (pattern, value, want) => {
    expect(compileSearchRegex(pattern).matches(value)).toBe(want);
  });

  it("rejects what RE2 rejects", () => {
    expect(() => compileSearchRegex("a(?=b)")).toThrow(
      expect.objectContaining({ code: LabelsErrors.invalidRegex.code }),
    );
  });
});

describe("expandTemplate: Go's Regexp.Expand", () => {
  const m = compileRegex("(?P<host>[a-z]+)-(\\d+)").exec("db-12")!;
  it.each([
    ["$1", "db"],
    ["${1}", "db"],
    ["$2:$host", "12:db"],
    ["${host}x", "dbx"],
    ["$1x", ""], // names the group "1x", which does not exist
    ["$$1", "$1"],
    ["$9", ""],
    ["a$", "a$"],
    ["${1", "${1"],
    ["${-}", "${-}"],
    ["plain", "plain"],
  ])("%j → %j", (template, want) => {
    expect(expandTemplate(template, m)).toBe(want);
  });
});

describe("compile cache", () => {
  it("returns the compiled pattern again and stays bounded by count and characters", () => {
    expect(compileRegex("cache-(a|b)+")).toBe(compileRegex("cache-(a|b)+"));
    for (let i = 0; i < 600; i++) {
      compileRegex(`flood-${i}-(x|y)+`);
    }
    // Every flood pattern needs re2js, whose lazy DFA may grow to 8 MiB: at most 32 are kept.
    expect(regexCacheStats().entries).toBeLessThanOrEqual(32);
    for (let i = 0; i < 600; i++) {
      compileRegex(`literal-${i}`);
    }
    expect(regexCacheStats().entries).toBe(256);
    for (let i = 0; i < 40; i++) {
      compileRegex(`(${i}|` + "z".repeat(60_000) + ")");
    }
    expect(regexCacheStats().chars).toBeLessThanOrEqual(1 << 20);
    const huge = "(q|" + "z".repeat(100_000) + ")";
    const before = regexCacheStats();
    expect(compileRegex(huge)).not.toBe(compileRegex(huge));
    expect(regexCacheStats()).toEqual(before);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
