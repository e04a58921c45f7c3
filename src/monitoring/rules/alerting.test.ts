// Alerting rules over the real TSDB and PromQL engine, evaluated at explicit times: the lifecycle
// pending -> firing -> resolved, keep_firing_for, ALERTS / ALERTS_FOR_STATE series, what is sent
// and when, state kept in SQLite across a restart (store reopened) and across a reload, Prometheus's
// API shapes, and a 500 ms group on the real clock.
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { RuleGroupConfig } from "../../config/rules-schema.js";
import { AlertStateRepository } from "../../store/alert-state.js";
import { openDb, type Db } from "../../store/db.js";
import { tempDir } from "../../test-support/line.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { isStaleNaN } from "../model.js";
import { Engine } from "../promql/engine.js";
import { promqlQuerier } from "../query.js";
import { Tsdb } from "../tsdb/tsdb.js";
import type { AlertForDispatch, ExpandTemplate } from "./alert.js";
import { alertsJson, rulesJson } from "./json.js";
import { RuleManager, type AlertingOptions } from "./manager.js";

const MIN = 60_000;
/** A whole minute well inside the TSDB's head. */
const T0 = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;

/** Test double of the Go template engine: $labels.x and $value only; "{{ fail }}" is an error. */
const expand: ExpandTemplate = (text, _name, data) => {
  if (text.includes("{{ fail }}")) {
    return Promise.reject(new Error('template: __alert_x:1: function "fail" not defined'));
  }
  return Promise.resolve(
    text
      .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_m, n: string) => data.labels[n] ?? "")
      .replace(/\{\{\s*\$value\s*\}\}/g, String(data.value)),
  );
};

const open: { close(): void }[] = [];
afterEach(() => {
  open.splice(0).forEach((x) => x.close());
});

function setup(o: { dir?: string; withStore?: boolean; now?: number; clock?: ManualClock } = {}) {
  const dir = o.dir ?? tempDir();
  const db = Tsdb.open(`${dir}/tsdb`, { autoCompact: false });
  let sql: Db | undefined;
  if (o.withStore) {
    sql = openDb(dir);
    open.push(sql);
  }
  open.push(db);
  const sent: AlertForDispatch[][] = [];
  const rules = new RuleManager(
    promqlQuerier(new Engine({}), db).instant,
    db,
    pino({ level: "silent" }),
    MIN,
    {
      expand,
      notify: (a) => sent.push(a),
      externalURL: "http://lineops:9090",
      ...(sql ? { store: new AlertStateRepository(sql) } : {}),
      ...(o.clock ? { clock: o.clock } : o.now !== undefined ? { clock: new ManualClock(o.now) } : {}),
    } satisfies AlertingOptions,
  );
  const temp = (zone: string, t: number, v: number) => {
    const app = db.appender();
    app.append({ __name__: "temp", zone }, t, v);
    app.commit();
  };
  const series = (name: string) =>
    db
      .querier()
      .select([{ type: "=", name: "__name__", value: name }], 0, Date.now() + MIN)
      .map((s) => {
        // Values stay in their Float64Array: V8 canonicalises a NaN copied into a JS array, which
        // would erase the staleness marker's bit pattern.
        const { ts, vs } = s.samples();
        return { labels: s.labels, points: [...ts].map((t, i) => [t, vs[i] as number] as const), vs };
      });
  return { dir, db, rules, sent, temp, series };
}

const group = (rules: RuleGroupConfig["rules"], extra: Partial<RuleGroupConfig> = {}): RuleGroupConfig => ({
  name: "line",
  limit: 0,
  labels: {},
  rules,
  ...extra,
});

const hot = (extra: Partial<RuleGroupConfig["rules"][number]> = {}) => ({
  alert: "Hot",
  expr: "temp > 50",
  for: 2 * MIN,
  labels: { severity: "page" },
  annotations: { summary: "zone {{ $labels.zone }} at {{ $value }}" },
  ...extra,
});

