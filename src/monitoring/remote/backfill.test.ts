import { createReadStream, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test-support/line.js";
import {
  promtoolCreateBlocksFromOpenMetrics,
  startPrometheus,
  type RunningPrometheus,
} from "../test-support/prometheus.js";
import { SampleCollector } from "../test-support/sample-collector.js";
import { importOpenMetrics } from "./backfill.js";

const OM = `# HELP line_parts_total Parts made.
# TYPE line_parts_total counter
line_parts_total{station="s1"} 1 1700000000
line_parts_total{station="s1"} 2 1700000015.5
line_parts_total{station="s2"} 7 1700000000
# TYPE line_temp_celsius gauge
line_temp_celsius{station="s1",zone="a"} 21.5 1700000000.123
line_parts_total{station="s2"} 9 1700000030
# EOF
`;

async function* chunks(text: string, sizes: number[]): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  let p = 0;
  for (let i = 0; p < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield bytes.subarray(p, p + n);
    p += n;
  }
}

describe("importOpenMetrics", () => {
  it("imports every sample with its timestamp (seconds → ms) through one commit", async () => {
    const store = new SampleCollector();
    const r = await importOpenMetrics(OM, store.appender());
    expect(r).toMatchObject({ series: 3, samples: 5, errorCount: 0, errors: [], lines: 9, aborted: false });
    expect(r.minTime).toBe(1_700_000_000_000);
    expect(r.maxTime).toBe(1_700_000_030_000);
    expect(store.commits).toBe(1);
    expect(store.get({ __name__: "line_parts_total", station: "s1" })).toMatchObject({
      ts: [1_700_000_000_000, 1_700_000_015_500],
      vs: [1, 2],
    });
    expect(store.get({ __name__: "line_temp_celsius", station: "s1", zone: "a" })).toMatchObject({
      ts: [1_700_000_000_123],
    });
  });

  it("reports a sample out of order for its series with its line, and keeps the rest", async () => {
    const store = new SampleCollector();
    const text = `a{x="1"} 1 20\na{x="2"} 1 5\na{x="1"} 2 10\na{x="1"} 3 30\n# EOF\n`;
    const r = await importOpenMetrics(text, store.appender());
    expect(r.errors).toEqual([
      {
        line: 3,
        message: expect.stringMatching(
          /out of order sample for a\{x="1"\}: timestamp 10 is before the series' previous 20/,
        ) as string,
      },
    ]);
    expect(store.get({ __name__: "a", x: "1" })?.ts).toEqual([20_000, 30_000]);
    expect(r.samples).toBe(3);
  });

  it("treats label order as irrelevant when checking a series' order", async () => {
    const r = await importOpenMetrics(
      `m{a="1",b="2"} 1 20\nm{b="2",a="1"} 1 10\n# EOF\n`,
      new SampleCollector().appender(),
    );
    expect(r.errors.map((e) => e.line)).toEqual([2]);
    expect(r.series).toBe(1);
  });

  it("reports missing timestamps, syntax errors, a missing # EOF and data after it, each with its line", async () => {
    const store = new SampleCollector();
    const r = await importOpenMetrics(`ok 1 1\nno_ts 1\nbad{ 1 2\nok 2 2\n`, store.appender());
    expect(r.errors).toEqual([
      { line: 2, message: expect.stringMatching(/no timestamp/) as string },
      { line: 3, message: expect.any(String) as string },
      { line: 5, message: expect.stringMatching(/missing "# EOF"/) as string },
    ]);
    expect(store.get({ __name__: "ok" })?.ts).toEqual([1000, 2000]);
    const after = await importOpenMetrics(`ok 1 1\n# EOF\nok 2 2\n`, new SampleCollector().appender());
    expect(after.errors).toEqual([{ line: 3, message: 'unexpected data after "# EOF"' }]);
  });

  it("stops at maxErrors", async () => {
    const text = Array.from({ length: 50 }, (_, i) => `m 1 ${100 - i}`).join("\n") + "\n# EOF\n";
    const r = await importOpenMetrics(text, new SampleCollector().appender(), { maxErrors: 5 });
    expect(r).toMatchObject({ aborted: true, errorCount: 5, samples: 1 });
    expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
  });

  it("with an appender factory, commits every commitEvery samples", async () => {
    const store = new SampleCollector();
    const text = Array.from({ length: 25 }, (_, i) => `m 1 ${i}`).join("\n") + "\n# EOF\n";
    const r = await importOpenMetrics(text, () => store.appender(), { commitEvery: 10 });
    expect(r.samples).toBe(25);
    expect(store.commits).toBe(3);
    expect(store.get({ __name__: "m" })?.ts).toHaveLength(25);
  });

  it("streams: any chunking of the bytes (lines and UTF-8 characters split) gives the same result", async () => {
    const text = `# HELP u Ünïcödé help ✓\n# TYPE u gauge\nu{l="äöü ✓ 🚀"} 1 1\nu{l="äöü ✓ 🚀"} 2 2\nu{l="x"} 3 0.5\nu{l="x"} 4 0.25\n# EOF\n`;
    const want = await importOpenMetrics(text, new SampleCollector().appender());
    expect(want.errors.map((e) => e.line)).toEqual([6]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        async (sizes) => {
          const store = new SampleCollector();
          const got = await importOpenMetrics(chunks(text, sizes), store.appender());
          expect(got).toEqual(want);
          expect(store.get({ __name__: "u", l: "äöü ✓ 🚀" })?.vs).toEqual([1, 2]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads a file stream line-chunked", async () => {
    const dir = tempDir("lineops-import-");
    const file = path.join(dir, "big.om");
    const lines: string[] = [];
    for (let t = 0; t < 20_000; t++) {
      lines.push(`m{s="${t % 7}"} ${t} ${1_700_000_000 + Math.floor(t / 7)}`);
    }
    writeFileSync(file, lines.join("\n") + "\n# EOF\n");
    const store = new SampleCollector();
    const r = await importOpenMetrics(
      createReadStream(file, { highWaterMark: 4096 }),
      () => store.appender(),
      { commitEvery: 5000 },
    );
    expect(r).toMatchObject({ series: 7, samples: 20_000, errorCount: 0, lines: 20_001 });
    expect(store.sampleCount).toBe(20_000);
  });
});

describe("importOpenMetrics agrees with promtool create-blocks-from openmetrics", () => {
  let prom: RunningPrometheus | undefined;
  afterAll(async () => {
    await prom?.stop();
  });

  it("the same file yields the same samples as Prometheus reads from promtool's blocks", async () => {
    const dir = tempDir("lineops-backfill-");
    const file = path.join(dir, "data.om");
    const base = Math.floor(Date.now() / 1000) - 3 * 3600; // inside the default retention
    const rows: string[] = ["# TYPE line_cycle_seconds gauge"];
    for (let i = 0; i < 60; i++) {
      for (const st of ["s1", "s2"]) {
        rows.push(
          `line_cycle_seconds{station="${st}"} ${(i * 0.37 + (st === "s1" ? 0 : 5)).toFixed(3)} ${base + i * 60}.${String(i % 10)}25`,
        );
      }
    }
    writeFileSync(file, rows.join("\n") + "\n# EOF\n");
    const store = new SampleCollector();
    const r = await importOpenMetrics(createReadStream(file), store.appender());
    expect(r.errorCount).toBe(0);
    const dataDir = path.join(dir, "tsdb");
    await promtoolCreateBlocksFromOpenMetrics(file, dataDir);
    prom = await startPrometheus({ configYaml: "global: { scrape_interval: 1m }\n", dataDir });
    const time = base + 3600 + 60;
    const res = await fetch(
      `${prom.url}/api/v1/query?query=${encodeURIComponent("line_cycle_seconds[2h]")}&time=${time}`,
    );
    const body = (await res.json()) as {
      data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    expect(body.data.result).toHaveLength(2);
    for (const s of body.data.result) {
      const ours = store.get(s.metric);
      expect(ours).toBeDefined();
      expect(s.values.map(([t, v]) => [Math.round(t * 1000), Number(v)])).toEqual(
        ours!.ts.map((t, i) => [t, ours!.vs[i]]),
      );
    }
  });
});

describe("importOpenMetrics time bounds", () => {
  const NOW = 1_800_000_000; // seconds
  const bounds = { minTime: (NOW - 15 * 86_400) * 1000, maxTime: NOW * 1000 + 600_000 };
  // Each case fails on the code before the bounds: the sample was imported.
  it.each([
    { name: "after now + 10 min", t: NOW + 601, reason: "too_far_in_future", text: /too far in the future/ },
    {
      name: "the finding's 8.64e15 ms",
      t: 8.64e12,
      reason: "too_far_in_future",
      text: /too far in the future/,
    },
    { name: "before the retention window", t: NOW - 16 * 86_400, reason: "out_of_bounds", text: /retention/ },
  ])("$name: refused naming its line and series; the rest imported", async ({ t, reason, text }) => {
    const store = new SampleCollector();
    const input = [`m{a="1"} 1 ${NOW - 60}`, `m{a="2"} 2 ${t}`, `m{a="1"} 3 ${NOW}`, "# EOF", ""].join("\n");
    const r = await importOpenMetrics(input, store.appender(), bounds);
    expect(r).toMatchObject({ samples: 2, errorCount: 1, rejectedByReason: { [reason]: 1 } });
    expect(r.errors[0]!.line).toBe(2);
    expect(r.errors[0]!.message).toMatch(text);
    expect(r.errors[0]!.message).toContain('m{a="2"}');
    expect(store.get({ __name__: "m", a: "1" })?.ts).toEqual([(NOW - 60) * 1000, NOW * 1000]);
    expect(store.get({ __name__: "m", a: "2" })).toBeUndefined();
  });
});
