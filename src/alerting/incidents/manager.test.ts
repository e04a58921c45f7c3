// The incident manager on a real SQLite store with a manual clock: the state machine, correlation of
// a plc-gateway failure across 20 stations into one incident, deployment-window linking and rollback
// requests, one-click links (valid, expired, reused, tampered) and a restart that keeps everything.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { EventBus, type LineopsEvents } from "../../events/bus.js";
import { fingerprint } from "../fingerprint.js";
import type { Notification } from "../notify/channel.js";
import { openDb, type Db } from "../../store/db.js";
import { tempDir } from "../../test-support/line.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { IncidentManager, type IncidentsConfig, type ObservedAlert } from "./manager.js";
import type { Topology } from "./topology.js";

const T0 = Date.parse("2026-12-03T08:00:00Z");
const silent = { info: () => {}, warn: () => {}, error: () => {} };

/** The sample line scaled to 20 stations. */
const stations = Array.from({ length: 20 }, (_, i) => String(i + 1));
const TOPOLOGY: Topology = {
  line: "assembly-line-1",
  services: [
    { name: "plc-gateway", dependsOn: [] },
    { name: "station-controller", dependsOn: ["plc-gateway"], stations },
    { name: "quality-inspection", dependsOn: [] },
    { name: "mes-connector", dependsOn: [] },
    { name: "line-controller", dependsOn: ["station-controller", "quality-inspection", "mes-connector"] },
  ],
};

function alert(
  labels: Record<string, string>,
  startsAt: number,
  status: "firing" | "resolved" = "firing",
): ObservedAlert {
  return {
    fingerprint: fingerprint(labels),
    labels,
    annotations: { summary: labels.alertname ?? "" },
    startsAt,
    endsAt: status === "resolved" ? startsAt + 1 : 0,
    status,
  };
}

const plcDown = (t: number) =>
  alert(
    { alertname: "PLCDisconnected", job: "plc-gateway", severity: "critical", line: "assembly-line-1" },
    t,
  );
const stationFaulted = (s: string, t: number) =>
  alert(
    {
      alertname: "StationFaulted",
      job: "station-controller",
      station: s,
      severity: "warning",
      line: "assembly-line-1",
    },
    t,
  );
const scrapHigh = (s: string, t: number) =>
  alert({ alertname: "ScrapRatioHigh", station: s, severity: "warning" }, t);
const lineSlow = (t: number) =>
  alert({ alertname: "LineThroughputLow", line: "assembly-line-1", severity: "warning" }, t);

type Harness = {
  db: Db;
  dir: string;
  clock: ManualClock;
  bus: EventBus;
  sent: Notification[];
  events: LineopsEvents["incident.changed"][];
  rollbacks: LineopsEvents["deployment.rollback.requested"][];
  manager: IncidentManager;
};

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) {
    db.close();
  }
});

const secret = randomBytes(32);

function harness(
  opts: { dir?: string; clock?: ManualClock; config?: Partial<IncidentsConfig>; topology?: Topology } = {},
): Harness {
  const dir = opts.dir ?? tempDir("lineops-incidents-");
  const db = openDb(dir);
  open.push(db);
  const clock = opts.clock ?? new ManualClock(T0);
  const bus = new EventBus();
  const sent: Notification[] = [];
  const events: Harness["events"] = [];
  const rollbacks: Harness["rollbacks"] = [];
  bus.on("incident.changed", (e) => events.push(e));
  bus.on("deployment.rollback.requested", (e) => rollbacks.push(e));
  const manager = new IncidentManager({
    db,
    clock,
    logger: silent,
    bus,
    topology: () => opts.topology ?? TOPOLOGY,
    sink: { enqueue: (items) => sent.push(...items) },
    linkSecret: secret,
    externalURL: () => "http://lineops.test",
    ...(opts.config ? { config: opts.config } : {}),
  });
  manager.start();
  return { db, dir, clock, bus, sent, events, rollbacks, manager };
}

describe("acknowledgements as alarm management sees them", () => {
  it("answers when an alarm activation was acknowledged, counting a late joiner from its joining", async () => {
    const h = harness();
    const plc = plcDown(T0);
    h.manager.observe([plc]);
    expect(h.manager.acknowledgedAt(plc.fingerprint, T0)).toBeUndefined();
    await h.clock.advance(90_000);
    h.manager.acknowledge(1, "alice (operator)");
    expect(h.manager.acknowledgedAt(plc.fingerprint, T0)).toBe(T0 + 90_000);
    // A symptom joining the acknowledged incident later is acknowledged as it joins.
    await h.clock.advance(30_000);
    const st = stationFaulted("3", T0 + 120_000);
    h.manager.observe([st]);
    expect(h.manager.acknowledgedAt(st.fingerprint, T0 + 120_000)).toBe(T0 + 120_000);
    // A later activation of the same alarm is not covered by the earlier acknowledgement.
    expect(h.manager.acknowledgedAt(plc.fingerprint, T0 + 200_000)).toBeUndefined();
  });
});

