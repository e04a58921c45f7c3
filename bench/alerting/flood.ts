// bench:alerting's flood: a plc-gateway failure on the sample line scaled to 20 stations, for ten
// minutes. The firing alerts come from the sample line's own rules (examples/rules/line.rules.yml:
// each rule's `for:` and its group's evaluation interval are read from the file) applied to a
// modelled failure timeline (below). The same alerts are then:
//  - run through Alertmanager's grouping with its defaults (group_by [alertname], group_wait 30s,
//    group_interval 5m, repeat_interval 4h; notification-log dedup by lineops's copy of
//    Alertmanager's needsUpdate) to count what an uncorrelated Prometheus + Alertmanager sends;
//  - handed to lineops's IncidentManager (real code, real SQLite, manual clock) over the line's
//    topology (examples/line.yaml with station-controller on 20 stations) to count the incidents and
//    the pages it makes.
// Time is simulated: ten minutes take well under a second, and every number is deterministic.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { fingerprint } from "../../src/alerting/fingerprint.js";
import { IncidentManager, type ObservedAlert } from "../../src/alerting/incidents/manager.js";
import type { Topology } from "../../src/alerting/incidents/topology.js";
import { decideNotification } from "../../src/alerting/nflog/nflog.js";
import type { Notification } from "../../src/alerting/notify/channel.js";
import { openDb } from "../../src/store/db.js";
import { ManualClock } from "../../src/test-support/manual-clock.js";

export const FLOOD_STATIONS = 20;
export const FLOOD_DURATION_MS = 10 * 60_000;
/** Alertmanager's defaults (config/config.go DefaultRouteOpts; group_by as the issue asks). */
export const AM_DEFAULTS = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3_600_000 };
/** Prometheus re-sends every firing alert this often (--rules.alert.resend-delay). */
const RESEND_MS = 60_000;
const T0 = Date.parse("2026-12-03T08:00:00Z");
const LINE = "assembly-line-1";

type RuleTiming = { forMs: number; intervalMs: number };

/** One alert of the flood: when its condition became true, and when its rule saw it. */
export type FloodAlert = {
  labels: Record<string, string>;
  /** The rule's activeAt (Prometheus's startsAt): the first evaluation that saw the condition. */
  startsAt: number;
  /** The first evaluation at which it had held for `for:`: when Prometheus sends it. */
  firesAt: number;
};

export type FloodResult = {
  /** Alerts in Alertmanager's notifications, counted once per notification that carries them. */
  rawAlerts: number;
  /** Notifications Alertmanager sends (one per group flush the notification log lets through). */
  rawNotifications: number;
  /** Distinct alerts that fired in the ten minutes. */
  firingAlerts: number;
  incidents: number;
  pages: number;
  /** 1 - pages / rawAlerts. */
  reduction: number;
  rootCause: string | null;
  rootCauseReason: string | null;
};

