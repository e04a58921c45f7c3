// The autoscaler loop over a ScaleTarget and a querier held in the test: per-instance readings by
// instance_id, the decision recorded (bounded), published and exported, the scale applied, a
// rollout holding the count, a query that is not per instance refused by name, manual bounds.
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { AutoscalingSpec } from "../../config/autoscaling-schema.js";
import { autoscalingSchema } from "../../config/autoscaling-schema.js";
import { EventBus } from "../../events/bus.js";
import type { QueryValue } from "../../monitoring/index.js";
import type { Instance } from "../../runtime/index.js";
import { Autoscaler } from "./autoscaler.js";
import type { ScaleTarget } from "./types.js";

const NOW = 50_000_000;

function setup(
  spec: AutoscalingSpec,
  values: Record<string, number>,
  opts: { rolling?: boolean; labelled?: boolean } = {},
) {
  let desired = 2;
  const scaled: number[] = [];
  const target: ScaleTarget = {
    hasService: (s) => s === "api",
    autoscaled: () => [{ service: "api", autoscaling: spec, resources: { cpu: "500m" } }],
    replicas: () => ({ desired, current: desired, ready: desired, rolling: opts.rolling ?? false }),
    scale: async (_s, n) => {
      scaled.push(n);
      const from = desired;
      desired = n;
      return { from, replicas: n, deferred: false };
    },
  };
  const instances = (): Instance[] =>
    Array.from({ length: desired }, (_, k) => ({
      id: `api-${k}`,
      service: "api",
      revision: "r",
      version: "1",
      state: "ready",
      host: "127.0.0.1",
      port: 1000 + k,
      restarts: 0,
      startedAt: NOW - 3_600_000,
      readySince: NOW - 3_500_000,
    }));
  const queries: string[] = [];
  const querier = {
    instant: async (q: string): Promise<QueryValue> => {
      queries.push(q);
      return {
        type: "vector",
        samples: Object.entries(values).map(([id, v]) => ({
          labels: (opts.labelled === false
            ? { service: "api" }
            : { instance_id: id, service: "api" }) as Record<string, string>,
          t: NOW,
          v,
        })),
      };
    },
    range: async (): Promise<QueryValue> => ({ type: "matrix", series: [] }),
  };
  const bus = new EventBus();
  const events: string[] = [];
  bus.on("autoscaler.decision", (e) => events.push(`${e.reason} ${e.currentReplicas}->${e.desiredReplicas}`));
  const registry = new Registry();
  const a = new Autoscaler({
    target,
    querier,
    instances,
    bus,
    logger: pino({ level: "silent" }),
    registry,
    now: () => NOW,
  });
  return { a, scaled, events, registry, queries };
}

const cpu = autoscalingSchema.parse({
  maxReplicas: 10,
  metrics: [{ type: "resource", name: "cpu", targetUtilization: 50 }],
});

describe("Autoscaler", () => {
  it("scales on CPU utilisation against the request, records, publishes and exports the decision", async () => {
    // 2 instances at 0.5 cores of a 0.5-core request = 100 % against 50 % -> 4.
    const { a, scaled, events, registry, queries } = setup(cpu, { "api-0": 0.5, "api-1": 0.5 });
    const [d] = await a.tick();
    expect(d).toMatchObject({ recommendation: 4, desiredReplicas: 4, applied: true, reason: "scale_up" });
    expect(d?.metrics[0]).toMatchObject({ metric: "cpu", target: 50, observed: 100, proposal: 4 });
    expect(queries[0]).toBe(
      'sum without (mode) (rate(lineops_instance_cpu_seconds_total{service="api"}[1m]))',
    );
    await new Promise((r) => setImmediate(r));
    expect(scaled).toEqual([4]);
    expect(events).toEqual(["scale_up 2->4"]);
    const text = await registry.metrics();
    expect(text).toContain('lineops_autoscaler_desired_replicas{service="api"} 4');
    expect(text).toContain('lineops_autoscaler_decisions_total{service="api",reason="scale_up"} 1');
    expect(a.history("api")[0]).toBe(d);
  });

  it("holds while a rollout owns the count", async () => {
    const { a, scaled } = setup(cpu, { "api-0": 0.5, "api-1": 0.5 }, { rolling: true });
    expect((await a.tick())[0]).toMatchObject({ reason: "rollout_in_progress", applied: false });
    expect(scaled).toEqual([]);
  });

  it("refuses a PromQL metric that is not per instance, naming it", async () => {
    const spec = autoscalingSchema.parse({
      maxReplicas: 5,
      metrics: [{ type: "pods", name: "rps", query: "sum(rate(x[1m]))", targetAverageValue: 10 }],
    });
    const { a, scaled } = setup(spec, { all: 100 }, { labelled: false });
    const [d] = await a.tick();
    expect(d).toMatchObject({ reason: "metrics_unavailable", desiredReplicas: 2 });
    expect(d?.metrics[0]?.error).toMatch(/metric rps: .*instance_id/);
    expect(scaled).toEqual([]);
  });

  it("a scale by hand stays within the autoscaler's bounds while it is on", async () => {
    const { a } = setup(cpu, {});
    await expect(a.scale("api", 11, "test")).rejects.toMatchObject({
      code: "LINEOPS_ERR_SCALE_OUT_OF_BOUNDS",
    });
    await expect(a.scale("nope", 1, "test")).rejects.toMatchObject({
      code: "LINEOPS_ERR_SCALE_UNKNOWN_SERVICE",
    });
    await expect(a.scale("api", 3, "test")).resolves.toMatchObject({ from: 2, replicas: 3 });
  });

  it("rejects bad specs naming the field", () => {
    const issues = (v: unknown) =>
      autoscalingSchema.safeParse(v).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(
      issues({
        minReplicas: 5,
        maxReplicas: 2,
        metrics: [{ type: "resource", name: "cpu", targetUtilization: 50 }],
      }),
    ).toEqual([expect.stringMatching(/^minReplicas: .*maxReplicas/)]);
    expect(
      issues({ maxReplicas: 2, metrics: [{ type: "resource", name: "gpu", targetUtilization: 50 }] })[0],
    ).toMatch(/^metrics\.0\.name/);
    expect(
      issues({ maxReplicas: 2, metrics: [{ type: "resource", name: "cpu", targetUtilization: 0 }] })[0],
    ).toMatch(/^metrics\.0\.targetUtilization/);
  });
});
