// The PromQL printer against Prometheus's own output: every expected string below is what
// Prometheus 2.53.3's /api/v1/format_query (or, where 3.x differs, 3.x's printer) answered for the
// query, checked by hand on this machine; the API test compares more of them with a live Prometheus.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseQueryJson } from "./ast-json.js";
import { parseExpr } from "./parser.js";
import { exprString, formatQuery, prettyExpr } from "./printer.js";

const str = (q: string) => exprString(parseExpr(q), q);
const pretty = (q: string, width?: number) => prettyExpr(parseExpr(q), q, width);

describe("exprString (Prometheus's String)", () => {
  it.each([
    // grouping: an empty by() disappears, an empty without() stays; the clause moves before the body
    ["sum by() (x)", "sum(x)"],
    ["sum without() (x)", "sum without () (x)"],
    ["sum(x) by (a,b)", "sum by (a, b) (x)"],
    ['count_values("v", x)', 'count_values("v", x)'],
    ["quantile(0.9, x)", "quantile(0.9, x)"],
    // vector matching: spaces around the label lists, group_x always with its list
    ["a + on(b) group_right(c) d", "a + on (b) group_right (c) d"],
    ["a - on(b) group_left d", "a - on (b) group_left () d"],
    ["a and ignoring() b", "a and b"],
    ["a > bool 1", "a > bool 1"],
    ['x{a=~"b|c"} unless on(a) y', 'x{a=~"b|c"} unless on (a) y'],
    // selectors: matchers sorted as text, the name matcher folded into the name only when written so
    ['x{b="1",a!~"2"}', 'x{a!~"2",b="1"}'],
    ['{__name__="x"}', '{__name__="x"}'],
    ['{"x"}', '{__name__="x"}'],
    ['{"a.b"="c"}', '{"a.b"="c"}'],
    ['x{a="ü\\n"}', 'x{a="ü\\n"}'],
    // durations as Prometheus prints them; @ with three decimals
    ["x offset 90m", "x offset 1h30m"],
    ["x offset -7m", "x offset -7m"],
    ["x[7d]", "x[1w]"],
    ["x[5m:30s] offset 1m", "x[5m:30s] offset 1m"],
    ["x[1h:]", "x[1h:]"],
    ["x @ 10", "x @ 10.000"],
    ["rate(x[5m] @ start())", "rate(x[5m] @ start())"],
    // numbers and strings: Go's float and quote formats; signs fold into number literals
    ["1e3", "1000"],
    ["0x10", "16"],
    ["Inf", "+Inf"],
    ["-Inf", "-Inf"],
    ["NaN", "NaN"],
    ["- - 1", "1"],
    ["-(1)", "-(1)"],
    ["'single'", '"single"'],
    ['"a\\tb"', '"a\\tb"'],
    ["(1 + 2) * 3", "(1 + 2) * 3"],
  ])("%s -> %s", (q, want) => {
    expect(str(q)).toBe(want);
  });

  it("keeps an empty ignoring() that a group_left needs (Prometheus 3.x; 2.x dropped it)", () => {
    expect(str("a - ignoring() group_left(__name__) c")).toBe("a - ignoring () group_left (__name__) c");
  });

  it("quotes grouping labels that are not legacy names", () => {
    expect(str('sum by ("ü", job) (x)')).toBe('sum by ("ü", job) (x)');
  });
});

