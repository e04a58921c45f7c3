// Prometheus's own template expansion cases (template/template_test.go) and documented examples
// (docs/configuration/template_examples.md), run through expandAlertTemplate and prometheusFuncs.
import { describe, expect, it } from "vitest";
import {
  TemplateError,
  expandAlertTemplate,
  parseAlertTemplate,
  parseTemplate,
  prometheusFuncs,
} from "./index.js";

const NOW = 1353755652000;
const EXTERNAL = "http://testhost:9090/path/prefix";

/** Prometheus's test harness: text expanded with `input` as dot, fixed now and external URL. */
async function expand(
  text: string,
  input?: unknown,
  samples: { labels: Record<string, string>; value: number }[] = [],
) {
  const t = parseTemplate(text, "test");
  const { templateQuery } = await import("./prometheus.js");
  return t.execute(input, {
    funcs: { ...prometheusFuncs({ now: NOW, externalURL: EXTERNAL }), query: templateQuery(() => samples) },
  });
}

async function failure(
  text: string,
  input?: unknown,
  samples: { labels: Record<string, string>; value: number }[] = [],
) {
  try {
    await expand(text, input, samples);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return (err as Error).message;
  }
  throw new Error(`expected ${text} to fail`);
}

describe("Prometheus template functions (template_test.go)", () => {
  it.each([
    ["plain text", undefined, "plain text"],
    ["{{ 1 }}", undefined, "1"],
    ['{{ "<b>" }}', undefined, "<b>"],
    ['{{define "x"}}{{.arg0}} {{.arg1}}{{end}}{{template "x" (args 1 "2")}}', undefined, "1 2"],
    ["{{ range . }}{{ humanize . }}:{{ end }}", [0.0, 1.0, 1234567.0, 0.12], "0:1:1.235M:120m:"],
    ["{{ range . }}{{ humanize . }}:{{ end }}", ["0.0", "1.0", "1234567.0", ".12"], "0:1:1.235M:120m:"],
    [
      "{{ range . }}{{ humanize . }}:{{ end }}",
      [0n, -1n, 1n, 1234567n, 9223372036854775807n],
      "0:-1:1:1.235M:9.223E:",
    ],
    ["{{ range . }}{{ humanize1024 . }}:{{ end }}", [0.0, 1.0, 1048576.0, 0.12], "0:1:1Mi:0.12:"],
    [
      "{{ range . }}{{ humanize1024 . }}:{{ end }}",
      [0n, -1n, 1n, 1234567n, 9223372036854775807n],
      "0:-1:1:1.177Mi:8Ei:",
    ],
    [
      "{{ range . }}{{ humanizeDuration . }}:{{ end }}",
      [0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99],
      "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:",
    ],
    [
      "{{ range . }}{{ humanizeDuration . }}:{{ end }}",
      [0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345],
      "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:",
    ],
    ["{{ range . }}{{ humanizeDuration . }}:{{ end }}", [0n, -1n, 1n, 1234567n], "0s:-1s:1s:14d 6h 56m 7s:"],
    [
      "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}",
      [Infinity, -Infinity, NaN],
      "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:",
    ],
    [
      "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}",
      ["+Inf", "-Inf", "NaN"],
      "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:",
    ],
    [
      "{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}",
      undefined,
      "-22.22%:0%:12.35%:123.5%",
    ],
    [
      "{{ range . }}{{ humanizePercentage . }}:{{ end }}",
      [0n, -1n, 1n, 1234567n, 9223372036854775807n],
      "0%:-100%:100%:1.235e+08%:9.223e+20%:",
    ],
    [
      "{{ range . }}{{ humanizeTimestamp . }}:{{ end }}",
      [0n, -1n, 1n, 1234567n, 9223372036n],
      "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:",
    ],
    ["{{ 1435065584.128 | humanizeTimestamp }}", undefined, "2015-06-23 13:19:44.128 +0000 UTC"],
    ['{{ "1435065584.128" | humanizeTimestamp }}', undefined, "2015-06-23 13:19:44.128 +0000 UTC"],
    ["{{ now }}", undefined, "1.353755652e+09"],
    ['{{ "aa bb CC" | title }}', undefined, "Aa Bb CC"],
    ['{{ "aa bb CC" | toUpper }}', undefined, "AA BB CC"],
    ['{{ "aA bB CC" | toLower }}', undefined, "aa bb cc"],
    ['{{ match "a+" "aa" }} {{ match "a+" "b" }}', undefined, "true false"],
    ['{{ reReplaceAll "(a)b" "x$1" "ab" }}', undefined, "xa"],
    ['{{ graphLink "up" }}', undefined, "/graph?g0.expr=up&g0.tab=0"],
    ['{{ tableLink "up" }}', undefined, "/graph?g0.expr=up&g0.tab=1"],
    ["{{ pathPrefix }}", undefined, "/path/prefix"],
    ["{{ externalURL }}", undefined, EXTERNAL],
    ['{{ printf "%0.2f" (parseDuration "1h2m10ms") }}', undefined, "3720.01"],
    ['{{ printf "%0.2f" (parseDuration "-1h2m10ms") }}', undefined, "-3720.01"],
    ['{{ "foo.example.com" | stripPort }}', undefined, "foo.example.com"],
    ['{{ "foo.example.com:12345" | stripPort }}', undefined, "foo.example.com"],
    ['{{ "192.0.2.1:12345" | stripPort }}', undefined, "192.0.2.1"],
    ['{{ "2001:0DB8::1" | stripPort }}', undefined, "2001:0DB8::1"],
    ['{{ "[2001:0DB8::1]:12345" | stripPort }}', undefined, "2001:0DB8::1"],
    ['{{ "[2001:0DB8::1]::12345" | stripPort }}', undefined, "[2001:0DB8::1]::12345"],
    ['{{ "foo.example.com" | stripDomain }}', undefined, "foo"],
    ['{{ "foo.example.com:12345" | stripDomain }}', undefined, "foo:12345"],
    ['{{ "192.0.2.1" | stripDomain }}', undefined, "192.0.2.1"],
    ['{{ "192.0.2.1:12345" | stripDomain }}', undefined, "192.0.2.1:12345"],
    ['{{ "2001:0DB8::1" | stripDomain }}', undefined, "2001:0DB8::1"],
    ['{{ "[2001:0DB8::1]:12345" | stripDomain }}', undefined, "[2001:0DB8::1]:12345"],
    ['{{ "[2001:0DB8::1]::12345" | stripDomain }}', undefined, "[2001:0DB8::1]::12345"],
    ["{{ .Foo }}", undefined, "<no value>"],
  ])("%s", async (text, input, output) => {
    expect(await expand(text, input)).toBe(output);
  });

  it("reads query results: first, value, label, strvalue, .Labels, sortByLabel", async () => {
    const a = { labels: { __name__: "metric", instance: "a", __value__: "v" }, value: 11 };
    const b = { labels: { __name__: "metric", instance: "b" }, value: 21 };
    expect(await expand('{{ query "metric" | first | value }}', undefined, [a])).toBe("11");
    expect(await expand('{{ query "metric" | first | label "instance" }}', undefined, [a])).toBe("a");
    expect(await expand('{{ query "metric" | first | label "foo" }}', undefined, [a])).toBe("");
    expect(await expand('{{ query "metric" | first | strvalue }}', undefined, [a])).toBe("v");
    expect(await expand('{{ $x := query "metric" | first }}{{ $x.Labels.foo }}', undefined, [a])).toBe("");
    expect(
      await expand(
        '{{ range query "metric" | sortByLabel "instance" }}{{.Labels.instance}}:{{.Value}}: {{end}}',
        undefined,
        [b, a],
      ),
    ).toBe("a:11: b:21: ");
  });

  // Columns are 1-based (Go counts a 0-based byte offset: its "1:21" is our "1:22").
  it("fails as Prometheus does, naming the template, position and action", async () => {
    expect(await failure('{{ query "missing" | first }}')).toBe(
      'template: test:1:22: executing "test" at <first>: error calling first: first() called on vector with no elements',
    );
    expect(await failure('{{ humanize "one" }}')).toBe(
      'template: test:1:4: executing "test" at <humanize "one">: error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax',
    );
    expect(await failure('{{ "one" | humanizePercentage }}')).toContain(
      'executing "test" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing "one": invalid syntax',
    );
    expect(
      await failure("{{ range . }}{{ humanizeTimestamp . }}:{{ end }}", [-9223372036854775808n]),
    ).toContain(
      "error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64",
    );
    expect(await failure("{{ toUpper 1 }}")).toBe(
      'template: test:1:4: executing "test" at <toUpper 1>: wrong type for value; expected string; got int',
    );
  });
});

