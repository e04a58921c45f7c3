// Go string literals: strconv.Unquote's and UnquoteChar's documented behaviour, and round trips
// through Go's strconv.Quote (gotemplate's fmt.ts) for the three readers that share them: PromQL
// strings, Alertmanager's quoted matcher values and Go text/template strings and characters.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseUtf8Matchers } from "../alerting/routing/matchers.js";
import { parseExpr } from "../monitoring/promql/parser.js";
import { fuzzParams } from "../test-support/fuzz.js";
import { GoStringError, goUnquote, goUnquoteChar, type UnquoteOptions } from "./go-strings.js";
import { quote } from "./gotemplate/fmt.js";
import { parseTemplate } from "./gotemplate/index.js";

const fault = (f: () => unknown): { reason: string; offset: number } | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof GoStringError)) {
      throw e;
    }
    return { reason: e.reason, offset: e.offset };
  }
};

describe("goUnquote", () => {
  it.each([
    ['""', ""],
    ['"abc"', "abc"],
    ['"\\a\\b\\f\\n\\r\\t\\v\\\\\\""', '\u0007\b\f\n\r\t\v\\"'],
    ['"\\x41\\101\\u00e9\\U0001F600"', "AAé😀"],
    ['"\\xe2\\x82\\xac"', "€"], // escaped bytes that form UTF-8 together
    ['"\'"', "'"],
    ['`a\\n"b`', 'a\\n"b'], // raw: no escapes
    ["`a\r\nb`", "a\nb"], // raw: Go drops carriage returns
  ])("reads %j as %j", (literal, want) => {
    expect(goUnquote(literal)).toBe(want);
  });

  it.each([
    ['"abc', "missing closing quote", 4],
    ['"a"b"', 'unescaped " inside the string', 2],
    ['"a\nb"', "newline in a quoted string", 2],
    ['"\\q"', "unknown escape \\q", 1],
    ['"ab\\"', "missing closing quote", 5],
    ['"\\\'"', '\\\' is not an escape inside "..."', 1],
    ['"\\x4"', "\\x needs 2 hex digits", 1],
    ['"\\u12"', "\\u needs 4 hex digits", 1],
    ['"\\uD800"', "\\uD800 is not a Unicode code point", 1],
    ['"\\U00110000"', "\\U00110000 is not a Unicode code point", 1],
    ['"\\400"', "octal escape \\400 is above \\377", 1],
    ['"\\12"', "octal escape needs 3 digits", 1],
    ['"a\\xff"', "escaped bytes are not UTF-8", 2],
    ["`a`b`", "` inside a raw string", 2],
    ["'a'", 'a string starts with one of " `', 0],
    ["", 'a string starts with one of " `', 0],
  ])("refuses %j: %s at %d", (literal, reason, offset) => {
    expect(fault(() => goUnquote(literal))).toEqual({ reason, offset });
  });

  it("turns escaped bytes that are not UTF-8 into what each reader needs", () => {
    expect(goUnquote('"a\\xffb"', { invalidUtf8: "replace" })).toBe("a\ufffdb");
    expect(goUnquote('"a\\xff\\x41b"', { invalidUtf8: "keep" })).toBe("a\udcffAb");
    expect(fault(() => goUnquote('"a\ud800"'))).toEqual({ reason: "invalid UTF-8", offset: 2 });
    expect(goUnquote('"a\ud800"', { invalidUtf8: "replace" })).toBe("a\ufffd");
    expect(goUnquote('"a\ud800"', { invalidUtf8: "keep" })).toBe("a\ud800");
  });

  it("reads single-quoted strings where the caller's language has them (PromQL)", () => {
    const promql: UnquoteOptions = { quotes: "\"'`" };
    expect(goUnquote("'a\"b\\''", promql)).toBe("a\"b'");
    expect(fault(() => goUnquote("'\\\"'", promql))).toEqual({
      reason: "\\\" is not an escape inside '...'",
      offset: 1,
    });
    expect(goUnquote("`a\rb`", { ...promql, keepRawCarriageReturns: true })).toBe("a\rb");
  });
});

describe("goUnquoteChar", () => {
  it.each([
    ["'a'", 97],
    ["'\\n'", 10],
    ["'\\''", 39],
    ["'\"'", 34],
    ["'\\xff'", 255], // the byte's value itself, as UnquoteChar
    ["'\\377'", 255],
    ["'\\u00e9'", 0xe9],
    ["'😀'", 0x1f600],
    ["'\\U0001F600'", 0x1f600],
  ])("reads %s as %d", (literal, want) => {
    expect(goUnquoteChar(literal)).toBe(want);
  });

  it.each([
    ["''", "a character literal is one character between single quotes"],
    ["'ab'", "more than one character in a character literal"],
    ["'\\\"'", "\\\" is not an escape inside '...'"],
    ["'\\400'", "octal escape \\400 is above \\377"],
    ['"a"', "a character literal is one character between single quotes"],
  ])("refuses %s: %s", (literal, reason) => {
    expect(fault(() => goUnquoteChar(literal))?.reason).toBe(reason);
  });

  it("gives templates the byte's value for \\x and octal, as Go (not U+FFFD)", async () => {
    expect(await parseTemplate("{{ print '\\xff' '\\377' }}", "t").execute(undefined)).toBe("255 255");
  });
});

/** Go's strconv.QuoteRune, from Quote: the same escapes, ' escaped instead of ". */
const quoteRune = (cp: number) =>
  `'${quote(String.fromCodePoint(cp)).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`;

describe("the three readers agree with Go on strconv.Quote round trips", () => {
  // Well-formed text (Go strings from Quote are valid UTF-8), printable or not, any plane.
  const text = fc.string({ unit: "binary", maxLength: 40 });

  it("goUnquote and every reader read back Quote and ASCII-only Quote", async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), async (s, asciiOnly) => {
        const literal = quote(s, asciiOnly);
        expect(goUnquote(literal)).toBe(s);
        const promql = parseExpr(literal);
        expect(promql.kind === "string" ? promql.value : undefined).toBe(s);
        expect(parseUtf8Matchers(`{a=${literal}}`)[0]?.value).toBe(s);
        expect(await parseTemplate(`{{ ${literal} }}`, "t").execute(undefined)).toBe(s);
      }),
      fuzzParams(300),
    );
  });

  it("PromQL's single-quoted strings read back what Quote wrote, with the quotes swapped", () => {
    fc.assert(
      fc.property(text, (s) => {
        const literal = `'${quote(s).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`;
        const promql = parseExpr(literal);
        expect(promql.kind === "string" ? promql.value : undefined).toBe(s);
      }),
      fuzzParams(200),
    );
  });

  it("goUnquoteChar and templates' character constants read back QuoteRune", async () => {
    const scalar = fc.integer({ min: 0, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp >= 0xe000);
    await fc.assert(
      fc.asyncProperty(scalar, async (cp) => {
        const literal = quoteRune(cp);
        expect(goUnquoteChar(literal)).toBe(cp);
        expect(await parseTemplate(`{{ print ${literal} }}`, "t").execute(undefined)).toBe(String(cp));
      }),
      fuzzParams(200),
    );
  });
});
