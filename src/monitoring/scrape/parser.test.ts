import { describe, expect, it } from "vitest";
import {
  detachSeries,
  ExpositionError,
  formatFromContentType,
  parseExposition,
  parseSeriesLabels,
  type ExpositionFormat,
} from "./parser.js";

type Got = {
  samples: [string, number, number | undefined][];
  meta: [string, string, string][];
};

function parse(body: string, format: ExpositionFormat = "text"): Got {
  const got: Got = { samples: [], meta: [] };
  parseExposition(body, format, {
    sample: (series, value, ts) => got.samples.push([series, value, ts]),
    metadata: (metric, kind, text) => got.meta.push([metric, kind, text]),
  });
  return got;
}

function failure(body: string, format: ExpositionFormat = "text"): ExpositionError {
  try {
    parse(body, format);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpositionError);
    const e = err as ExpositionError;
    expect(e.code).toBe("LINEOPS_ERR_EXPOSITION_INVALID");
    expect(e.httpStatus).toBe(400);
    return e;
  }
  throw new Error(`parsed without error: ${JSON.stringify(body)}`);
}

const om = (body: string) => parse(body, "openmetrics");
const omFailure = (body: string) => failure(body, "openmetrics");

describe("formatFromContentType", () => {
  it("picks openmetrics only for application/openmetrics-text", () => {
    expect(formatFromContentType(undefined)).toBe("text");
    expect(formatFromContentType("text/plain; version=0.0.4; charset=utf-8")).toBe("text");
    expect(formatFromContentType("application/openmetrics-text; version=1.0.0; charset=utf-8")).toBe(
      "openmetrics",
    );
    expect(formatFromContentType(" Application/OpenMetrics-Text")).toBe("openmetrics");
    expect(formatFromContentType("")).toBe("text");
  });
});

