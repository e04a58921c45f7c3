// Recording rules over the real TSDB and PromQL engine: results written back under the rule's
// name, later rules seeing earlier ones, staleness when a series goes away, and file validation.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../config/errors.js";
import { tempDir } from "../../test-support/line.js";
import { isStaleNaN } from "../model.js";
import { Engine, toPrometheusJson } from "../promql/engine.js";
import { Tsdb } from "../tsdb/tsdb.js";
import { loadRuleFile } from "./files.js";
import { promqlQuerier } from "../query.js";
import { RuleManager } from "./manager.js";
import { ManualClock } from "../../test-support/manual-clock.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

/** A rule manager evaluating through a PromQL engine over `db`, as the monitoring engine wires it. */
function rulesOver(db: Tsdb) {
  const engine = new Engine({});
  const rules = new RuleManager(promqlQuerier(engine, db).instant, db, pino({ level: "silent" }), 60_000);
  return { engine, rules };
}

describe("recording rules", () => {
  it("evaluates groups in order and writes results to the TSDB", async () => {
    const db = Tsdb.open(tempDir(), { autoCompact: false });
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 600_000;
    const app = db.appender();
    for (let i = 0; i <= 20; i++) {
      app.append({ __name__: "units_produced_total", station: "1" }, t0 + i * 15_000, i * 3);
      app.append({ __name__: "units_produced_total", station: "2" }, t0 + i * 15_000, i * 6);
    }
    app.commit();
    const { engine, rules } = rulesOver(db);
    rules.load([
      { file: "line-rules.yaml", groups: loadRuleFile(path.join(fixtures, "line-rules.yaml")).groups },
    ]);
    const t = t0 + 300_000;
    await rules.evaluateAll(t);
    const res = toPrometheusJson(await engine.instantQuery(db, "line:units_produced:rate1m", t));
    expect(res).toEqual({
      resultType: "vector",
      result: [
        {
          metric: { __name__: "line:units_produced:rate1m", line: "assembly-line-1" },
          value: [t / 1000, "0.6"],
        },
      ],
    });
    const health = rules.groupHealth()[0];
    expect(health?.rules.map((r) => [r.name, r.health])).toEqual([
      ["station:units_produced:rate1m", "ok"],
      ["line:units_produced:rate1m", "ok"],
    ]);
    db.close();
  });

  it("marks a recorded series stale when the rule stops producing it", async () => {
    const db = Tsdb.open(tempDir(), { autoCompact: false });
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 600_000;
    const app = db.appender();
    app.append({ __name__: "temp", zone: "a" }, t0, 1);
    app.append({ __name__: "temp", zone: "b" }, t0, 2);
    app.commit();
    const { rules } = rulesOver(db);
    rules.load([
      {
        file: "x",
        groups: [
          {
            name: "g",
            limit: 0,
            labels: {},
            rules: [{ record: "hot", expr: "temp > 1", labels: {}, annotations: {} }],
          },
        ],
      },
    ]);
    await rules.evaluateAll(t0 + 1000);
    const late = db.appender();
    late.append({ __name__: "temp", zone: "b" }, t0 + 2000, 0);
    late.commit();
    await rules.evaluateAll(t0 + 3000);
    const [series] = db.querier().select([{ type: "=", name: "__name__", value: "hot" }], 0, t0 + 10_000);
    const { vs } = series?.samples() ?? { vs: new Float64Array() };
    expect(vs.length).toBe(2);
    expect(vs[0]).toBe(2);
    expect(isStaleNaN(vs[1] as number)).toBe(true);
    db.close();
  });

  it("rejects a broken rule file with file:line:col for each problem", () => {
    const file = path.join(fixtures, "bad-rules.yaml");
    let err: ConfigError | undefined;
    try {
      loadRuleFile(file);
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toContain(
      `${file}:8:17: groups[0].rules[2].record: recording rule "not a metric name": invalid recording rule name`,
    );
    expect(loadRuleFile(path.join(fixtures, "line-rules.yaml")).groups[0]?.rules).toHaveLength(2);
  });

  it("reports a bad expression with its position", () => {
    // Schema errors come first; a file whose only problem is the expression shows the parse error.
    const dir = tempDir();
    const file = path.join(dir, "r.yaml");
    writeFileSync(
      file,
      "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: sum(rate(up[5m])\n",
    );
    expect(() => loadRuleFile(file)).toThrow(
      /r\.yaml:5:15: groups\[0\]\.rules\[0\]\.expr: recording rule "a": 1:17: parse error/,
    );
  });
});

describe("group schedule", () => {
  it("runs each evaluation a little after its aligned instant, stamped with the instant, so it sees that instant's scrape", async () => {
    const db = Tsdb.open(tempDir(), { autoCompact: false });
    const engine = new Engine({});
    const start = 1_700_000_000_000 + 250;
    const clock = new ManualClock(start);
    const rules = new RuleManager(promqlQuerier(engine, db).instant, db, pino({ level: "silent" }), 1000, {
      clock,
    });
    rules.load([
      {
        file: "x",
        groups: [
          {
            name: "g",
            limit: 0,
            labels: {},
            rules: [{ record: "seen", expr: "temp", labels: {}, annotations: {} }],
          },
        ],
      },
    ]);
    rules.start();
    const aligned = start - 250 + 1000;
    // Default lag: 100 ms at most, a tenth of the 1 s interval.
    expect(clock.pending()).toEqual([aligned + 100]);
    await clock.advance(aligned - start);
    // A scrape that started at the aligned instant commits its sample 30 ms later.
    await clock.advance(30);
    const app = db.appender();
    app.append({ __name__: "temp" }, aligned, 21);
    app.commit();
    expect(rules.groupHealth()[0]?.lastEvaluation).toBeUndefined();
    await clock.advance(70);
    expect(rules.groupHealth()[0]?.lastEvaluation).toBe(aligned);
    const res = toPrometheusJson(await engine.instantQuery(db, "seen", aligned));
    expect(res).toEqual({
      resultType: "vector",
      result: [{ metric: { __name__: "seen" }, value: [aligned / 1000, "21"] }],
    });
    expect(clock.pending()).toEqual([aligned + 1000 + 100]);
    rules.stop();
    db.close();
  });
});
