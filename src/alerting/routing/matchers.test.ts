import { describe, expect, it } from "vitest";
import {
  formatMatchers,
  goQuote,
  matchesAll,
  parseClassicMatchers,
  parseMatchers,
  parseUtf8Matchers,
  type LabelMatcher,
} from "./matchers.js";

const plain = (ms: LabelMatcher[]) => ms.map(({ type, name, value }) => [name, type, value]);

// Scenarios of Alertmanager's pkg/labels/parse_test.go (the classic parser).
describe("parseClassicMatchers", () => {
  it.each([
    ["{}", []],
    ["{foo='}", [["foo", "=", "'"]]],
    ["{foo=`}", [["foo", "=", "`"]]],
    ['{foo=\\"}', [["foo", "=", '"']]],
    ["{foo=bar}", [["foo", "=", "bar"]]],
    ['{foo="bar"}', [["foo", "=", "bar"]]],
    ["{foo=~bar.*}", [["foo", "=~", "bar.*"]]],
    ['{foo!~"bar.*"}', [["foo", "!~", "bar.*"]]],
    [
      '{foo="bar", baz!="quux"}',
      [
        ["foo", "=", "bar"],
        ["baz", "!=", "quux"],
      ],
    ],
    ['{foo=""}', [["foo", "=", ""]]],
    [
      '{foo="bar,quux", job="job1"}',
      [
        ["foo", "=", "bar,quux"],
        ["job", "=", "job1"],
      ],
    ],
    [
      '{foo = "bar", dings != "bums", }',
      [
        ["foo", "=", "bar"],
        ["dings", "!=", "bums"],
      ],
    ],
    [
      "foo=bar,dings!=bums",
      [
        ["foo", "=", "bar"],
        ["dings", "!=", "bums"],
      ],
    ],
    [
      '{quote="She said: \\"Hi, ladies! That\'s gender-neutral…\\""}',
      [["quote", "=", 'She said: "Hi, ladies! That\'s gender-neutral…"']],
    ],
    ['statuscode=~"5.."', [["statuscode", "=~", "5.."]]],
    ["tricky=~~~", [["tricky", "=~", "~~"]]],
    ['trickier==\\\\=\\=\\"', [["trickier", "=", '=\\=\\="']]],
    [
      'contains_quote != "\\"" , contains_comma !~ "foo,bar" , ',
      [
        ["contains_quote", "!=", '"'],
        ["contains_comma", "!~", "foo,bar"],
      ],
    ],
    ["{foo=bar}}", [["foo", "=", "bar}"]]],
    ["{foo=bar}},}", [["foo", "=", "bar}}"]]],
    [
      "{foo=,bar=}}",
      [
        ["foo", "=", ""],
        ["bar", "=", "}"],
      ],
    ],
    ["{foo=bar\\t}", [["foo", "=", "bar\\t"]]],
    ["{foo=bar\\n}", [["foo", "=", "bar\n"]]],
    ["{foo=bar\\}", [["foo", "=", "bar\\"]]],
    ["{foo=bar\\\\}", [["foo", "=", "bar\\"]]],
    ['{foo=bar\\"}', [["foo", "=", 'bar"']]],
    ["job=", [["job", "=", ""]]],
    ["{foo=", [["foo", "=", ""]]],
    ["{foo=}b", [["foo", "=", "}b"]]],
  ])("%s", (input, want) => {
    expect(plain(parseClassicMatchers(input))).toEqual(want);
  });

  it.each([
    [",", "bad matcher format: "],
    ["{,}", "bad matcher format: "],
    ['job="value', 'matcher value contains unescaped double quote: "value'],
    ['job=value"', 'matcher value contains unescaped double quote: value"'],
    ['trickier==\\\\=\\=\\""', 'matcher value contains unescaped double quote: =\\\\=\\=\\""'],
    ['contains_unescaped_quote = foo"bar', 'matcher value contains unescaped double quote: foo"bar'],
    ['{invalid-name = "valid label"}', 'bad matcher format: invalid-name = "valid label"'],
    ['"{foo=\\"bar"}', 'bad matcher format: "{foo=\\"bar"'],
    ['"foo="bar""', 'bad matcher format: "foo="bar""'],
    ["{{foo=", "bad matcher format: {foo="],
  ])("%s fails: %s", (input, message) => {
    expect(() => parseClassicMatchers(input)).toThrow(message);
  });

  it("rejects an invalid regex", () => {
    expect(() => parseClassicMatchers('{foo=~"invalid[regexp"}')).toThrow(/invalid regex/);
  });
});

