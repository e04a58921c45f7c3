// The parser against real exporters on this machine: a live prometheus-node-exporter (both Accept
// headers, format chosen from the answer's Content-Type) and prom-client's OpenMetrics output.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import client from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  formatFromContentType,
  parseExposition,
  parseSeriesLabels,
  type ExpositionFormat,
} from "./parser.js";
import { startNodeExporter, type RunningExporter } from "../host/test-support/node-exporter.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

function parseAll(body: string, format: ExpositionFormat) {
  const series: string[] = [];
  const meta: string[] = [];
  parseExposition(body, format, {
    sample: (s) => series.push(s),
    metadata: (m, kind) => meta.push(`${kind} ${m}`),
  });
  return { series, meta };
}

/** Lines that must each yield exactly one sample: not blank, not a comment. */
const sampleLines = (body: string) => body.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;

describe("node_exporter /metrics", () => {
  let exporter: RunningExporter | undefined;
  let url = "";

  beforeAll(async () => {
    // Extra collectors (off by default) so the body holds thousands of samples even in a container.
    exporter = await startNodeExporter([
      "--collector.interrupts",
      "--collector.slabinfo",
      "--collector.processes",
      "--collector.cpu.info",
      "--collector.buddyinfo",
    ]);
    url = exporter.url;
  });

  afterAll(async () => {
    await exporter?.stop();
  });

  for (const accept of ["text/plain;version=0.0.4", "application/openmetrics-text;version=1.0.0"]) {
    it(`parses the live body fetched with Accept: ${accept}`, async () => {
      const res = await fetch(url, { headers: { Accept: accept } });
      const format = formatFromContentType(res.headers.get("content-type") ?? undefined);
      const body = await res.text();
      const { series, meta } = parseAll(body, format);
      expect(series.length).toBeGreaterThan(1000);
      expect(series.length).toBe(sampleLines(body));
      expect(meta.filter((m) => m.startsWith("type ")).length).toBeGreaterThan(50);
      const names = new Set(series.map((s) => parseSeriesLabels(s).__name__));
      expect(names.has("node_cpu_seconds_total")).toBe(true);
      expect(names.has("node_interrupts_total")).toBe(true);
    });
  }

  it("parses the recorded node_exporter fixture", () => {
    const body = readFileSync(path.join(fixtures, "node-exporter.prom"), "utf8");
    const { series } = parseAll(body, "text");
    expect(series.length).toBe(sampleLines(body));
    expect(series.length).toBeGreaterThan(1000);
  });
});

describe("prom-client OpenMetrics output", () => {
  it("parses a live OpenMetrics registry with exemplars, NaN, -Inf and escaped labels", async () => {
    const reg = new client.Registry<typeof client.openMetricsContentType>();
    reg.setContentType(client.openMetricsContentType);
    client.collectDefaultMetrics({ register: reg });
    const h = new client.Histogram({
      name: "lineops_request_duration_seconds",
      help: 'Request "duration" \\ with\nnewline',
      labelNames: ["route", "code"],
      registers: [reg],
      enableExemplars: true,
    });
    for (let i = 0; i < 50; i++) {
      h.observe({
        labels: { route: `/r${i % 5}`, code: "200" },
        value: i / 100,
        // prom-client's types want exemplar label names among the series' own; the runtime does not.
        exemplarLabels: { traceId: `t${i}` } as unknown as Record<"route", string>,
      });
    }
    const g = new client.Gauge({
      name: "lineops_temp_celsius",
      help: "t",
      labelNames: ["station"],
      registers: [reg],
    });
    g.set({ station: 'weld "1"\\a\nb' }, NaN);
    g.set({ station: "x" }, -Infinity);
    const body = await reg.metrics();
    expect(formatFromContentType(reg.contentType)).toBe("openmetrics");
    const values = new Map<string, number>();
    let helpText = "";
    parseExposition(body, "openmetrics", {
      sample: (s, v) => values.set(s, v),
      metadata: (m, kind, text) => {
        if (m === "lineops_request_duration_seconds" && kind === "help") {
          helpText = text;
        }
      },
    });
    expect(values.size).toBe(sampleLines(body.replace(/# EOF$/, "")));
    expect(helpText).toBe('Request "duration" \\ with\nnewline');
    const weld = [...values.entries()].find(([s]) => parseSeriesLabels(s).station === 'weld "1"\\a\nb');
    expect(weld?.[1]).toBeNaN();
    expect(values.get('lineops_temp_celsius{station="x"}')).toBe(-Infinity);
    expect(body).toContain(" # {traceId=");
  });

  it("parses the recorded prom-client fixture", () => {
    const body = readFileSync(path.join(fixtures, "prom-client.om"), "utf8");
    const { series } = parseAll(body, "openmetrics");
    expect(series.length).toBe(sampleLines(body.replace(/# EOF$/, "")));
  });
});
