// The counters of lineops's own /metrics that the default rule pack alerts on: instance crashes and
// finished deployments (heard on the event bus) and rule evaluations (read from the rule manager).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { EventBus } from "../events/bus.js";
import { loadRuleFile } from "../monitoring/rules/files.js";
import { RuleManager } from "../monitoring/rules/manager.js";
import { Engine } from "../monitoring/promql/engine.js";
import { promqlQuerier } from "../monitoring/query.js";
import { parseExposition } from "../monitoring/scrape/parser.js";
import { parseSeriesLabels } from "../monitoring/scrape/parser-series.js";
import { Tsdb } from "../monitoring/tsdb/tsdb.js";
import type { Instance, InstanceEvent } from "../runtime/types.js";
import { tempDir } from "../test-support/line.js";
import { createMetrics, type MonitoringStats } from "./metrics.js";

async function samples(text: Promise<string>, name: string): Promise<string[]> {
  const out: string[] = [];
  parseExposition(await text, "text", {
    sample: (series, value) => {
      const { __name__, ...labels } = parseSeriesLabels(series);
      if (__name__ === name) {
        out.push(`${JSON.stringify(labels)} ${value}`);
      }
    },
  });
  return out.sort();
}

function instanceEvent(
  type: InstanceEvent["type"],
  state: Instance["state"],
  service = "station-controller",
) {
  const instance: Instance = {
    id: `${service}-1`,
    service,
    revision: "r1",
    version: "1.0.0",
    state,
    host: "127.0.0.1",
    port: 1,
    restarts: 0,
  };
  return { type, instance, at: Date.now() };
}

describe("lineops's alerting counters", () => {
  it("counts unexpected exits, not the ones lineops asked for, from 0", async () => {
    const bus = new EventBus();
    const metrics = createMetrics(() => undefined, undefined, { events: bus });
    bus.emit("line.applied", { services: [{ name: "plc-gateway", revision: "r", created: true }], at: 0 });
    bus.emit("instance", instanceEvent("started", "starting"));
    expect(await samples(metrics.registry.metrics(), "lineops_instance_crashes_total")).toEqual([
      '{"service":"plc-gateway"} 0',
      '{"service":"station-controller"} 0',
    ]);
    bus.emit("instance", instanceEvent("exited", "backoff"));
    bus.emit("instance", instanceEvent("exited", "failed"));
    bus.emit("instance", instanceEvent("exited", "stopping")); // a stop lineops asked for
    expect(await samples(metrics.registry.metrics(), "lineops_instance_crashes_total")).toEqual([
      '{"service":"plc-gateway"} 0',
      '{"service":"station-controller"} 2',
    ]);
  });

  it("counts finished deployments by phase, every phase starting at 0", async () => {
    const bus = new EventBus();
    const metrics = createMetrics(() => undefined, undefined, { events: bus });
    bus.emit("deployment.started", { id: "d1", service: "line-controller", at: 0 });
    bus.emit("deployment.finished", { id: "d1", service: "line-controller", phase: "RolledBack", at: 1 });
    expect(await samples(metrics.registry.metrics(), "lineops_deployments_total")).toEqual([
      '{"service":"line-controller","phase":"Aborted"} 0',
      '{"service":"line-controller","phase":"Failed"} 0',
      '{"service":"line-controller","phase":"RolledBack"} 1',
      '{"service":"line-controller","phase":"Succeeded"} 0',
    ]);
  });

  it("reports rule evaluations and failures by rule_group, kept across a reload", async () => {
    const dir = tempDir();
    const db = Tsdb.open(dir, { autoCompact: false });
    const t = Date.now();
    const app = db.appender();
    // Two series that differ only in their name: `* 1` drops it and the result has duplicates.
    app.append({ __name__: "dup_a" }, t - 1000, 1);
    app.append({ __name__: "dup_b" }, t - 1000, 1);
    app.commit();
    const file = path.join(dir, "rules.yml");
    writeFileSync(
      file,
      `groups:
  - name: broken
    rules:
      - record: duplicated
        expr: '{__name__=~"dup_.*"} * 1'
      - record: fine
        expr: vector(1)
`,
    );
    const rules = new RuleManager(
      promqlQuerier(new Engine({}), db).instant,
      db,
      pino({ level: "silent" }),
      60_000,
    );
    const load = () => rules.load([{ file, groups: loadRuleFile(file).groups }]);
    load();
    const stats: MonitoringStats = {
      headSeries: () => 0,
      samplesAppended: () => 0,
      ruleEvaluations: () => rules.evaluationCounts(),
    };
    const metrics = createMetrics(
      () => undefined,
      () => stats,
    );
    await rules.evaluateAll(t);
    await rules.reload([{ file, groups: loadRuleFile(file).groups }]);
    await rules.evaluateAll(t + 60_000);
    const group = JSON.stringify({ rule_group: `${file};broken` });
    expect(await samples(metrics.registry.metrics(), "lineops_rule_evaluations_total")).toEqual([
      `${group} 4`,
    ]);
    expect(await samples(metrics.registry.metrics(), "lineops_rule_evaluation_failures_total")).toEqual([
      `${group} 2`,
    ]);
    rules.stop();
    db.close();
  });
});