describe("the incident state machine", () => {
  it("goes triggered -> acknowledged -> resolved, each step in the timeline with its actor and notification", () => {
    const h = harness();
    h.manager.observe([plcDown(T0)]);
    const [inc] = h.manager.list();
    expect(inc).toMatchObject({
      id: 1,
      status: "triggered",
      priority: "critical",
      severity: "critical",
      alertCount: 1,
    });
    expect(h.sent.map((n) => n.event)).toEqual(["trigger"]);
    expect(h.sent[0]?.incident?.ackUrl).toMatch(
      /^http:\/\/lineops\.test\/api\/v1\/incident-links\/[\w-]+\.[\w-]{22}$/,
    );
    expect(h.sent[0]?.payload.alerts[0]?.labels.alertname).toBe("PLCDisconnected");

    h.manager.acknowledge(1, "alice (operator)");
    expect(() => h.manager.acknowledge(1, "bob (operator)")).toThrow(/already acknowledged \(by alice/);
    h.manager.reassign(1, "bob", "alice (operator)");
    h.manager.note(1, "PLC cable reseated", "bob (operator)");
    const done = h.manager.resolve(1, "bob (operator)");
    expect(done).toMatchObject({
      status: "resolved",
      acknowledgedBy: "alice (operator)",
      resolvedBy: "bob (operator)",
      assignee: "bob",
    });
    expect(done.timeline.map((e) => [e.kind, e.actor ?? ""])).toEqual([
      ["triggered", "lineops"],
      ["alert.joined", ""],
      ["notification", "lineops"],
      ["acknowledged", "alice (operator)"],
      ["notification", "lineops"],
      ["reassigned", "alice (operator)"],
      ["note", "bob (operator)"],
      ["resolved", "bob (operator)"],
      ["notification", "lineops"],
    ]);
    expect(h.sent.map((n) => n.event)).toEqual(["trigger", "acknowledge", "resolve"]);
    expect(new Set(h.sent.map((n) => n.key)).size).toBe(3);
    expect(h.events.map((e) => e.change)).toEqual([
      "triggered",
      "acknowledged",
      "reassigned",
      "note",
      "resolved",
    ]);
    // A resolved incident takes notes but no other change, and says why.
    expect(() => h.manager.acknowledge(1, "x")).toThrow(/cannot acknowledge incident 1: it is resolved/);
    expect(() => h.manager.snooze(1, T0 + 60_000, "x")).toThrow(/it is resolved/);
    expect(() => h.manager.get(99)).toThrow(/incident 99 not found/);
  });

  it("resolves by itself when every alert resolved; an alert still firing on a hand-resolved incident opens no new one", () => {
    const h = harness();
    h.manager.observe([plcDown(T0), stationFaulted("1", T0 + 1000)]);
    h.manager.observe([{ ...plcDown(T0), status: "resolved", endsAt: T0 + 5000 }]);
    expect(h.manager.get(1).status).toBe("triggered");
    h.manager.observe([{ ...stationFaulted("1", T0 + 1000), status: "resolved", endsAt: T0 + 6000 }]);
    expect(h.manager.get(1)).toMatchObject({ status: "resolved", resolvedBy: "lineops", firingCount: 0 });

    h.manager.observe([plcDown(T0 + 10_000)]);
    h.manager.resolve(2, "carol (operator)");
    h.manager.observe([plcDown(T0 + 10_000)]); // re-sent at the next rule evaluation
    expect(h.manager.list().map((i) => i.id)).toEqual([2, 1]);
    h.manager.observe([{ ...plcDown(T0 + 10_000), status: "resolved", endsAt: T0 + 20_000 }]);
    h.manager.observe([plcDown(T0 + 30_000)]); // fires again after it resolved: a new incident
    expect(h.manager.list().map((i) => i.id)).toEqual([3, 2, 1]);
  });

  it("snoozes until a time, then triggers again and notifies; refuses snoozes in the past", async () => {
    const h = harness();
    h.manager.observe([plcDown(T0)]);
    expect(() => h.manager.snooze(1, T0 - 1, "x")).toThrow(/must be in the future/);
    h.manager.snooze(1, T0 + 60_000, "dave (operator)");
    expect(h.manager.get(1)).toMatchObject({ status: "acknowledged", snoozedUntil: T0 + 60_000 });
    await h.clock.advance(59_999);
    expect(h.manager.get(1).status).toBe("acknowledged");
    await h.clock.advance(1);
    const inc = h.manager.get(1);
    expect(inc.status).toBe("triggered");
    expect(inc.snoozedUntil).toBeUndefined();
    expect(inc.timeline.map((e) => e.kind)).toContain("snooze.ended");
    expect(h.sent.map((n) => n.event)).toEqual(["trigger", "trigger"]);
  });
});

describe("correlation", () => {
  it("a plc-gateway failure across 20 stations is one incident whose root cause is plc-gateway, the rest its children", () => {
    const h = harness();
    const batch: ObservedAlert[] = [plcDown(T0)];
    stations.forEach((s, i) => batch.push(stationFaulted(s, T0 + 2000 + i), scrapHigh(s, T0 + 5000 + i)));
    batch.push(lineSlow(T0 + 8000));
    // The same alerts re-sent at every evaluation are deduplicated by fingerprint.
    h.manager.observe(batch);
    h.manager.observe(batch);
    const all = h.manager.list();
    expect(all).toHaveLength(1);
    const inc = h.manager.get(all[0]?.id ?? 0);
    expect(inc.alertCount).toBe(42);
    expect(inc.rootCause).toMatchObject({ service: "plc-gateway", alertname: "PLCDisconnected" });
    expect(inc.rootCause?.reason).toBe(
      "plc-gateway is upstream of line-controller, station-controller (dependsOn: line-controller -> station-controller -> plc-gateway); " +
        "stations 1..20 are served by station-controller; the line assembly-line-1 runs on every service; " +
        "its alert PLCDisconnected started first (2026-12-03T08:00:00.000Z)",
    );
    expect(inc.alerts.filter((a) => a.role === "root").map((a) => a.labels.alertname)).toEqual([
      "PLCDisconnected",
    ]);
    expect(inc.alerts.filter((a) => a.role === "child")).toHaveLength(41);
    expect(inc.title).toBe("PLCDisconnected on plc-gateway (+41 related alerts)");
    expect(h.sent).toHaveLength(1); // one page for 42 alerts
  });

  it("a late upstream alert merges the incidents its symptoms opened, and becomes their root cause", () => {
    // quality-inspection reads the PLC too here: its symptom and a station's are siblings, unrelated
    // until their common upstream alerts.
    const topology: Topology = {
      ...TOPOLOGY,
      services: TOPOLOGY.services.map((s) =>
        s.name === "quality-inspection" ? { ...s, dependsOn: ["plc-gateway"] } : s,
      ),
    };
    const h = harness({ topology });
    h.manager.observe([stationFaulted("1", T0), stationFaulted("2", T0)]);
    h.manager.observe([alert({ alertname: "InspectionSlow", job: "quality-inspection" }, T0 + 100)]);
    expect(h.manager.list({ statuses: ["triggered"] }).map((i) => i.alertCount)).toEqual([1, 2]);
    h.manager.observe([plcDown(T0 - 3000)]);
    const live = h.manager.list({ statuses: ["triggered"] });
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ id: 1, alertCount: 4, rootCause: { service: "plc-gateway" } });
    expect(live[0]?.rootCause?.reason).toMatch(
      /^plc-gateway is upstream of quality-inspection, station-controller \(dependsOn\); stations 1, 2 are served by station-controller; its alert PLCDisconnected started first/,
    );
    expect(h.manager.get(2)).toMatchObject({
      status: "resolved",
      resolvedBy: "lineops (merged into 1)",
      alertCount: 0,
    });
    // Every alert of the merged incident now belongs to the surviving one.
    h.manager.observe([
      {
        ...alert({ alertname: "InspectionSlow", job: "quality-inspection" }, T0 + 100),
        status: "resolved",
        endsAt: T0 + 9000,
      },
    ]);
    expect(h.manager.get(1).firingCount).toBe(3);
  });

  it("groups alerts no topology relates by the group_by labels", () => {
    const h = harness({ config: { groupBy: ["alertname"] } });
    h.manager.observe([
      alert({ alertname: "DiskFull", instance: "a" }, T0),
      alert({ alertname: "DiskFull", instance: "b" }, T0),
      alert({ alertname: "CertExpiring", instance: "a" }, T0),
    ]);
    expect(h.manager.list().map((i) => [i.title, i.alertCount])).toEqual([
      ["CertExpiring", 1],
      ["DiskFull (+1 related alert)", 2],
    ]);
  });
});

