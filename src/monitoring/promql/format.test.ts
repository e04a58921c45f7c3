import { describe, expect, it } from "vitest";
import type { Labels } from "../model.js";
import { prometheusResponseJson, toPrometheusJson, type Point, type QueryResult } from "./format.js";

/** The response as the API built it before: JSON.stringify of the object form. */
function viaObjects(r: QueryResult): Buffer {
  return Buffer.from(
    JSON.stringify({
      status: "success",
      data: toPrometheusJson(r),
      ...(r.warnings?.length ? { warnings: r.warnings } : {}),
      ...(r.infos?.length ? { infos: r.infos } : {}),
    }),
  );
}

const ODD_VALUES = [
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  1,
  -1,
  0.1 + 0.2,
  1e21,
  -2.5e22,
  1.7976931348623157e308,
  5e-324,
  -1.5e-7,
  1e-6,
  123456789012345680000,
  2 ** 53 + 2,
  3.14159,
];

const ODD_LABEL_VALUES = [
  "",
  'quote " and backslash \\',
  "new\nline\ttab\r",
  "control \u0001\u001f",
  "ünïcödé ✓",
  "emoji 🏭",
  "lone surrogate \ud800 end",
  "</script>",
];

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

function randomValue(rand: () => number): number {
  const k = rand();
  if (k < 0.3) {
    return ODD_VALUES[Math.floor(rand() * ODD_VALUES.length)]!;
  }
  if (k < 0.5) {
    return Math.floor(rand() * 1e6) - 5e5;
  }
  return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
}

/** Seconds as the engine makes them (ms / 1000), including before 1970 and sub-second steps. */
function randomSeconds(rand: () => number): number {
  return (Math.floor(rand() * 4e12) - 1e12) / 1000;
}

function randomLabels(rand: () => number, i: number): Labels {
  const out: Record<string, string> = { __name__: `metric_${i % 3}` };
  const n = Math.floor(rand() * 4);
  for (let k = 0; k < n; k++) {
    out[`l${k}`] = ODD_LABEL_VALUES[Math.floor(rand() * ODD_LABEL_VALUES.length)]!;
  }
  return i % 7 === 0 ? {} : out;
}

function randomPoints(rand: () => number, n: number): Point[] {
  return Array.from({ length: n }, () => [randomSeconds(rand), randomValue(rand)] as Point);
}

describe("prometheusResponseJson", () => {
  it("writes matrix results byte for byte as JSON.stringify of the object form", () => {
    const rand = rng(7);
    for (let round = 0; round < 20; round++) {
      const r: QueryResult = {
        resultType: "matrix",
        result: Array.from({ length: Math.floor(rand() * 12) }, (_, i) => ({
          metric: randomLabels(rand, i),
          values: randomPoints(rand, Math.floor(rand() * 50)),
        })),
      };
      expect(prometheusResponseJson(r).toString("latin1")).toBe(viaObjects(r).toString("latin1"));
    }
  });

  it("writes vector, scalar and string results byte for byte as before", () => {
    const rand = rng(11);
    for (let round = 0; round < 20; round++) {
      const vector: QueryResult = {
        resultType: "vector",
        result: Array.from({ length: Math.floor(rand() * 12) }, (_, i) => ({
          metric: randomLabels(rand, i),
          value: randomPoints(rand, 1)[0]!,
        })),
      };
      expect(prometheusResponseJson(vector).equals(viaObjects(vector))).toBe(true);
    }
    for (const v of ODD_VALUES) {
      const scalar: QueryResult = { resultType: "scalar", result: [1712345678.9, v] };
      expect(prometheusResponseJson(scalar).toString()).toBe(viaObjects(scalar).toString());
    }
    for (const s of ODD_LABEL_VALUES) {
      const str: QueryResult = { resultType: "string", result: [0.001, s] };
      expect(prometheusResponseJson(str).equals(viaObjects(str))).toBe(true);
    }
  });

  it("adds warnings and infos only when there are some, escaped as JSON", () => {
    const base = { resultType: "vector" as const, result: [{ metric: {}, value: [1, 2] as Point }] };
    const cases: QueryResult[] = [
      { ...base, warnings: [] },
      { ...base, warnings: ['PromQL warning: "x" \\ ✓'] },
      { ...base, infos: ["PromQL info: a\nb"], warnings: ["w"] },
      { ...base, infos: [] },
    ];
    for (const r of cases) {
      expect(prometheusResponseJson(r).toString()).toBe(viaObjects(r).toString());
    }
    expect(prometheusResponseJson(cases[1]!).toString()).toContain('"warnings":');
    expect(prometheusResponseJson(cases[0]!).toString()).not.toContain("warnings");
  });

  it("grows past its size estimate on long label values and huge numbers", () => {
    const r: QueryResult = {
      resultType: "matrix",
      result: [
        {
          metric: { big: "é".repeat(50_000) },
          values: Array.from({ length: 200 }, (_, i) => [i, 1.7976931348623157e308] as Point),
        },
      ],
    };
    expect(prometheusResponseJson(r).equals(viaObjects(r))).toBe(true);
  });
});