describe("alerting rules", () => {
  it("go pending, then firing after `for`, then resolved, writing ALERTS and sending as Prometheus", async () => {
    const { rules, sent, temp, series } = setup();
    rules.load([{ file: "r.yaml", groups: [group([hot()])] }]);
    for (let i = 0; i <= 4; i++) {
      temp("a", T0 + i * MIN - 1000, 60 + i);
    }
    await rules.evaluateAll(T0);
    const labels = { alertname: "Hot", severity: "page", zone: "a" };
    expect(alertsJson(rules.groupHealth()).alerts).toEqual([
      {
        labels,
        annotations: { summary: "zone a at 60" },
        state: "pending",
        activeAt: new Date(T0).toISOString().replace(".000Z", "Z"),
        value: "6e+01",
      },
    ]);
    expect(sent).toEqual([]); // pending alerts are never sent
    await rules.evaluateAll(T0 + MIN);
    expect(rules.groupHealth()[0]?.rules[0]?.alerting?.state()).toBe("pending");
    await rules.evaluateAll(T0 + 2 * MIN);
    expect(rules.groupHealth()[0]?.rules[0]?.alerting?.state()).toBe("firing");
    const gen = "http://lineops:9090/graph?g0.expr=temp+%3E+50&g0.tab=1";
    expect(sent).toEqual([
      [
        {
          labels,
          annotations: { summary: "zone a at 62" },
          startsAt: T0 + 2 * MIN,
          endsAt: T0 + 2 * MIN + 4 * MIN, // 4 x max(interval 1m, resendDelay 1m)
          generatorURL: gen,
        },
      ],
    ]);
    // Resent only once resendDelay (1m) has fully passed: not at +30s, then at +1m30s.
    await rules.evaluateAll(T0 + 2 * MIN + 30_000);
    expect(sent).toHaveLength(1);
    await rules.evaluateAll(T0 + 3 * MIN + 30_000);
    expect(sent).toHaveLength(2);
    // The condition clears: resolved, the resolve sent at once with endsAt = resolvedAt.
    temp("a", T0 + 4 * MIN, 10);
    await rules.evaluateAll(T0 + 4 * MIN);
    expect(alertsJson(rules.groupHealth()).alerts).toEqual([]);
    expect(sent.at(-1)).toEqual([
      expect.objectContaining({ labels, startsAt: T0 + 2 * MIN, endsAt: T0 + 4 * MIN }),
    ]);
    // ALERTS: pending (1) at T0 and T0+1m, then firing, then both stale; ALERTS_FOR_STATE = activeAt in s.
    const alerts = series("ALERTS");
    const pending = alerts.find((s) => s.labels.alertstate === "pending");
    const firing = alerts.find((s) => s.labels.alertstate === "firing");
    expect(pending?.labels).toEqual({ __name__: "ALERTS", alertstate: "pending", ...labels });
    expect(pending?.points.slice(0, 2)).toEqual([
      [T0, 1],
      [T0 + MIN, 1],
    ]);
    expect(isStaleNaN(pending?.vs[2] as number)).toBe(true);
    expect(firing?.points.map(([t]) => t)).toEqual([
      T0 + 2 * MIN,
      T0 + 2 * MIN + 30_000,
      T0 + 3 * MIN + 30_000,
      T0 + 4 * MIN,
    ]);
    expect(isStaleNaN(firing?.vs.at(-1) as number)).toBe(true);
    const forState = series("ALERTS_FOR_STATE")[0];
    expect(forState?.labels).toEqual({ __name__: "ALERTS_FOR_STATE", ...labels });
    expect(forState?.points[0]).toEqual([T0, T0 / 1000]);
    // Resolved alerts are re-sent every resendDelay for 15 minutes, then dropped.
    temp("a", T0 + 10 * MIN, 10);
    await rules.evaluateAll(T0 + 5 * MIN + 1);
    expect(sent).toHaveLength(4);
    await rules.evaluateAll(T0 + 20 * MIN);
    expect(rules.groupHealth()[0]?.rules[0]?.alerting?.active.size).toBe(0);
  });

  it("keep firing for keep_firing_for after the condition clears", async () => {
    const { rules, temp } = setup();
    rules.load([{ file: "r.yaml", groups: [group([hot({ for: 0, keep_firing_for: 2 * MIN })])] }]);
    temp("a", T0 - 1000, 60);
    await rules.evaluateAll(T0);
    const rule = () => rules.groupHealth()[0]?.rules[0]?.alerting;
    expect(rule()?.state()).toBe("firing"); // for: 0 fires at the first evaluation
    temp("a", T0 + MIN - 1000, 10);
    await rules.evaluateAll(T0 + MIN);
    expect(rule()?.state()).toBe("firing");
    expect(alertsJson(rules.groupHealth()).alerts[0]?.keepFiringSince).toBe(
      new Date(T0 + MIN).toISOString().replace(".000Z", "Z"),
    );
    await rules.evaluateAll(T0 + 2 * MIN);
    expect(rule()?.state()).toBe("firing");
    await rules.evaluateAll(T0 + 3 * MIN);
    expect(rule()?.state()).toBe("inactive");
  });

  it("record a template error as Prometheus does and a duplicate label set as the rule's error", async () => {
    const { rules, temp } = setup();
    rules.load([
      {
        file: "r.yaml",
        groups: [
          group([
            hot({ for: 0, annotations: { summary: "{{ fail }}" } }),
            { alert: "Dup", expr: "temp", labels: { zone: "same" }, annotations: {} },
          ]),
        ],
      },
    ]);
    temp("a", T0 - 1000, 60);
    temp("b", T0 - 1000, 70);
    await rules.evaluateAll(T0);
    const [h, dup] = rules.groupHealth()[0]?.rules ?? [];
    expect(alertsJson(rules.groupHealth()).alerts[0]?.annotations.summary).toBe(
      '<error expanding template: template: __alert_x:1: function "fail" not defined>',
    );
    expect(h?.health).toBe("ok");
    expect([dup?.health, dup?.lastError]).toEqual([
      "err",
      "vector contains metrics with the same labelset after applying alert labels",
    ]);
  });

  it("expand templates with Prometheus's data, the external URL read at each evaluation", async () => {
    const db = Tsdb.open(tempDir(), { autoCompact: false });
    open.push(db);
    const calls: unknown[] = [];
    let url = "http://a:9090";
    const sent: AlertForDispatch[][] = [];
    const rules = new RuleManager(
      promqlQuerier(new Engine({}), db).instant,
      db,
      pino({ level: "silent" }),
      MIN,
      {
        expand: (text, name, data) => {
          calls.push([text, name, data]);
          return Promise.resolve(text.toUpperCase());
        },
        notify: (a) => sent.push(a),
        externalLabels: { plant: "p1" },
        externalURL: () => url,
      },
    );
    rules.load([{ file: "r.yaml", groups: [group([hot({ for: 0, labels: { team: "line" } })])] }]);
    const app = db.appender();
    app.append({ __name__: "temp", zone: "a" }, T0 - 1000, 60);
    app.commit();
    await rules.evaluateAll(T0);
    const data = {
      labels: { __name__: "temp", zone: "a" }, // the sample as the query returned it, as Prometheus
      value: 60,
      externalLabels: { plant: "p1" },
      externalURL: "http://a:9090",
    };
    expect(calls).toEqual([
      ["line", "__alert_Hot", data],
      ["zone {{ $labels.zone }} at {{ $value }}", "__alert_Hot", data],
    ]);
    expect(sent[0]?.[0]?.labels).toEqual({ alertname: "Hot", team: "LINE", zone: "a" });
    url = "http://b:9090";
    await rules.evaluateAll(T0 + 2 * MIN);
    expect(sent[1]?.[0]?.generatorURL).toMatch(/^http:\/\/b:9090\/graph\?/);
  });

  it("serve /api/v1/rules and /api/v1/alerts in Prometheus's exact shapes", async () => {
    const { rules, temp } = setup();
    rules.load([
      {
        file: "r.yaml",
        groups: [
          group([
            hot({ keep_firing_for: 30_000 }),
            { record: "zone:temp", expr: "temp", labels: {}, annotations: {} },
          ]),
        ],
      },
    ]);
    temp("a", T0 - 1000, 60.5);
    await rules.evaluateAll(T0 + 500);
    const groups = rules.groupHealth().map((g) => ({
      ...g,
      evaluationTimeMs: 0,
      rules: g.rules.map((r) => Object.assign(r, { evaluationTimeMs: 0 })),
    }));
    const at = new Date(T0 + 500).toISOString().replace("00Z", "Z");
    const alert = {
      labels: { alertname: "Hot", severity: "page", zone: "a" },
      annotations: { summary: "zone a at 60.5" },
      state: "pending",
      activeAt: at,
      value: "6.05e+01",
    };
    expect(JSON.parse(JSON.stringify(rulesJson(groups)))).toEqual({
      groups: [
        {
          name: "line",
          file: "r.yaml",
          rules: [
            {
              state: "pending",
              name: "Hot",
              query: "temp > 50",
              duration: 120,
              keepFiringFor: 30,
              labels: { severity: "page" },
              annotations: { summary: "zone {{ $labels.zone }} at {{ $value }}" },
              alerts: [alert],
              health: "ok",
              evaluationTime: 0,
              lastEvaluation: at,
              type: "alerting",
            },
            {
              name: "zone:temp",
              query: "temp",
              labels: {},
              health: "ok",
              evaluationTime: 0,
              lastEvaluation: at,
              type: "recording",
            },
          ],
          interval: 60,
          limit: 0,
          evaluationTime: 0,
          lastEvaluation: at,
        },
      ],
    });
    expect(JSON.parse(JSON.stringify(alertsJson(groups)))).toEqual({ alerts: [alert] });
    expect(rulesJson(groups, { type: "record" }).groups[0]?.rules.map((r) => r.type)).toEqual(["recording"]);
    expect(rulesJson(groups, { type: "alert", excludeAlerts: "true" }).groups[0]?.rules).toEqual([
      expect.objectContaining({ type: "alerting", alerts: null }),
    ]);
    expect(rulesJson(groups, { ruleGroup: ["other"] })).toEqual({ groups: [] });
    expect(() => rulesJson(groups, { type: "alerts" })).toThrow(
      'invalid parameter "type": not supported value "alerts"',
    );
  });
});