describe("deployment-aware correlation", () => {
  it("links an alert that starts within the window after a deployment of a dependency, and requests its rollback once", () => {
    const h = harness({ config: { deploymentWindowMs: 5 * 60_000, rollback: ["plc-gateway"] } });
    h.bus.emit("deployment.started", { id: "d-old", service: "plc-gateway", at: T0 - 20 * 60_000 });
    h.bus.emit("deployment.started", { id: "d-1", service: "plc-gateway", at: T0 - 60_000 });
    h.bus.emit("deployment.started", { id: "d-qi", service: "quality-inspection", at: T0 - 60_000 });
    h.manager.observe([stationFaulted("3", T0), stationFaulted("4", T0 + 10)]);
    const inc = h.manager.get(1);
    const linked = inc.timeline.filter((e) => e.kind === "deployment");
    expect(linked.map((e) => e.message)).toEqual([
      "StationFaulted (job=station-controller, station=3, line=assembly-line-1) started 60 s after deployment d-1 of plc-gateway (a dependency)",
    ]);
    expect(inc.timeline.filter((e) => e.kind === "rollback.requested")).toHaveLength(1);
    expect(h.rollbacks).toEqual([
      expect.objectContaining({ deploymentId: "d-1", service: "plc-gateway", incidentId: 1 }),
    ]);
  });

  it("links without a rollback when none is configured, and not at all outside the window", () => {
    const h = harness({ config: { deploymentWindowMs: 60_000 } });
    h.bus.emit("deployment.started", { id: "d-2", service: "station-controller", at: T0 });
    h.manager.observe([
      stationFaulted("1", T0 + 30_000),
      alert({ alertname: "Late", job: "station-controller" }, T0 + 61_000),
    ]);
    const kinds = h.manager.get(1).timeline.map((e) => e.kind);
    expect(kinds.filter((k) => k === "deployment")).toHaveLength(1);
    expect(kinds).not.toContain("rollback.requested");
    expect(h.rollbacks).toEqual([]);
  });
});