describe("prettyExpr (Prometheus's Pretty)", () => {
  it("leaves an expression of at most 100 bytes on one line", () => {
    const q = 'topk(5, sum by (service, station) (rate(http_requests_total{code=~"5.."}[5m])))';
    expect(pretty(q)).toBe(q);
  });

  it("splits a long expression the way Prometheus 2.53 does", () => {
    expect(
      pretty(
        'histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket{job="line-controller", code=~"5.."}[5m])))',
      ),
    ).toBe(
      [
        "histogram_quantile(",
        "  0.99,",
        "  sum by (le, service) (",
        '    rate(http_request_duration_seconds_bucket{code=~"5..",job="line-controller"}[5m])',
        "  )",
        ")",
      ].join("\n"),
    );
    expect(
      pretty(
        'sum by (station) (rate(units_produced_total{line="a"}[5m])) / on (station) group_left (target) station_target_units_per_second{line="a"} * 100 > bool 95',
      ),
    ).toBe(
      [
        '      sum by (station) (rate(units_produced_total{line="a"}[5m]))',
        "    / on (station) group_left (target)",
        '      station_target_units_per_second{line="a"}',
        "  *",
        "    100",
        "> bool",
        "  95",
      ].join("\n"),
    );
  });

  it("splits with Prometheus's test width of 10: aggregations, calls, parentheses, unary and subqueries", () => {
    expect(pretty('sum without(job,foo) (task:errors:rate10s{job="s"})', 10)).toBe(
      'sum without (job, foo) (\n  task:errors:rate10s{job="s"}\n)',
    );
    expect(pretty("topk(10, foo_bar_baz)", 10)).toBe("topk(\n  10,\n  foo_bar_baz\n)");
    expect(pretty("rate(foo_bar_baz[5m])", 10)).toBe("rate(\n  foo_bar_baz[5m]\n)");
    expect(pretty("(foo_bar + baz)", 10)).toBe("(\n    foo_bar\n  +\n    baz\n)");
    expect(pretty("-sum(foo_bar_baz)", 10)).toBe("-sum(\n  foo_bar_baz\n)");
    // An unsplit subquery is not indented, as in Prometheus.
    expect(pretty("rate(foo[5m:])", 10)).toBe("rate(\nfoo[5m:]\n)");
  });

  it("answers a 1000-deep query in bounded time (each node's one-line form is computed once)", async () => {
    const q = `${"sum(".repeat(250)}x${")".repeat(250)}`;
    const t0 = performance.now();
    const out = await formatQuery(q);
    // The innermost 19 sums fit in 100 bytes (5 x 19 + 1) and stay on one line; each other splits in two.
    expect(out.split("\n")).toHaveLength(2 * (250 - 19) + 1);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it("prints what parses back to the same tree (property)", () => {
    const name = fc.constantFrom("up", "http_requests_total", "x");
    const sel = fc
      .tuple(name, fc.constantFrom("", '{job="a"}', '{code=~"5..",job!="b"}'))
      .map(([n, m]) => `${n}${m}`);
    const leaf = fc.oneof(
      sel,
      sel.map((s) => `rate(${s}[5m])`),
      fc.constantFrom("1", "0.5", "-2"),
    );
    const expr = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc
          .tuple(tie("e"), fc.constantFrom("+", "*", "/", "and", "or", "> bool"), tie("e"))
          .map(([a, op, b]) => `(${a} ${op} ${b})`),
        fc
          .tuple(fc.constantFrom("sum", "max", "count"), fc.constantFrom("", " by (job)"), tie("e"))
          .map(([agg, by, e]) => `${agg}${by}(${e})`),
      ),
    })).e;
    fc.assert(
      fc.property(expr, fc.integer({ min: 10, max: 120 }), (q, width) => {
        let once: string;
        try {
          once = str(q);
        } catch {
          return; // the generator also writes type errors (`1 or x`): only valid queries print
        }
        expect(str(once)).toBe(once);
        // Pretty output is PromQL too and means the same expression.
        expect(str(pretty(q, width))).toBe(once);
      }),
      { numRuns: 200 },
    );
  });
});

describe("parseQueryJson (Prometheus 3.x's parse_query tree)", () => {
  it("gives the node types and fields the Explain view reads", async () => {
    const tree = await parseQueryJson(
      'sum by (job) (rate(http_requests_total{code="500"}[5m] offset 1m)) > 2',
    );
    expect(tree).toEqual({
      type: "binaryExpr",
      op: ">",
      bool: false,
      matching: null,
      lhs: {
        type: "aggregation",
        op: "sum",
        grouping: ["job"],
        without: false,
        param: null,
        expr: {
          type: "call",
          func: { name: "rate", argTypes: ["matrix"], variadic: 0, returnType: "vector" },
          args: [
            {
              type: "matrixSelector",
              name: "http_requests_total",
              range: 300_000,
              rangeExpr: null,
              offset: 60_000,
              offsetExpr: null,
              matchers: [
                { name: "__name__", type: "=", value: "http_requests_total" },
                { name: "code", type: "=", value: "500" },
              ],
              timestamp: null,
              startOrEnd: null,
              anchored: false,
              smoothed: false,
            },
          ],
        },
      },
      rhs: { type: "numberLiteral", val: "2" },
    });
  });

  it("gives vector matching, subqueries, @ and signs as Prometheus does", async () => {
    const m = await parseQueryJson("a / on (x) group_left (y) b");
    expect(m.matching).toEqual({
      card: "many-to-one",
      labels: ["x"],
      on: true,
      include: ["y"],
      fillValues: { lhs: null, rhs: null },
    });
    expect(await parseQueryJson("max_over_time(x[1h:1m] @ end())")).toMatchObject({
      args: [{ type: "subquery", range: 3_600_000, step: 60_000, startOrEnd: "end", timestamp: null }],
    });
    expect(await parseQueryJson("x @ 1.5")).toMatchObject({ timestamp: 1500, startOrEnd: null });
    expect(await parseQueryJson("- - 1")).toEqual({ type: "numberLiteral", val: "1" });
    expect(await parseQueryJson('{"up"}')).toMatchObject({ type: "vectorSelector", name: "" });
    expect(await parseQueryJson('"s"')).toEqual({ type: "stringLiteral", val: "s" });
  });

  it("throws the parser's error for a bad query", async () => {
    await expect(parseQueryJson("sum(")).rejects.toThrow(/1:5: parse error/);
    await expect(formatQuery("")).rejects.toThrow(/no expression found/);
  });
});