// Scenarios of Alertmanager's matcher/parse/parse_test.go (the UTF-8 parser).
describe("parseUtf8Matchers", () => {
  it.each([
    ["", []],
    ["{}", []],
    ["{foo=bar}", [["foo", "=", "bar"]]],
    ["{foo=bar,}", [["foo", "=", "bar"]]],
    ["{foo=~[a-z]+}", [["foo", "=~", "[a-z]+"]]],
    ["{foo=🙂}", [["foo", "=", "🙂"]]],
    ["{foo=🙂bar}", [["foo", "=", "🙂bar"]]],
    ["foo=bar,", [["foo", "=", "bar"]]],
    ["foo!~[a-z]+", [["foo", "!~", "[a-z]+"]]],
    ['{"foo"="bar",}', [["foo", "=", "bar"]]],
    ['{"foo"=~"\\\\d+"}', [["foo", "=~", "\\d+"]]],
    ['{"foo"="\\xf0\\x9f\\x99\\x82"}', [["foo", "=", "🙂"]]],
    ['{"foo"="\\U0001f642"}', [["foo", "=", "🙂"]]],
    ['{"foo"="bar\\n"}', [["foo", "=", "bar\n"]]],
    ['{"foo"="\\"bar\\""}', [["foo", "=", '"bar"']]],
    ['{"foo"="bar\\\\"}', [["foo", "=", "bar\\"]]],
    ['"foo"="bar",', [["foo", "=", "bar"]]],
    [
      '{foo=bar,bar!="baz"}',
      [
        ["foo", "=", "bar"],
        ["bar", "!=", "baz"],
      ],
    ],
    [
      '{"service name"="a b", "ünïcode"!="x"}',
      [
        ["service name", "=", "a b"],
        ["ünïcode", "!=", "x"],
      ],
    ],
  ])("%s", (input, want) => {
    expect(plain(parseUtf8Matchers(input))).toEqual(want);
  });

  it.each([
    [",", "0:1: unexpected ,: expected label name"],
    ["{,}", "1:2: unexpected ,: expected label name"],
    ["{", "0:1: end of input: expected close brace"],
    ["}", "0:1: }: expected opening brace"],
    ["foo=bar}", "0:8: }: expected opening brace"],
    ["{foo=bar", "0:8: end of input: expected close brace"],
    ['{foo=:"bar"}', '6:11: unexpected "bar": expected a comma or close brace'],
    ['{foo="bar\\w"}', '5:12: "bar\\w": invalid input'],
    ['{"foo"=~"\\d+"}', '8:13: "\\d+": invalid input'],
    ["{foo=bar\\n}", "8:9: \\: invalid input: expected a comma or close brace"],
    ['{"foo"="\\xf0\\x9f"}', '7:17: "\\xf0\\x9f": invalid input'],
    ['{foo="bar}', '5:10: "bar}: missing end "'],
    ["{foo}", "4:5: unexpected }: expected an operator such as '=', '!=', '=~' or '!~'"],
    ["{foo=}", "5:6: unexpected }: expected label value"],
    ["{foo=bar}x", "9:10: x: expected end of input"],
  ])("%s fails: %s", (input, message) => {
    expect(() => parseUtf8Matchers(input)).toThrow(message);
  });
});

describe("parseMatchers (Alertmanager's default fallback mode)", () => {
  it("takes the classic result when the classic parser succeeds", () => {
    // UTF-8 would read `\t` as invalid input; classic keeps it literally.
    expect(plain(parseMatchers("{foo=bar\\t}"))).toEqual([["foo", "=", "bar\\t"]]);
  });
  it("takes the UTF-8 result when only it succeeds", () => {
    expect(plain(parseMatchers('{"service.name"="api"}'))).toEqual([["service.name", "=", "api"]]);
  });
  it("reports the classic parser's error when both fail, with a stable code", () => {
    expect(() => parseMatchers(",")).toThrow(
      expect.objectContaining({
        code: "LINEOPS_ERR_ALERTING_MATCHER_INVALID",
        message: "bad matcher format: ",
      }),
    );
  });
});

describe("matchesAll", () => {
  const labels = { alertname: "DiskFull", severity: "page", team: "line" };
  it.each([
    ['{severity="page"}', true],
    ['{severity!="page"}', false],
    ['{severity=~"pa.*"}', true],
    ['{severity=~"pa"}', false], // anchored
    ['{severity!~"warn|info"}', true],
    ['{missing=""}', true], // absent reads as ""
    ['{missing!=""}', false],
    ['{missing=~".*"}', true],
    ['{alertname="DiskFull",team=~"li.e"}', true],
    ['{alertname="DiskFull",team="other"}', false],
    ["{}", true],
  ])("%s matches: %s", (text, want) => {
    expect(matchesAll(parseMatchers(text), labels)).toBe(want);
  });
  it("does not let . match a newline, as Alertmanager's ^(?:re)$", () => {
    expect(matchesAll(parseMatchers('{msg=~"a.b"}'), { msg: "a\nb" })).toBe(false);
    expect(matchesAll(parseMatchers('{msg=~"a.b"}'), { msg: "a-b" })).toBe(true);
  });
});

describe("formatting and Go string literals", () => {
  it("prints matchers as Alertmanager's Matchers.String()", () => {
    expect(formatMatchers(parseMatchers('{severity="page",msg=~"a\\"b"}'))).toBe(
      '{severity="page",msg=~"a\\"b"}',
    );
    expect(formatMatchers(parseMatchers('{"service name"="x"}'))).toBe('{"service name"="x"}');
  });
  it.each([
    ['"abc"', "abc"],
    ['"\\a\\b\\f\\n\\r\\t\\v\\\\\\""', '\u0007\b\f\n\r\t\v\\"'],
    ['"\\101\\x41\\u0041"', "AAA"],
    ['"\\q"', undefined],
    ['"\\xff"', undefined],
    ['"\\\'"', undefined],
  ])("reads the quoted value %j as Go's strconv.Unquote: %j", (input, want) => {
    const parse = () => parseUtf8Matchers(`{a=${input}}`)[0]?.value;
    if (want === undefined) {
      expect(parse).toThrow(`3:${3 + input.length}: ${input}: invalid input`);
    } else {
      expect(parse()).toBe(want);
    }
  });
  it("quotes as strconv.Quote", () => {
    expect(goQuote('a"b\\c\n\u0001é')).toBe('"a\\"b\\\\c\\n\\x01é"');
  });
});