const DURATION_RE = /^(\d+)(ms|s|m|h)$/;
function durationMs(text: string): number {
  const m = DURATION_RE.exec(text);
  if (m === null) {
    throw new Error(`flood: unsupported duration ${JSON.stringify(text)} in line.rules.yml`);
  }
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

/** `for:` and the evaluation interval of each alerting rule named, read from the rule file. */
export function ruleTimings(rulesFile: string, names: readonly string[]): Map<string, RuleTiming> {
  type RuleFile = { groups: { interval?: string; rules: { alert?: string; for?: string }[] }[] };
  const doc = parse(readFileSync(rulesFile, "utf8")) as RuleFile;
  const out = new Map<string, RuleTiming>();
  for (const g of doc.groups) {
    for (const r of g.rules) {
      if (r.alert !== undefined && names.includes(r.alert)) {
        out.set(r.alert, { forMs: durationMs(r.for ?? "0s"), intervalMs: durationMs(g.interval ?? "1m") });
      }
    }
  }
  for (const n of names) {
    if (!out.has(n)) {
      throw new Error(`flood: rule ${n} not found in ${rulesFile}`);
    }
  }
  return out;
}

/** The line's topology from line.yaml, with station-controller running on `stations` stations. */
export function floodTopology(lineFile: string, stations: number): Topology {
  type LineFile = {
    metadata?: { name?: string };
    services: { name: string; dependsOn?: string[]; stations?: string[] }[];
  };
  const doc = parse(readFileSync(lineFile, "utf8")) as LineFile;
  const scaled = Array.from({ length: stations }, (_, i) => String(i + 1));
  return {
    line: doc.metadata?.name ?? LINE,
    services: doc.services.map((s) => ({
      name: s.name,
      dependsOn: s.dependsOn ?? [],
      stations: s.stations !== undefined ? scaled : [],
      devices: [],
    })),
  };
}

/**
 * The modelled failure (t = 0: the gateway loses its PLC link):
 * - plc-gateway reports plc_connected 0 from its next scrape (5 s);
 * - station i (1-based) faults at its next PLC exchange, i × 0.5 s later (each station's cycle);
 * - each faulted station scraps every unit, so its 5-minute scrap ratio passes 5 % about 15 s later;
 * - line-controller's work orders fail, and its 1 h error-budget burn (14.4×) is passed after ~60 s.
 * Each alert's activeAt is the first evaluation of its rule group at or after its condition, and it
 * fires at the first evaluation at which it has held for the rule's `for:` (as Prometheus does).
 */
export function floodAlerts(rulesFile: string, stations: number): FloodAlert[] {
  const t = ruleTimings(rulesFile, [
    "PLCDisconnected",
    "StationFaulted",
    "ScrapRatioHigh",
    "ErrorBudgetBurn",
  ]);
  const alert = (name: string, labels: Record<string, string>, conditionAt: number): FloodAlert => {
    const { forMs, intervalMs } = t.get(name)!;
    const startsAt = Math.ceil(conditionAt / intervalMs) * intervalMs;
    const firesAt = Math.ceil((startsAt + forMs) / intervalMs) * intervalMs;
    return { labels: { alertname: name, ...labels }, startsAt: T0 + startsAt, firesAt: T0 + firesAt };
  };
  const out: FloodAlert[] = [
    alert(
      "PLCDisconnected",
      { job: "plc-gateway", instance: "plc-gateway-0", line: LINE, severity: "critical" },
      5_000,
    ),
  ];
  for (let i = 1; i <= stations; i++) {
    const s = String(i);
    const faultAt = 5_000 + i * 500;
    out.push(
      alert(
        "StationFaulted",
        {
          job: "station-controller",
          instance: `station-controller-${s}`,
          station: s,
          line: LINE,
          severity: "critical",
        },
        faultAt,
      ),
      // `sum by (station)`: the rule aggregates every other label away.
      alert("ScrapRatioHigh", { station: s, severity: "warning" }, faultAt + 15_000),
    );
  }
  out.push(
    alert(
      "ErrorBudgetBurn",
      { service: "line-controller", job: "lineops", severity: "critical", long_window: "1h" },
      60_000,
    ),
  );
  return out.filter((a) => a.firesAt - T0 <= FLOOD_DURATION_MS);
}

/**
 * What Alertmanager with default grouping sends for these alerts in the window: per alertname
 * group, the first flush group_wait after the group's first alert (at once when an alert arrives
 * already older than group_wait, as dispatch.go's insert does), then one every group_interval; a
 * flush is sent when the notification log says something changed.
 */
export function alertmanagerNotifications(alerts: readonly FloodAlert[]): {
  notifications: number;
  alertsCarried: number;
} {
  const groups = new Map<string, FloodAlert[]>();
  for (const a of [...alerts].sort((x, y) => x.firesAt - y.firesAt)) {
    const g = groups.get(a.labels.alertname!) ?? [];
    g.push(a);
    groups.set(a.labels.alertname!, g);
  }
  const end = T0 + FLOOD_DURATION_MS;
  let notifications = 0;
  let alertsCarried = 0;
  for (const g of groups.values()) {
    let flushAt = g[0]!.firesAt + AM_DEFAULTS.groupWaitMs;
    for (const a of g) {
      if (a.firesAt < flushAt && a.startsAt + AM_DEFAULTS.groupWaitMs < a.firesAt) {
        flushAt = a.firesAt;
        break;
      }
    }
    let last: { sentAt: number; firing: string[]; resolved: string[] } | undefined;
    for (; flushAt <= end; flushAt += AM_DEFAULTS.groupIntervalMs) {
      const firing = new Set(g.filter((a) => a.firesAt <= flushAt).map((a) => fingerprint(a.labels)));
      const reason = decideNotification(last, firing, new Set(), AM_DEFAULTS.repeatIntervalMs, true, flushAt);
      if (reason !== "do-not-notify") {
        notifications++;
        alertsCarried += firing.size;
        last = { sentAt: flushAt, firing: [...firing], resolved: [] };
      }
    }
  }
  return { notifications, alertsCarried };
}

/** Feeds the alerts to lineops's IncidentManager as the engine would (at firing, then every resend). */
async function lineopsIncidents(
  alerts: readonly FloodAlert[],
  topology: Topology,
): Promise<{ incidents: number; pages: number; rootCause: string | null; reason: string | null }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-flood-"));
  const db = openDb(dir);
  try {
    const clock = new ManualClock(T0);
    const sent: Notification[] = [];
    const silent = { info: () => {}, warn: () => {}, error: () => {} };
    const manager = new IncidentManager({
      db,
      clock,
      logger: silent,
      topology: () => topology,
      sink: { enqueue: (items) => sent.push(...items) },
      linkSecret: randomBytes(32),
      externalURL: () => "http://lineops.bench",
    });
    manager.start();
    const observed = (a: FloodAlert): ObservedAlert => ({
      fingerprint: fingerprint(a.labels),
      labels: a.labels,
      annotations: { summary: a.labels.alertname! },
      startsAt: a.startsAt,
      endsAt: 0,
      status: "firing",
    });
    const step = 5_000;
    for (let now = T0; now <= T0 + FLOOD_DURATION_MS; now += step) {
      await clock.advance(now - clock.now());
      const due = alerts.filter(
        (a) => a.firesAt <= now && (a.firesAt > now - step || (now - a.firesAt) % RESEND_MS < step),
      );
      if (due.length > 0) {
        manager.observe(due.map(observed));
      }
    }
    const list = manager.list();
    const root = list.length > 0 ? manager.get(list[0]!.id).rootCause : undefined;
    manager.stop?.();
    return {
      incidents: list.length,
      pages: sent.length,
      rootCause: root?.service ?? null,
      reason: root?.reason ?? null,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runFlood(root: string): Promise<FloodResult & { params: object }> {
  const rulesFile = path.join(root, "examples/rules/line.rules.yml");
  const alerts = floodAlerts(rulesFile, FLOOD_STATIONS);
  const am = alertmanagerNotifications(alerts);
  const lo = await lineopsIncidents(
    alerts,
    floodTopology(path.join(root, "examples/line.yaml"), FLOOD_STATIONS),
  );
  return {
    rawAlerts: am.alertsCarried,
    rawNotifications: am.notifications,
    firingAlerts: alerts.length,
    incidents: lo.incidents,
    pages: lo.pages,
    reduction: am.alertsCarried === 0 ? 0 : Math.round((1 - lo.pages / am.alertsCarried) * 10_000) / 10_000,
    rootCause: lo.rootCause,
    rootCauseReason: lo.reason,
    params: {
      stations: FLOOD_STATIONS,
      durationMs: FLOOD_DURATION_MS,
      rules: "examples/rules/line.rules.yml (for: and group interval read from the file)",
      alertmanager:
        "group_by [alertname], group_wait 30s, group_interval 5m, repeat_interval 4h (computed, see docs/benchmarks.md)",
      lineops: "IncidentManager with default incidents config, topology examples/line.yaml with 20 stations",
    },
  };
}
