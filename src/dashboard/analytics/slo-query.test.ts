// SLO per service on PromQL over stored front-door counters: a day of traffic at 10 requests per
// 15 s to "press", 1 % of them 5xx in the last hour only; "mes" has no traffic at all.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { Engine } from "../../monitoring/promql/engine.js";
import { MemoryStorage } from "../../monitoring/promql/test-support/memory-storage.js";
import { promqlQuerier } from "../../monitoring/query.js";
import { errorRatioExpr, querySlo, type SloScope } from "./slo-query.js";

const T0 = Date.parse("2026-03-02T00:00:00Z");
const HOUR = 3_600_000;
const STEPS = 24 * 240; // a day at 15 s
const at = (k: number) => T0 + k * 15_000 + 7_500;
const END = T0 + 24 * HOUR;

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  const app = s.appender();
  const base = {
    __name__: "lineops_router_requests_total",
    job: "lineops",
    service: "press",
    group: "stable",
  };
  let ok = 0;
  let bad = 0;
  for (let k = 0; k < STEPS; k++) {
    const lastHour = k >= STEPS - 240;
    ok += lastHour ? 9.9 : 10;
    bad += lastHour ? 0.1 : 0;
    app.append({ ...base, code: "200" }, at(k), ok);
    app.append({ ...base, code: "503" }, at(k), bad);
  }
  app.commit();
  return s;
}

const scope = (): SloScope => ({
  querier: promqlQuerier(new Engine({}), storage()),
  slo: { window: 24 * HOUR, objective: 99.9, services: { press: { objective: 99.5 } } },
  services: ["press", "mes"],
});

describe("querySlo over stored counters", () => {
  it("computes availability, the remaining budget and burn rates per window", async () => {
    const r = await querySlo(scope(), { toMs: END });
    expect(r.services.map((s) => s.service)).toEqual(["mes", "press"]);
    const press = r.services[1]!;
    expect(press.objective).toBe(99.5);
    // 24 errors in 57,600 requests (increase() extrapolates to the window's ends: within one step).
    expect(press.requests).toBeCloseTo(57_600, -1);
    expect(press.errors).toBeCloseTo(24, 0);
    expect(press.availability!).toBeCloseTo(1 - 24 / 57_600, 4);
    expect(press.budgetRemaining).toBeCloseTo(1 - 24 / (57_600 * 0.005), 2);
    const rate = Object.fromEntries(press.burnRates.map((b) => [b.window, b.rate]));
    // 1 % errors over the last hour at a 0.5 % budget: burning twice too fast; diluted over 6 h and 3 d.
    expect(rate["1h"]!).toBeCloseTo(2, 1);
    expect(rate["6h"]!).toBeCloseTo(2 / 6, 1);
    expect(rate["3d"]!).toBeCloseTo(2 / 24, 2);
    // 2 < 14.4 and 1/3 < 6, but the 3-day ticket threshold is 1: not burning.
    expect(press.burning).toBe(false);
    expect(r.services[0]).toMatchObject({
      service: "mes",
      objective: 99.9,
      requests: 0,
      availability: null,
      budgetRemaining: 1,
    });
    expect(r.services[0]!.burnRates.every((b) => b.rate === null)).toBe(true);
  });

  it("one service; a window too long or empty is refused naming the range", async () => {
    const r = await querySlo(scope(), { toMs: END, service: "press" });
    expect(r.services.map((s) => s.service)).toEqual(["press"]);
    await expect(querySlo(scope(), { toMs: END, fromMs: END - 91 * 24 * HOUR })).rejects.toMatchObject({
      code: "LINEOPS_ERR_ANALYTICS_BAD_RANGE",
    });
    await expect(querySlo(scope(), { toMs: END, fromMs: END })).rejects.toMatchObject({
      code: "LINEOPS_ERR_ANALYTICS_BAD_RANGE",
    });
  });

  it("the error ratio is the expression the shipped recording rules (and so ErrorBudgetBurn) use", () => {
    const file = parseYaml(readFileSync("examples/rules/line.rules.yml", "utf8")) as {
      groups: { rules: { record?: string; expr: string }[] }[];
    };
    const rules = new Map(file.groups.flatMap((g) => g.rules).map((r) => [r.record, r.expr]));
    const squash = (s: string) => s.replace(/\s+/g, " ").trim();
    for (const w of ["5m", "30m", "1h", "6h"]) {
      expect(squash(errorRatioExpr(w))).toBe(
        squash(rules.get(`service:router_request_errors:ratio_rate${w}`)!),
      );
    }
  });
});