describe("text format", () => {
  it("reports series as written, values and millisecond timestamps", () => {
    const g = parse(
      [
        "# HELP http_requests_total The total number of HTTP requests.",
        "# TYPE http_requests_total counter",
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3 1395066363000',
        "",
        "metric_without_timestamp_and_labels 12.47",
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      ].join("\n"),
    );
    expect(g.samples).toEqual([
      ['http_requests_total{method="post",code="200"}', 1027, 1395066363000],
      ['http_requests_total{method="post",code="400"}', 3, 1395066363000],
      ["metric_without_timestamp_and_labels", 12.47, undefined],
      [
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""}',
        1458255915,
        undefined,
      ],
    ]);
    expect(g.meta).toEqual([
      ["http_requests_total", "help", "The total number of HTTP requests."],
      ["http_requests_total", "type", "counter"],
    ]);
    expect(parseSeriesLabels(g.samples[3]![0])).toEqual({
      __name__: "msdos_file_access_time_seconds",
      path: "C:\\DIR\\FILE.TXT",
      error: 'Cannot find file:\n"FILE.TXT"',
    });
  });

  it("unescapes HELP text: \\\\ and \\n only", () => {
    const g = parse('# HELP m a \\\\ b\\nc \\"d\\" \\t\nm 1');
    expect(g.meta).toEqual([["m", "help", 'a \\ b\nc \\"d\\" \\t']]);
    expect(parse("# HELP m\n# HELP n \nm 1").meta).toEqual([
      ["m", "help", ""],
      ["n", "help", ""],
    ]);
  });

  it("accepts every Prometheus number spelling and rejects the rest", () => {
    const ok: [string, number][] = [
      ["NaN", NaN],
      ["nan", NaN],
      ["+Inf", Infinity],
      ["-Inf", -Infinity],
      ["Inf", Infinity],
      ["inf", Infinity],
      ["+infinity", Infinity],
      ["-Infinity", -Infinity],
      ["1e3", 1000],
      ["1E+3", 1000],
      [".5", 0.5],
      ["5.", 5],
      ["-0", -0],
      ["+7", 7],
      ["0.1", 0.1],
      ["1e-400", 0],
      ["123456789012345678901234567890", 1.2345678901234568e29],
      ["1.7976931348623157e308", 1.7976931348623157e308],
      ["0.30000000000000004", 0.30000000000000004],
    ];
    for (const [text, want] of ok) {
      const [[, v]] = parse(`m ${text}`).samples as [[string, number, undefined]];
      expect(Object.is(v, want), `${text} → ${v}`).toBe(true);
    }
    for (const bad of [
      "+NaN",
      "-nan",
      "0x10",
      "1_000",
      "1e400",
      "-1e400",
      "1e",
      ".",
      "e3",
      "infin",
      "1.2.3",
      "--1",
      "1p3",
    ]) {
      expect(failure(`m 1\nm ${bad}`).message).toBe(`line 2: invalid value ${JSON.stringify(bad)} for "m"`);
    }
  });

  it("takes integer millisecond timestamps only", () => {
    expect(parse("m 1 0\nm 2 1700000000123").samples).toEqual([
      ["m", 1, 0],
      ["m", 2, 1700000000123],
    ]);
    expect(failure("m 1 -5").line).toBe(1);
    expect(failure("m 1 1.5").message).toContain('invalid timestamp "1.5"');
    expect(failure("m 1 99999999999999999999").message).toContain("invalid timestamp");
    expect(failure("m 1 2 3").message).toBe('line 1: expected end of line after the sample, got "3"');
  });

  it("skips comments, blank lines and leading blanks; # EOF is just a comment", () => {
    const g = parse("# a comment\n#no space\n\n   \n\t m 1\n# HELP\n# HELPER x\n# EOF\nn 2\n");
    expect(g.samples).toEqual([
      ["m", 1, undefined],
      ["n", 2, undefined],
    ]);
    expect(g.meta).toEqual([]);
  });

  it("allows blanks inside the label block, a trailing comma and (as Prometheus) a missing comma", () => {
    const g = parse('m { a = "1" , b="2", } 1\nn{a="1" b="2"} 2\no{} 3');
    expect(g.samples.map((s) => s[0])).toEqual(['m { a = "1" , b="2", }', 'n{a="1" b="2"}', "o{}"]);
    expect(parseSeriesLabels(g.samples[0]![0])).toEqual({ __name__: "m", a: "1", b: "2" });
    expect(parseSeriesLabels(g.samples[1]![0])).toEqual({ __name__: "n", a: "1", b: "2" });
    expect(parseSeriesLabels("o{}")).toEqual({ __name__: "o" });
  });

  it("reads histograms and summaries as plain series", () => {
    const g = parse(
      [
        "# TYPE rpc_duration_seconds summary",
        'rpc_duration_seconds{quantile="0.99"} 76656',
        "rpc_duration_seconds_sum 1.7560473e+07",
        "rpc_duration_seconds_count 2693",
        "# TYPE http_request_duration_seconds histogram",
        'http_request_duration_seconds_bucket{le="0.05"} 24054',
        'http_request_duration_seconds_bucket{le="+Inf"} 144320',
        "http_request_duration_seconds_sum 53423",
        "http_request_duration_seconds_count 144320",
      ].join("\n"),
    );
    expect(g.samples.length).toBe(7);
    expect(parseSeriesLabels(g.samples[4]![0])).toEqual({
      __name__: "http_request_duration_seconds_bucket",
      le: "+Inf",
    });
    expect(g.meta.map((m) => m[2])).toEqual(["summary", "histogram"]);
  });

  it("handles Windows line endings", () => {
    const g = parse('# HELP m help text\r\n# TYPE m gauge\r\nm{a="b"} 1 123\r\n\r\nn 2\r\n');
    expect(g.samples).toEqual([
      ['m{a="b"}', 1, 123],
      ["n", 2, undefined],
    ]);
    expect(g.meta).toEqual([
      ["m", "help", "help text"],
      ["m", "type", "gauge"],
    ]);
    expect(failure("m 1\rn 2").line).toBe(1);
  });

  it("accepts Prometheus 3 quoted UTF-8 names", () => {
    const g = parse(
      '{"my.metric", label="x"} 1\n{"my.metric","http.status"="200"} 2\n# TYPE "my.metric" gauge\n',
    );
    expect(parseSeriesLabels(g.samples[0]![0])).toEqual({ __name__: "my.metric", label: "x" });
    expect(parseSeriesLabels(g.samples[1]![0])).toEqual({ __name__: "my.metric", "http.status": "200" });
    expect(g.meta).toEqual([["my.metric", "type", "gauge"]]);
    expect(failure('m{"other"} 1').message).toBe('line 1: metric name given twice: "other"');
    expect(failure('{"a", "b"} 1').line).toBe(1);
    expect(failure('{a="b"} 1').message).toContain("metric name missing");
    expect(failure('{""} 1').message).toContain("empty metric name");
  });

  it.each<[string, string]>([
    ['http_requests_total{code"200"} 1', 'expected "=" after label name "code", got "\\""'],
    ["m{code=200} 1", `expected '"' to open the value of label "code", got "2"`],
    ['m{a="1",a="2"} 1', 'duplicate label name "a"'],
    ['m{a="1",b="2","a"="3"} 1', 'duplicate label name "a"'],
    [
      'm{__name__="x"} 1',
      'label "__name__" duplicates the metric name (write the name before "{" or quoted inside it)',
    ],
    ["1m 1", 'expected a metric name, "{" or "#" at the start of a line, got "1"'],
    ["m-x 1", 'unexpected "-" after "m"'],
    ['m{a-b="1"} 1', 'expected "=" after label name "a", got "-"'],
    ['m{1a="1"} 1', 'expected a label name or "}", got "1"'],
    ['m{,a="1"} 1', 'expected a label name or "}", got ","'],
    ['m{a="1",,} 1', 'expected a label name or "}", got ","'],
    ['m{a="1} 1', `unterminated label value: no closing '"' on this line (write a line break as \\n)`],
    ['m{a="1\\', "unterminated label value: backslash at end of line"],
    ["m", 'expected a value after "m", got end of line'],
    ["m ", 'expected a value after "m", got end of line'],
    ['m{a="1"}', 'expected a value after "m{a=\\"1\\"}", got end of line'],
    ["# TYPE m counterz", 'invalid metric type "counterz" for "m"'],
    ["# TYPE m info", 'invalid metric type "info" for "m"'],
    ["# TYPE m", 'invalid metric type "" for "m"'],
    ["# HELP 1m x", 'expected a metric name after # HELP, got "1"'],
    ["# TYPE m{x} counter", 'unexpected "{" after metric name "m" in # TYPE'],
    ['m 1 # {a="b"} 1', "exemplars are only allowed in OpenMetrics, not in the text format"],
  ])("rejects the malformed line %j with its line number: %s", (bad, msg) => {
    const body = (bad: string) => `# HELP ok fine\nok 1\n\n${bad}\nok 2\n`;
    const e = failure(body(bad));
    expect(e.message, bad).toBe(`line 4: ${msg}`);
    expect(e.line).toBe(4);
  });

  it("rejects a raw line break inside a label value, at the line where the value starts", () => {
    const e = failure('ok 1\nm{a="x\ny"} 1');
    expect(e.message).toBe(
      `line 2: unterminated label value: no closing '"' on this line (write a line break as \\n)`,
    );
  });

  it("keeps label names starting with __ and passes unknown escapes through", () => {
    const g = parse('m{__meta="x",b="a\\tb"} 1');
    expect(parseSeriesLabels(g.samples[0]![0])).toEqual({ __name__: "m", __meta: "x", b: "a\\tb" });
  });

  it("finds duplicates among many labels and among escaped quoted names", () => {
    const many = Array.from({ length: 40 }, (_, i) => `l${i}="v"`);
    expect(parse(`m{${many.join(",")}} 1`).samples.length).toBe(1);
    expect(failure(`ok 1\nm{${many.join(",")},l33="x"} 1`).message).toBe(
      'line 2: duplicate label name "l33"',
    );
    expect(failure('m{"a\\\\b"="1","a\\\\b"="2"} 1').message).toBe('line 1: duplicate label name "a\\\\b"');
    expect(failure('m{"x\\"y"="1", "x\\"y"="2"} 1').line).toBe(1);
  });

  it("reads escapes right wherever backslashes appear earlier in the body", () => {
    const g = parse('# HELP a x\\y\n\nm{a="1",b="x\\"y"} 1\nn{c="\\\\"} 3\no{d="plain"} 4');
    expect(g.samples.map((x) => parseSeriesLabels(x[0]))).toEqual([
      { __name__: "m", a: "1", b: 'x"y' },
      { __name__: "n", c: "\\" },
      { __name__: "o", d: "plain" },
    ]);
  });

  it("parses an empty body to nothing", () => {
    expect(parse("").samples).toEqual([]);
    expect(parse("\n\n").samples).toEqual([]);
  });
});