describe("alert state across restarts and reloads", () => {
  const files = (rs: RuleGroupConfig["rules"]) => [{ file: "r.yaml", groups: [group(rs)] }];

  it("keeps firing alerts firing, `for` progress of pending ones, and sends the resolve of one that cleared meanwhile", async () => {
    const dir = tempDir();
    const first = setup({ dir, withStore: true });
    const rs = [
      { ...hot({ alert: "Slow", for: 30 * MIN }), expr: 'temp{zone="a"} > 50' },
      { ...hot({ alert: "Fast", for: 0 }), expr: 'temp{zone="a"} > 50' },
      { ...hot({ alert: "Gone", for: 0 }), expr: 'temp{zone="b"} > 50' },
    ];
    first.rules.load(files(rs));
    first.temp("a", T0 - 1000, 60);
    first.temp("b", T0 - 1000, 60);
    await first.rules.evaluateAll(T0);
    await first.rules.evaluateAll(T0 + MIN);
    expect(first.sent.flat().map((a) => a.labels.alertname)).toEqual(["Fast", "Gone"]);
    first.temp("b", T0 + 2 * MIN - 1000, 0);
    // Gone without any shutdown step of the rule manager: the store was written at each evaluation.
    open.splice(0).forEach((x) => x.close());

    // Back 5 minutes after the last evaluation.
    const back = T0 + 6 * MIN;
    const second = setup({ dir, withStore: true, now: back });
    second.rules.load(files(rs));
    const byName = (n: string) =>
      second.rules
        .groupHealth()[0]
        ?.rules.find((r) => r.name === n)
        ?.alerting?.active.values()
        .next().value;
    expect(byName("Fast")).toMatchObject({ state: "firing", activeAt: T0, firedAt: T0, lastSentAt: T0 });
    // Pending 1m of 30m when it went down at T0+1m: the 5 minutes down do not count.
    expect(byName("Slow")).toMatchObject({ state: "pending", activeAt: T0 + 5 * MIN });
    second.temp("a", back - 1000, 61);
    await second.rules.evaluateAll(back);
    expect(byName("Fast")).toMatchObject({ state: "firing", activeAt: T0 });
    // Fast was last sent at T0+1m (resend due), Gone's condition cleared: its resolve goes out now.
    expect(second.sent.flat().map((a) => [a.labels.alertname, a.endsAt === back])).toEqual([
      ["Fast", false],
      ["Gone", true],
    ]);
    expect(byName("Slow")).toMatchObject({ state: "pending" });
  });

  it("does not resend a restored firing alert before resendDelay", async () => {
    const dir = tempDir();
    const first = setup({ dir, withStore: true });
    first.rules.load(files([hot({ for: 0 })]));
    first.temp("a", T0 - 1000, 60);
    await first.rules.evaluateAll(T0);
    expect(first.sent).toHaveLength(1);
    open.splice(0).forEach((x) => x.close());
    const second = setup({ dir, withStore: true, now: T0 + 20_000 });
    second.rules.load(files([hot({ for: 0 })]));
    await second.rules.evaluateAll(T0 + 30_000);
    expect(second.sent).toEqual([]);
    expect(alertsJson(second.rules.groupHealth()).alerts.map((a) => a.state)).toEqual(["firing"]);
  });

  it("restores `for` with Prometheus's grace period and outage tolerance", async () => {
    const cases: [forMs: number, downMs: number, expected: number | undefined][] = [
      [30 * MIN, 5 * MIN, T0 + 5 * MIN], // shifted by the outage
      [10.5 * MIN, 5 * MIN, T0 + 6 * MIN + 10 * MIN - 10.5 * MIN], // at least the grace period left
      [5 * MIN, 1 * MIN, undefined], // for < grace: not restored, starts over
      [30 * MIN, 61 * MIN, undefined], // outage beyond the 1h tolerance
    ];
    for (const [forMs, downMs, expected] of cases) {
      const dir = tempDir();
      const first = setup({ dir, withStore: true });
      first.rules.load(files([hot({ for: forMs })]));
      first.temp("a", T0 - 1000, 60);
      await first.rules.evaluateAll(T0);
      await first.rules.evaluateAll(T0 + MIN);
      open.splice(0).forEach((x) => x.close());
      const second = setup({ dir, withStore: true, now: T0 + MIN + downMs });
      second.rules.load(files([hot({ for: forMs })]));
      const a = second.rules.groupHealth()[0]?.rules[0]?.alerting?.active.values().next().value;
      expect([forMs, downMs, a?.activeAt]).toEqual([forMs, downMs, expected]);
    }
  });

  it("keeps the state of rules that survive a reload and drops those of removed rules", async () => {
    const dir = tempDir();
    const reloadAt = T0 + 30_000;
    const { rules, temp, series, sent } = setup({ dir, withStore: true, now: reloadAt });
    rules.load(files([hot({ for: 0 }), hot({ alert: "Removed", for: 0 })]));
    temp("a", T0 - 1000, 60);
    await rules.evaluateAll(T0);
    expect(sent.flat().map((a) => a.labels.alertname)).toEqual(["Hot", "Removed"]);
    sent.length = 0;
    rules.load(files([hot({ for: 0, annotations: { summary: "changed" } })]));
    // The removed rule's alert is resolved at the reload, not left to time out at the receiver.
    expect(sent.flat().map((a) => [a.labels.alertname, a.startsAt, a.endsAt])).toEqual([
      ["Removed", T0, reloadAt],
    ]);
    const store = new AlertStateRepository(openDb(dir));
    expect(store.load().map((a) => [a.labels.alertname, a.state])).toEqual([["Hot", "firing"]]);
    await rules.evaluateAll(T0 + MIN);
    expect(alertsJson(rules.groupHealth()).alerts).toEqual([
      expect.objectContaining({
        state: "firing",
        activeAt: new Date(T0).toISOString().replace(".000Z", "Z"),
      }),
    ]);
    // The removed rule's ALERTS series is marked stale at the first evaluation after the reload.
    const removed = series("ALERTS").find((s) => s.labels.alertname === "Removed");
    expect(isStaleNaN(removed?.vs.at(-1) as number)).toBe(true);
  });

  it("resolves the notified alerts of a removed group, and never the pending ones", async () => {
    const reloadAt = T0 + 30_000;
    const { rules, temp, sent } = setup({ now: reloadAt });
    rules.load(files([hot({ for: 0 }), hot({ alert: "Pending", for: 10 * MIN })]));
    temp("a", T0 - 1000, 60);
    await rules.evaluateAll(T0);
    sent.length = 0;
    rules.load([]);
    expect(sent.flat().map((a) => [a.labels.alertname, a.endsAt])).toEqual([["Hot", reloadAt]]);
  });

  it("does not resolve the alerts of a rule that moved to another group", async () => {
    const { rules, temp, sent } = setup({ now: T0 + 30_000 });
    rules.load(files([hot({ for: 0 })]));
    temp("a", T0 - 1000, 60);
    await rules.evaluateAll(T0);
    sent.length = 0;
    rules.load([{ file: "r.yaml", groups: [group([hot({ for: 0 })], { name: "elsewhere" })] }]);
    expect(sent).toEqual([]);
  });
});

