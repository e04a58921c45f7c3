// The line overview's pure parts: station and service health, the dependency columns, the event
// feed and the firing set, and the live client's merge of incremental query pushes.
import { describe, expect, it } from "vitest";
import { mergePush, type QueryPush } from "../../api/live.js";
import {
  applyAlert,
  applyInstance,
  columns,
  feedItem,
  lineHealth,
  pushFeed,
  serviceView,
  stationStates,
  stationView,
  type InstanceInfo,
  type ServiceInfo,
} from "./model.js";

const inst = (id: string, state: InstanceInfo["state"], extra: Partial<InstanceInfo> = {}): InstanceInfo => ({
  id,
  service: "station-controller",
  revision: "r1",
  version: "1.0.0",
  state,
  ...extra,
});

const stations: ServiceInfo = {
  name: "station-controller",
  version: "1.0.0",
  revision: "r1",
  revisionNumber: 1,
  desired: 2,
  dependsOn: ["plc-gateway"],
  stations: ["1", "2"],
  instanceList: [inst("sc-1", "ready", { station: "1" }), inst("sc-2", "ready", { station: "2" })],
};

describe("health", () => {
  it("a station is down when jammed or faulted, or when its instance is gone; never healthy without a state", () => {
    expect(stationView("1", inst("a", "ready"), "running")).toMatchObject({
      health: "healthy",
      detail: "Running",
    });
    expect(stationView("1", inst("a", "ready"), "jammed")).toMatchObject({
      health: "down",
      detail: "Jammed",
    });
    expect(stationView("1", inst("a", "ready"), "faulted")).toMatchObject({
      health: "down",
      detail: "Faulted",
    });
    expect(stationView("1", undefined, "idle")).toMatchObject({ health: "down", detail: "no instance" });
    expect(stationView("1", inst("a", "backoff"), "idle").health).toBe("down");
    expect(stationView("1", inst("a", "unready"), "idle").health).toBe("degraded");
    expect(stationView("1", inst("a", "ready"), undefined).health).toBe("unknown");
  });

  it("a service with one station down is degraded and names it; all down is down; a rollout is deploying", () => {
    const ok = new Map([
      ["1", "idle"],
      ["2", "running"],
    ] as const);
    expect(serviceView(stations, ok, false)).toMatchObject({ health: "healthy", ready: 2, desired: 2 });
    const one = serviceView(stations, new Map([...ok, ["1", "jammed"] as const]), false);
    expect(one).toMatchObject({ health: "degraded", detail: "station 1 down" });
    expect(one.stations.map((s) => s.health)).toEqual(["down", "healthy"]);
    const both = new Map([
      ["1", "jammed"],
      ["2", "faulted"],
    ] as const);
    expect(serviceView(stations, both, false).health).toBe("down");
    expect(serviceView(stations, ok, true).health).toBe("deploying");
    expect(serviceView({ ...stations, instanceList: [] }, ok, false)).toMatchObject({
      health: "down",
      detail: "no instance ready",
    });
    expect(lineHealth([serviceView(stations, ok, false), one])).toBe("degraded");
  });

  it("lists the versions the live instances run, standbys left out", () => {
    const svc: ServiceInfo = {
      ...stations,
      stations: [],
      instanceList: [
        inst("a", "ready"),
        inst("b", "ready", { revision: "r2", version: "1.1.0" }),
        inst("c", "ready", { revision: "r0", version: "0.9.0", standby: true }),
      ],
    };
    expect(serviceView(svc, new Map(), false).versions).toEqual([
      { version: "1.0.0", revision: "r1", count: 1 },
      { version: "1.1.0", revision: "r2", count: 1 },
    ]);
  });

  it("reads station_state == 1's series, the worse state of two instances of one station winning", () => {
    const s = stationStates([
      { metric: { station: "1", state: "idle" } },
      { metric: { station: "1", state: "jammed" } },
      { metric: { station: "2", state: "running" } },
      { metric: { station: "3", state: "bogus" } },
    ]);
    expect([...s]).toEqual([
      ["1", "jammed"],
      ["2", "running"],
    ]);
  });
});

