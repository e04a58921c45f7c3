// Fuzzing of the exposition parser under the per-case budget of the hardening suite (P5 item 7):
// edited real exporter output (metadata, histograms, exemplars, escapes) and long lines, on top of
// the generated bodies of parser.property.test.ts.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParams, nearValid, tokenSoup, withinBudget } from "../../test-support/fuzz.js";
import { EXPOSITION_TOKENS } from "./test-support/exposition-arb.js";
import { ExpositionError, parseExposition, parseSeriesLabels, type ExpositionFormat } from "./parser.js";

const CODES = [ExpositionError.code];

/** Parses through a sink that reads every accepted series back, as the scrape loop does. */
function parse(body: string, format: ExpositionFormat): number {
  let n = 0;
  parseExposition(body, format, {
    sample: (series) => {
      n++;
      parseSeriesLabels(series);
    },
    metadata: () => undefined,
  });
  return n;
}

/** Chunks of real exporter output (a few lines each, so a case stays small). */
function chunks(file: string, linesPerChunk: number): string[] {
  const lines = readFileSync(new URL(`./fixtures/${file}`, import.meta.url), "utf8").split("\n");
  const out: string[] = [];
  for (let i = 0; i + linesPerChunk <= lines.length && out.length < 40; i += linesPerChunk) {
    out.push(lines.slice(i, i + linesPerChunk).join("\n") + "\n");
  }
  return out;
}

const TEXT = [
  ...chunks("node-exporter.prom", 6),
  'http_requests_total{method="post",code="200"} 1027 1395066363000\n',
  'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9\n',
  '# TYPE h histogram\nh_bucket{le="0.05"} 24054\nh_bucket{le="+Inf"} 144320\nh_sum 53423\nh_count 144320\n',
  '{"my.dotted.metric","code"="200"} NaN\n',
];
const OPENMETRICS = [
  ...chunks("prom-client.om", 6).map((c) => `${c}# EOF\n`),
  '# TYPE foo counter\n# HELP foo Some text\nfoo_total{a="b"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67\n# EOF\n',
  '# TYPE s stateset\ns{s="a"} 1\ns{s="b"} 0\n# EOF\n',
  '# TYPE i info\n# UNIT i seconds\ni_info{v="1"} 1\n# EOF\n',
];
const TOKENS = [...EXPOSITION_TOKENS, "# TYPE ", "# HELP ", " # {", "+Inf", "NaN"];

describe("exposition parser fuzzing", () => {
  it.each([
    ["text", TEXT],
    ["openmetrics", OPENMETRICS],
  ] as const)("edited real %s bodies: parsed or an ExpositionError, within budget", (format, examples) => {
    fc.assert(
      fc.property(nearValid(examples, TOKENS), (body) => {
        withinBudget(() => parse(body, format), CODES);
      }),
      fuzzParams(400),
    );
  });

  it("grammar tokens in any order, in both formats", () => {
    fc.assert(
      fc.property(
        tokenSoup(TOKENS, 60),
        fc.constantFrom<ExpositionFormat>("text", "openmetrics"),
        (body, format) => {
          withinBudget(() => parse(body, format), CODES);
        },
      ),
      fuzzParams(400),
    );
  });

  it("long names, label values and many labels stay linear", () => {
    // Sizes up to ~64 KiB: a quadratic scan would show here long before a real scrape does.
    const long = fc.record({
      nameLen: fc.integer({ min: 1, max: 4096 }),
      valueLen: fc.integer({ min: 0, max: 32_768 }),
      labels: fc.integer({ min: 0, max: 300 }),
      fill: fc.constantFrom("a", "\\\\", '\\"', "é", "_"),
      broken: fc.boolean(),
    });
    fc.assert(
      fc.property(long, ({ nameLen, valueLen, labels, fill, broken }) => {
        const value = fill.repeat(Math.ceil(valueLen / fill.length));
        const pairs = Array.from({ length: labels }, (_, i) => `l${i}="${value.slice(0, 64)}"`);
        const body = `${"m".repeat(nameLen)}{big="${value}"${pairs.map((p) => `,${p}`).join("")}${broken ? "" : "}"} 1\n`;
        const r = withinBudget(() => parse(body, "text"), CODES);
        expect(r.ok).toBe(!broken);
      }),
      fuzzParams(60),
    );
  });
});