describe("reload while evaluating", () => {
  it("waits for the evaluation in progress, so the reloaded rule takes over its result", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const query = async () => {
      await gate;
      return { type: "vector" as const, samples: [{ labels: { zone: "a" }, t: T0, v: 60 }] };
    };
    const db = Tsdb.open(tempDir(), { autoCompact: false });
    open.push(db);
    const rules = new RuleManager(query, db, pino({ level: "silent" }), MIN);
    rules.load([{ file: "r.yaml", groups: [group([hot({ for: 0 })])] }]);
    const evaluation = rules.evaluateAll(T0);
    expect(() => rules.load([])).toThrow(/reload\(\)/);
    let reloaded = false;
    const reload = rules.reload([{ file: "r.yaml", groups: [group([hot({ for: 0 })])] }]).then(() => {
      reloaded = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(reloaded).toBe(false);
    release();
    await Promise.all([evaluation, reload]);
    expect(alertsJson(rules.groupHealth()).alerts.map((a) => [a.labels.zone, a.state])).toEqual([
      ["a", "firing"],
    ]);
  });
});

describe("sub-second groups", () => {
  it("evaluate a 500ms group at every aligned 500ms tick: `for: 1s` fires at the third (manual clock)", async () => {
    const clock = new ManualClock(T0 + 100);
    const { rules, temp } = setup({ clock });
    temp("a", T0, 60);
    rules.load([{ file: "r.yaml", groups: [group([hot({ for: 1000 })], { interval: 500 })] }]);
    rules.start();
    try {
      const states: string[] = [];
      for (let i = 0; i < 4; i++) {
        await clock.advance(500);
        const g = rules.groupHealth()[0];
        states.push(`${(g?.lastEvaluation ?? 0) - T0}:${g?.rules[0]?.alerting?.state()}`);
      }
      expect(states).toEqual(["500:pending", "1000:pending", "1500:firing", "2000:firing"]);
    } finally {
      rules.stop();
    }
  });

  it("evaluate a 500ms group on the real clock: `for: 1s` fires within three seconds", async () => {
    const { rules, temp } = setup();
    temp("a", Date.now(), 60);
    rules.load([{ file: "r.yaml", groups: [group([hot({ for: 1000 })], { interval: 500 })] }]);
    rules.start();
    try {
      const seen: string[] = [];
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && seen.at(-1) !== "firing") {
        await new Promise((r) => setTimeout(r, 50));
        const a = alertsJson(rules.groupHealth()).alerts[0];
        if (a && a.state !== seen.at(-1)) {
          seen.push(a.state);
        }
      }
      expect(seen).toEqual(["pending", "firing"]);
      expect((rules.groupHealth()[0]?.lastEvaluation ?? 0) % 500).toBe(0); // aligned to the interval
    } finally {
      rules.stop();
    }
  });
});