describe("live updates of the snapshot", () => {
  it("an instance event replaces the instance, adds a new one, and drops a stopped one", () => {
    const failed = applyInstance([stations], inst("sc-1", "failed", { station: "1", reason: "exit 1" }));
    expect(failed[0]!.instanceList.find((i) => i.id === "sc-1")).toMatchObject({
      state: "failed",
      reason: "exit 1",
    });
    const added = applyInstance(failed, inst("sc-3", "starting", { station: "1" }));
    expect(added[0]!.instanceList.map((i) => i.id)).toEqual(["sc-1", "sc-2", "sc-3"]);
    expect(applyInstance(added, inst("sc-1", "stopped"))[0]!.instanceList.map((i) => i.id)).toEqual([
      "sc-2",
      "sc-3",
    ]);
  });

  it("a rule alert joins the firing set when firing and leaves it when inactive; pending is not shown", () => {
    const labels = { alertname: "StationJammed", station: "1", severity: "critical" };
    const on = applyAlert(new Map(), {
      source: "rule",
      state: "firing",
      labels,
      annotations: { summary: "x" },
    });
    expect([...on.values()]).toMatchObject([{ labels, annotations: { summary: "x" } }]);
    expect(applyAlert(on, { source: "rule", state: "inactive", labels }).size).toBe(0);
    expect(applyAlert(new Map(), { source: "rule", state: "pending", labels }).size).toBe(0);
    expect(applyAlert(on, { source: "dispatcher", labels, status: { state: "resolved" } }).size).toBe(1);
  });

  it("puts events in words, newest first, without duplicates or analysis samples", () => {
    const jam = feedItem(
      "alert",
      {
        source: "rule",
        state: "firing",
        labels: { alertname: "StationJammed", station: "1", severity: "critical" },
      },
      "run-7",
      1000,
    );
    expect(jam).toMatchObject({ severity: "critical", text: "StationJammed (station 1) firing" });
    const crash = feedItem(
      "instance",
      { type: "failed", at: 5, instance: inst("sc-2", "failed", { station: "2", reason: "crash loop" }) },
      "run-8",
      1000,
    );
    expect(crash).toMatchObject({ at: 5, severity: "critical", text: "sc-2 (station 2) failed: crash loop" });
    expect(feedItem("deployment", { kind: "event.analysis", service: "x" }, "run-9", 1)).toBeUndefined();
    // The dispatcher's copy of the same alert is not said twice; a silence is news.
    const copy = { source: "dispatcher", labels: { alertname: "StationJammed" } };
    expect(feedItem("alert", { ...copy, status: { state: "active" } }, "run-11", 1)).toBeUndefined();
    expect(feedItem("alert", { ...copy, status: { state: "suppressed" } }, "run-12", 1)).toMatchObject({
      text: "StationJammed silenced",
    });
    expect(
      feedItem("deployment", { kind: "finished", service: "x", phase: "Succeeded" }, "run-10", 1),
    ).toMatchObject({
      severity: "ok",
      text: "Deployment of x finished: Succeeded",
    });
    const feed = pushFeed(pushFeed(pushFeed([], jam), crash), jam);
    expect(feed.map((f) => f.key)).toEqual(["run-8", "run-7"]);
    let many = feed;
    for (let i = 0; i < 60; i++) {
      many = pushFeed(many, { key: `k${i}`, at: i, kind: "instance", severity: "info", text: "" });
    }
    expect(many).toHaveLength(50);
    expect(many[0]!.key).toBe("k59");
  });

  it("lays the services out in the start order's groups; a service outside it goes last", () => {
    const view = (name: string) => serviceView({ ...stations, name, stations: [] }, new Map(), false);
    const cols = columns([["plc"], ["sc", "qi"]], [view("qi"), view("plc"), view("sc"), view("new")]);
    expect(cols.map((c) => c.map((s) => s.name))).toEqual([["plc"], ["sc", "qi"], ["new"]]);
  });
});

describe("merging incremental query pushes (docs/api.md, Live updates)", () => {
  const push = (reset: boolean, start: number, series: Record<string, [number, string][]>): QueryPush => ({
    id: "q1",
    reset,
    resultType: "matrix",
    start,
    end: start + 100,
    step: 10,
    result: Object.entries(series).map(([job, values]) => ({ metric: { job }, values })),
    head: [],
  });

  it("replaces points from the first time sent on, drops those before start, keeps quiet series in the window", () => {
    const first = push(true, 0, {
      a: [
        [0, "1"],
        [10, "2"],
        [20, "3"],
      ],
      b: [[10, "9"]],
    });
    const next = push(false, 10, {
      a: [
        [20, "30"],
        [30, "4"],
      ],
    });
    const merged = mergePush(first, next);
    expect(merged.result).toEqual([
      {
        metric: { job: "a" },
        values: [
          [10, "2"],
          [20, "30"],
          [30, "4"],
        ],
      },
      { metric: { job: "b" }, values: [[10, "9"]] },
    ]);
    expect(mergePush(merged, push(true, 50, {}))).toMatchObject({ result: [] });
  });
});