describe("alert templates (template_examples and rule annotations)", () => {
  const data = {
    labels: { instance: "host:9100", job: "node", severity: "page" },
    value: 0.2345,
    externalLabels: { cluster: "line1" },
  };

  it("binds $labels, $value, $externalLabels and $externalURL", async () => {
    expect(
      await expandAlertTemplate(
        "{{ $labels.instance }} of job {{ $labels.job }} at {{ humanizePercentage $value }} in {{ $externalLabels.cluster }} ({{ $externalURL }})",
        "summary",
        { ...data, externalURL: "http://prom:9090" },
      ),
    ).toBe("host:9100 of job node at 23.45% in line1 (http://prom:9090)");
  });

  it("reads a missing label as empty (missingkey=zero) and prints $value as Go's %v", async () => {
    expect(
      await expandAlertTemplate("[{{ $labels.nope }}] {{ $value }}", "x", { labels: {}, value: 1e6 }),
    ).toBe("[] 1e+06");
  });

  it("runs the documented query examples with an async query", async () => {
    const query = async (expr: string) =>
      expr === 'up{job="node"}'
        ? [
            { labels: { instance: "b" }, value: 1 },
            { labels: { instance: "a" }, value: 0 },
          ]
        : [];
    const text =
      '{{ range query "up{job=\\"node\\"}" | sortByLabel "instance" }}{{ .Labels.instance }}={{ .Value }} {{ else }}none{{ end }}' +
      '| {{ with query "nothing" }}{{ . | first | value }}{{ else }}no data{{ end }}';
    expect(await expandAlertTemplate(text, "x", { ...data }, { query })).toBe("a=0 b=1 | no data");
  });

  it("reports errors at line:col of the text as written, despite the prepended variables", () => {
    expect(() => parseAlertTemplate("ok {{ $labels.x }} {{ nosuch 1 }}", "description")).toThrow(
      'template: description:1:23: function "nosuch" not defined',
    );
    try {
      parseAlertTemplate("line one\n{{ $labels.job ", "summary");
    } catch (err) {
      expect(err).toMatchObject({ line: 2, col: 16, code: "LINEOPS_ERR_TEMPLATE_PARSE" });
    }
    expect.assertions(2);
  });

  it("refuses an undefined variable at parse time", () => {
    expect(() => parseAlertTemplate("{{ $lables.job }}", "summary")).toThrow(
      'template: summary:1:4: undefined variable "$lables"',
    );
  });
});

