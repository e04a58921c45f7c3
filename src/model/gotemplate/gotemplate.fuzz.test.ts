// Fuzzing of the template engine: any text parses or fails with a coded TemplateError, and any
// template that parses executes or fails the same way, each case within a CPU budget; Go's
// formatting (shortest floats, printf) never throws and reads back.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CASE_BUDGET_MS,
  cpuMs,
  fuzzParams,
  nearValid,
  tokenSoup,
  withinBudget,
} from "../../test-support/fuzz.js";
import {
  TEMPLATE_ERROR_CODES,
  TemplateError,
  expandAlertTemplate,
  parseTemplate,
  prometheusFuncs,
  sprintf,
  templateQuery,
} from "./index.js";
import { formatFloat } from "./gofloat.js";

const EXAMPLES = [
  "{{ $labels.instance }} is down ({{ $value | humanize }})",
  '{{ range $i, $s := query "up" | sortByLabel "job" }}{{ $i }}:{{ $s.Labels.job }}={{ $s.Value | printf "%.2f" }}{{ else }}none{{ end }}',
  '{{- define "t" -}}{{ .x }}{{- end -}}{{ template "t" (args 1 2) }}{{/* c */}}',
  '{{ if and (gt $value 0.5) (ne $labels.job "x") }}hi{{ else if not $value }}lo{{ else }}{{ humanizeDuration $value }}{{ end }}',
  '{{ with $x := index $labels "job" }}{{ $x | toUpper | title }}{{ end }}{{ reReplaceAll "(.*):.*" "$1" $labels.instance }}',
  "{{ `raw` }} {{ 'c' }} {{ 0x1F }} {{ -1.5e3 }} {{ nil | print }} {{ (1) }} {{ len $labels }}",
];
const TOKENS = [
  "{{",
  "}}",
  "{{-",
  "-}}",
  " ",
  "(",
  ")",
  "|",
  ":=",
  "=",
  ",",
  ".",
  "$",
  "$x",
  ".Labels",
  '"',
  "`",
  "'",
  "if",
  "else",
  "end",
  "range",
  "with",
  "define",
  "template",
  "block",
  "break",
  "continue",
  "nil",
  "true",
  "1",
  "1.5",
  "-",
  "/*",
  "*/",
  "\n",
  "\\",
  "printf",
  "index",
  "query",
  "humanize",
  "first",
  "value",
];

const CODES = [...TEMPLATE_ERROR_CODES];
const SAMPLES = [
  { labels: { job: "a", instance: "h:1" }, value: 1 },
  { labels: { job: "b", instance: "h:2" }, value: 0.25 },
];

function parseOutcome(text: string) {
  return withinBudget(() => parseTemplate(text, "fuzz"), CODES);
}

async function executeWithinBudget(text: string): Promise<void> {
  const start = cpuMs();
  try {
    await expandAlertTemplate(
      text,
      "fuzz",
      { labels: { job: "a", instance: "h:1" }, value: 0.75, externalLabels: { site: "s" } },
      { query: () => SAMPLES },
      { maxSteps: 20_000, maxOutputBytes: 64 * 1024, timeoutMs: 1_000 },
    );
  } catch (err) {
    if (!(err instanceof TemplateError) || !CODES.includes(err.code as (typeof CODES)[number])) {
      throw err;
    }
    expect(err.message).toMatch(/^template: fuzz/);
    expect(err.line).toBeGreaterThanOrEqual(1);
    expect(err.col).toBeGreaterThanOrEqual(1);
  }
  expect(cpuMs() - start, "per-case CPU time budget (ms)").toBeLessThan(CASE_BUDGET_MS * 2);
}

describe("template fuzzing", () => {
  it("any text parses or fails with a positioned TemplateError", () => {
    fc.assert(
      fc.property(
        fc.oneof(nearValid(EXAMPLES, TOKENS), tokenSoup(TOKENS), fc.string({ maxLength: 60 })),
        (text) => {
          const outcome = parseOutcome(text);
          if (!outcome.ok) {
            expect(outcome.error).toBeInstanceOf(TemplateError);
            expect(outcome.error.message).toMatch(/^template: fuzz:\d+:\d+: /);
          }
        },
      ),
      fuzzParams(3000),
    );
  });

  it("every template that parses executes or fails with a TemplateError, within budget", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(nearValid(EXAMPLES, TOKENS), tokenSoup(TOKENS)), async (text) => {
        await executeWithinBudget(text);
      }),
      fuzzParams(1500),
    );
  });

  it("executes templates against arbitrary data without crashing", async () => {
    const funcs = { ...prometheusFuncs({ now: 0 }), query: templateQuery(() => SAMPLES) };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...EXAMPLES.slice(1)),
        fc.anything({ maxDepth: 3 }),
        async (text, data) => {
          try {
            await parseTemplate(text.replaceAll("$labels", "$").replaceAll("$value", "."), "fuzz").execute(
              data,
              { funcs },
            );
          } catch (err) {
            expect(err).toBeInstanceOf(TemplateError);
          }
        },
      ),
      fuzzParams(500),
    );
  });

  it("shortest float formatting reads back exactly", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Number(formatFloat(x, "g", -1))).toBe(x);
        expect(Number(formatFloat(x, "e", -1))).toBe(x);
      }),
      fuzzParams(3000),
    );
  });

  it("printf never throws on any format and arguments", () => {
    const arg = fc.oneof(
      fc.double(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.array(arg, { maxLength: 4 }), (format, args) => {
        expect(typeof sprintf(format, args)).toBe("string");
      }),
      fuzzParams(3000),
    );
  });
});