describe("OpenMetrics", () => {
  it("parses samples, metadata, second timestamps and drops exemplars", () => {
    const g = om(
      [
        "# TYPE foo counter",
        "# UNIT foo_seconds seconds",
        '# HELP foo Quote \\" backslash \\\\ newline \\n.',
        'foo_total{a="b"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67',
        'foo_total{a="c"} 1 # {trace_id="x"} 0.5 1520879607.7',
        "foo_created 1520430000.123",
        "foo_ts 1 1520879607",
        "foo_exp 1 1.5e3",
        "foo_neg 1 -1.25",
        "# TYPE i info",
        "# TYPE s stateset",
        "# TYPE g gaugehistogram",
        "# TYPE u unknown",
        "# EOF",
      ].join("\n"),
    );
    expect(g.samples).toEqual([
      ['foo_total{a="b"}', 17, 1520879607789],
      ['foo_total{a="c"}', 1, undefined],
      ["foo_created", 1520430000.123, undefined],
      ["foo_ts", 1, 1520879607000],
      ["foo_exp", 1, 1500000],
      ["foo_neg", 1, -1250],
    ]);
    expect(g.meta.slice(0, 3)).toEqual([
      ["foo", "type", "counter"],
      ["foo_seconds", "unit", "seconds"],
      ["foo", "help", 'Quote " backslash \\ newline \n.'],
    ]);
    expect(g.meta.slice(3).map((m) => m[2])).toEqual(["info", "stateset", "gaugehistogram", "unknown"]);
  });

  it("requires # EOF at the very end", () => {
    expect(om("a 1\n# EOF").samples).toEqual([["a", 1, undefined]]);
    expect(om("a 1\n# EOF\n").samples.length).toBe(1);
    expect(om("a 1\r\n# EOF\r\n").samples.length).toBe(1);
    expect(om("# EOF\n").samples).toEqual([]);
    expect(omFailure("a 1\n").message).toBe('line 2: missing "# EOF" at the end of the OpenMetrics body');
    expect(omFailure("a 1").message).toBe('line 1: missing "# EOF" at the end of the OpenMetrics body');
    expect(omFailure("").line).toBe(1);
    expect(omFailure("a 1\n# EOF\nb 2\n").message).toBe('line 3: unexpected data after "# EOF"');
    expect(omFailure("a 1\n# EOF\n\n").line).toBe(3);
    expect(omFailure("a 1\n# EOF x").message).toBe('line 2: unexpected " " after "# EOF"');
  });

  it.each<[string, string]>([
    ["", "empty lines are not allowed in OpenMetrics"],
    [
      "# a comment",
      'invalid comment "# a comment": OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF',
    ],
    ["#x", 'expected " " after "#" (OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF)'],
    [" m 1", 'expected a metric name, "{" or "#" at the start of a line, got " "'],
    ["m  1", 'expected a value after "m", got " "'],
    ["m\t1", 'unexpected "\\t" after "m"'],
    ['m{a="1" } 1', 'expected "," or "}" after the value of label "a", got " "'],
    ['m{a="1"b="2"} 1', 'expected "," or "}" after the value of label "a", got "b"'],
    ['m{ a="1"} 1', 'expected a label name or "}", got " "'],
    ["m 1 ", 'expected a timestamp or an exemplar after " ", got end of line'],
    ["m 1 2 ", 'expected end of line or an exemplar "# {" after the timestamp, got end of line'],
    ["m 1 NaN", 'invalid timestamp "NaN" (OpenMetrics: seconds)'],
    ["m 1 +Inf", 'invalid timestamp "+Inf" (OpenMetrics: seconds)'],
    ["m 1 # x", 'expected an exemplar "# {" after the sample'],
    ['m 1 # {a="b"}', 'expected " " and a value after the exemplar labels, got end of line'],
    ['m 1 # {a="b"} x', 'invalid exemplar value "x"'],
    ['m 1 # {a="b"} 1 y', 'invalid exemplar timestamp "y"'],
    ['m 1 # {"n"} 1', "exemplar labels cannot hold a metric name"],
    ["# TYPE m untyped", 'invalid metric type "untyped" for "m"'],
    ["# HELP m", 'expected " " and text after metric name "m" in # HELP'],
    ["# UNIT m_bytes seconds", 'unit "seconds" is not a suffix of metric "m_bytes"'],
    ["# UNIT seconds seconds", 'unit "seconds" is not a suffix of metric "seconds"'],
  ])("is strict where the text format is lenient: %j is %s", (bad, msg) => {
    const body = (bad: string) => `# TYPE ok gauge\nok 1\n${bad}\n# EOF\n`;
    const e = omFailure(body(bad));
    expect(e.message, bad).toBe(`line 3: ${msg}`);
  });

  it("accepts quoted UTF-8 names and an empty UNIT", () => {
    const g = om('{"my.metric",label="x"} 1\n# UNIT m \n# HELP "my.metric" a\n# EOF\n');
    expect(parseSeriesLabels(g.samples[0]![0])).toEqual({ __name__: "my.metric", label: "x" });
    expect(g.meta).toEqual([
      ["m", "unit", ""],
      ["my.metric", "help", "a"],
    ]);
  });
});

describe("parseSeriesLabels", () => {
  it("drops empty values, keeps odd names, and rejects junk with ExpositionError", () => {
    expect(parseSeriesLabels('m{a="",b="x"}')).toEqual({ __name__: "m", b: "x" });
    const proto = parseSeriesLabels('m{__proto__="p"}');
    expect(Object.keys(proto)).toEqual(["__name__", "__proto__"]);
    expect(proto["__proto__"]).toBe("p");
    for (const junk of ["", "{}", "m{", 'm{a="1"', 'm{a="1",a="2"}', "m x", 'm{a="1"} x', '{"a","b"}']) {
      expect(() => parseSeriesLabels(junk), junk).toThrow(ExpositionError);
    }
  });

  it("detachSeries returns an equal string", () => {
    const body = "x".repeat(100) + 'http_requests_total{code="200"} 1';
    const series = body.slice(100, 131);
    expect(detachSeries(series)).toBe(series);
    expect(detachSeries("\ud800 lone surrogate")).toBe("\ud800 lone surrogate");
  });
});