describe("agrees with promtool test rules (Prometheus 2.x from Debian) on the same rule", () => {
  // Annotations of one alert as promtool expanded them for m{job="node",sev="page",instance=…} = 1e6
  // with external label cluster="c1" (the rule file is quoted in the test names).
  const labels = { __name__: "m", instance: "h.example.com:9100", job: "node", sev: "page" };
  const query = () => [{ labels, value: 1e6 }];
  it.each([
    [
      '{{ $value }}|{{ printf "%.2f" $value }}|{{ humanize $value }}|{{ $labels.missing }}|{{ .Labels.job }}',
      "1e+06|1000000.00|1M||node",
    ],
    [
      `{{ title "foo-bar foo_bar foo.bar don't 1st élan" }}|{{ toUpper "straße" }}`,
      "Foo-Bar Foo_bar Foo.Bar Don'T 1st Élan|STRAßE",
    ],
    [
      '{{ printf "%v %s %d %q %x %5.1f|%-5s|%05d %e %g" 1.5 "s" 42 "q" 255 3.14159 "ab" -42 123456.789 0.00001234 }}',
      '1.5 s 42 "q" ff   3.1|ab   |-0042 1.234568e+05 1.234e-05',
    ],
    [
      '{{ printf "%d %s" 1.5 2 }}|{{ print 1 2 "a" 3 }}|{{ 1e21 }} {{ 123456789.0 }} {{ 0.0001 }} {{ 0.00001 }}',
      "%!d(float64=1.5) %!s(int=2)|1 2a3|1e+21 1.23456789e+08 0.0001 1e-05",
    ],
    [
      '{{ js "a\'b<c>\\n" }}|{{ html "<&>" }}|{{ urlquery "a b/c?" }}|{{ len "héllo" }}|{{ index $labels "job" }}',
      "a\\'b\\u003Cc\\u003E\\u000A|&lt;&amp;&gt;|a+b%2Fc%3F|6|node",
    ],
    [
      "{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}|{{ $labels }}|{{ $externalLabels }}",
      "__name__=m;instance=h.example.com:9100;job=node;sev=page;|map[__name__:m instance:h.example.com:9100 job:node sev:page]|map[cluster:c1]",
    ],
    [
      '{{ humanizeDuration 0.000001 }}|{{ humanize 0.0000000001 }}|{{ humanize1024 1025 }}|{{ humanizePercentage 0.5 }}|{{ reReplaceAll "a*" "-" "baaac" }}',
      "1us|100p|1.001ki|50%|-b-c-",
    ],
    [
      '{{ stripDomain "foo.bar:80" }}|{{ parseDuration "1m" }}|{{ with query "m" }}{{ . | first | value }}{{ end }}|{{ query "m" | first }}',
      "foo:80|60|1e+06|{map[__name__:m instance:h.example.com:9100 job:node sev:page] 1e+06}",
    ],
  ])("%s", async (text, output) => {
    expect(
      await expandAlertTemplate(
        text,
        "a",
        { labels, value: 1e6, externalLabels: { cluster: "c1" } },
        { query },
      ),
    ).toBe(output);
  });
});

