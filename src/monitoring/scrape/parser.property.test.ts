import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExpositionError, parseExposition, parseSeriesLabels, type ExpositionFormat } from "./parser.js";
import {
  EXPOSITION_TOKENS,
  expectedLabels,
  formatBody,
  mutate,
  mutationArb,
  sampleArb,
} from "./test-support/exposition-arb.js";

const formats: ExpositionFormat[] = ["text", "openmetrics"];

/** Parses, and fails the property on anything thrown that is not an ExpositionError or on a slow parse. */
function parsesOrRejects(body: string, format: ExpositionFormat): number {
  let n = 0;
  const t0 = performance.now();
  try {
    parseExposition(body, format, {
      sample: (series) => {
        n++;
        // Every series the parser accepts must be readable back.
        parseSeriesLabels(series);
      },
      metadata: () => undefined,
    });
  } catch (err) {
    if (!(err instanceof ExpositionError)) {
      throw err;
    }
    expect(err.line).toBeGreaterThanOrEqual(1);
    expect(err.line).toBeLessThanOrEqual(body.split("\n").length + 1);
  }
  // A hang guard, not a performance assert: these inputs are at most a few KiB.
  expect(performance.now() - t0).toBeLessThan(1000);
  return n;
}

describe("exposition parser properties", () => {
  it("arbitrary strings never crash or hang", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.constantFrom(...formats),
        (body, format) => {
          parsesOrRejects(body, format);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("grammar-shaped noise never crashes", () => {
    // The grammar's own tokens plus a name, digits and words to glue them into near-samples.
    const token = fc.constantFrom(...EXPOSITION_TOKENS, "m", "EOF", "1", "a", "+Inf");
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), fc.constantFrom(...formats), (tokens, format) => {
        parsesOrRejects(tokens.join(""), format);
      }),
      { numRuns: 1500 },
    );
  });

  it("mutations of valid bodies never crash or hang", () => {
    fc.assert(
      fc.property(
        fc.array(sampleArb, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...formats),
        mutationArb,
        (samples, format, edits) => {
          parsesOrRejects(mutate(formatBody(samples, format), edits), format);
        },
      ),
      { numRuns: 800 },
    );
  });

  it("valid bodies round-trip: labels, values (NaN, ±Inf, -0) and timestamps", () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 10 }), fc.constantFrom(...formats), (samples, format) => {
        const got: { series: string; value: number; ts: number | undefined }[] = [];
        parseExposition(formatBody(samples, format), format, {
          sample: (series, value, ts) => got.push({ series, value, ts }),
        });
        expect(got.length).toBe(samples.length);
        samples.forEach((s, i) => {
          const g = got[i]!;
          expect(parseSeriesLabels(g.series)).toEqual(expectedLabels(s));
          expect(Object.is(g.value, s.value), `${g.value} vs ${s.value}`).toBe(true);
          expect(g.ts).toBe(s.timestampMs);
        });
      }),
      { numRuns: 600 },
    );
  });
});
