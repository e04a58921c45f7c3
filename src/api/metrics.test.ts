// lineops's own exposition (/metrics) must stay parseable whatever reaches a label value: the
// router labels series with service and revision, which come from line.yaml and the API.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExposition } from "../monitoring/scrape/parser.js";
import { parseSeriesLabels } from "../monitoring/scrape/parser-series.js";
import { createMetrics } from "./metrics.js";

async function routerSeries(revision: string): Promise<Record<string, string>[]> {
  const metrics = createMetrics(() => undefined);
  metrics.routerRequest({ service: "plc-gateway", group: "stable", revision, code: 200, durationMs: 3 });
  const out: Record<string, string>[] = [];
  parseExposition(await metrics.registry.metrics(), "text", {
    sample: (series) => out.push({ ...parseSeriesLabels(series) }),
  });
  return out.filter((l) => l.__name__ === "lineops_router_requests_total");
}

describe("lineops's own exposition", () => {
  it.each([
    ["quotes", '1.0"} evil{x="y'],
    ["a newline", "1.0\nlineops_fake 1"],
    ["backslashes", "C:\\new\\"],
  ])("escapes %s in router label values so the parser reads them back unchanged", async (_what, revision) => {
    expect(await routerSeries(revision)).toEqual([
      {
        __name__: "lineops_router_requests_total",
        service: "plc-gateway",
        group: "stable",
        revision,
        code: "200",
      },
    ]);
  });

  it("round-trips any non-empty label value", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (revision) => {
        const [series] = await routerSeries(revision);
        expect(series?.revision).toBe(revision);
      }),
      { numRuns: 50 },
    );
  });
});