describe("execution errors agree with promtool's (columns: ours count in the text as written)", () => {
  const labels = { job: "node" };
  it.each([
    [
      "{{ gt $value 5 }}",
      'template: __alert_A:1:4: executing "__alert_A" at <gt $value 5>: error calling gt: incompatible types for comparison',
    ],
    [
      "{{ .Foo }}",
      'template: __alert_A:1:4: executing "__alert_A" at <.Foo>: can\'t evaluate field Foo in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }',
    ],
    [
      "{{ index $value 1 }}",
      'template: __alert_A:1:4: executing "__alert_A" at <index $value 1>: error calling index: can\'t index item of type float64',
    ],
    [
      'x {{ humanize "one" }}',
      'template: __alert_A:1:6: executing "__alert_A" at <humanize "one">: error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax',
    ],
    [
      "{{ eq $labels.job 1 }}",
      'template: __alert_A:1:4: executing "__alert_A" at <eq $labels.job 1>: error calling eq: incompatible types for comparison',
    ],
    [
      "{{ range $value }}{{ end }}",
      'template: __alert_A:1:10: executing "__alert_A" at <$value>: range can\'t iterate over 1e+06',
    ],
  ])("%s", async (text, message) => {
    await expect(expandAlertTemplate(text, "__alert_A", { labels, value: 1e6 })).rejects.toThrow(message);
  });
});

describe("reReplaceAll and match follow Go's regexp (RE2, unanchored, Expand templates)", () => {
  it.each([
    [
      '{{ reReplaceAll "^(\\\\w+)\\\\.example\\\\.com:(\\\\d+)$" "$1 port $2" "web.example.com:80" }}',
      "web port 80",
    ],
    ['{{ reReplaceAll "(?P<host>[^:]+):.*" "${host}" "db:5432" }}', "db"],
    ['{{ reReplaceAll "(a)" "$1x" "aa" }}', ""],
    ['{{ reReplaceAll "(a)" "${1}x" "aa" }}', "axax"],
    ['{{ reReplaceAll "x*" "-" "abc" }}', "-a-b-c-"],
    ['{{ reReplaceAll "^" ">" "a\\nb" }}', ">a\nb"],
    ['{{ reReplaceAll "é" "e" "élan élan" }}', "elan elan"],
    [
      '{{ match "^node" "node_exporter" }} {{ match "exporter" "node_exporter" }} {{ match "^x$" "xy" }}',
      "true true false",
    ],
  ])("%s", async (text, output) => {
    expect(await expand(text)).toBe(output);
  });

  it("reports an invalid pattern as an execution error of the template", async () => {
    expect(await failure('{{ reReplaceAll "(" "" "x" }}')).toMatch(
      /^template: test:1:4: executing "test" at <reReplaceAll "\(" "" "x">: error calling reReplaceAll: invalid regex "\("/,
    );
  });
});

describe("Go's float rounding in printf and humanize (exact decimal, half to even only on exact ties)", () => {
  it.each([
    ['{{ printf "%.2f" 0.125 }}', "0.12"],
    ['{{ printf "%.2f" 0.375 }}', "0.38"],
    ['{{ printf "%.0f" 2.5 }}', "2"],
    ['{{ printf "%.0f" 3.5 }}', "4"],
    ['{{ printf "%.2f" 2.675 }}', "2.67"],
    ['{{ printf "%.2f" 1.005 }}', "1.00"],
    ['{{ printf "%.3e" 1234.5 }}', "1.234e+03"],
    ['{{ printf "%.2f" 0.009 }}', "0.01"],
    [
      '{{ printf "%g" 100000.0 }} {{ printf "%g" 1000000.0 }} {{ printf "%.3g" 1234567.0 }}',
      "100000 1e+06 1.23e+06",
    ],
    ["{{ humanize 999999.0 }} {{ humanize 1000.0 }} {{ humanize 0.001 }}", "1000k 1k 1m"],
  ])("%s", async (text, output) => {
    expect(await expand(text)).toBe(output);
  });
});