describe("one-click links", () => {
  it("a valid link acknowledges once, attributed; reused, expired and tampered links change nothing", async () => {
    const h = harness();
    h.manager.observe([plcDown(T0), alert({ alertname: "Other", job: "mes-connector" }, T0)]);
    const link = h.manager.link(1, "acknowledge", 60_000);
    expect(h.manager.inspectLink(link.token)).toMatchObject({
      action: "acknowledge",
      incident: { id: 1, status: "triggered" },
    });
    const before = h.manager.get(2);

    // Tampered: the claims edited (incident 2 instead of 1) with the old signature.
    const [body, mac] = link.token.split(".") as [string, string];
    const claims = Buffer.from(body, "base64url").toString().replace(/^1~/, "2~");
    const forged = `${Buffer.from(claims).toString("base64url")}.${mac}`;
    expect(() => h.manager.useLink(forged, "link")).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_INCIDENT_LINK_INVALID" }),
    );
    const flipped = `${body}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`;
    expect(() => h.manager.useLink(flipped, "link")).toThrow(/does not verify/);
    expect(() => h.manager.useLink("garbage", "link")).toThrow(/malformed/);
    expect(h.manager.get(2)).toEqual(before);

    expect(h.manager.useLink(link.token, "one-click link").status).toBe("acknowledged");
    expect(h.manager.get(1).acknowledgedBy).toBe("one-click link");
    expect(() => h.manager.useLink(link.token, "link")).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_INCIDENT_LINK_USED" }),
    );
    expect(() => h.manager.inspectLink(link.token)).toThrow(/used already/);

    const late = h.manager.link(2, "acknowledge", 60_000);
    await h.clock.advance(60_000);
    expect(() => h.manager.useLink(late.token, "link")).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_INCIDENT_LINK_EXPIRED" }),
    );
    expect(h.manager.get(2).status).toBe("triggered");
    // A link of another lineops (another secret) does not verify here.
    const other = harness();
    other.manager.observe([plcDown(T0)]);
    const foreign = new IncidentManager({
      db: other.db,
      logger: silent,
      linkSecret: randomBytes(32),
      externalURL: () => "",
    }).link(1, "acknowledge");
    expect(() => h.manager.useLink(foreign.token, "link")).toThrow(/does not verify/);
  });
});

describe("a restart", () => {
  it("keeps incidents, members, timelines, snoozes and spent links, and correlates on from them", async () => {
    const dir = tempDir("lineops-incidents-restart-");
    const clock = new ManualClock(T0);
    const first = harness({ dir, clock });
    first.manager.observe([plcDown(T0), stationFaulted("1", T0 + 1000)]);
    const link = first.manager.link(1, "acknowledge");
    first.manager.useLink(link.token, "link");
    first.manager.snooze(1, T0 + 120_000, "erin (operator)");
    const before = first.manager.get(1);
    first.manager.stop();
    first.db.close();
    open.splice(open.indexOf(first.db), 1);

    const second = harness({ dir, clock });
    expect(second.manager.get(1)).toEqual(before);
    expect(() => second.manager.useLink(link.token, "link")).toThrow(/used already/);
    second.manager.observe([stationFaulted("2", T0 + 2000)]);
    expect(second.manager.list()).toHaveLength(1);
    expect(second.manager.get(1).alertCount).toBe(3);
    await clock.advance(120_000);
    expect(second.manager.get(1).status).toBe("triggered");
  });
});
