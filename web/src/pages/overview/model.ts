// What the line overview shows, derived from the API's snapshots and the live stream's events:
// a health per service and per station (never a colour alone: each has a label and a symbol),
// the running versions, the firing alerts and the event feed. Pure functions, tested on their own.
import type { Labels } from "../../api/prometheus.js";

export type Health = "healthy" | "degraded" | "down" | "deploying" | "unknown";

/** A label and a symbol for each health, so state never rests on colour alone. */
export const HEALTH_LABEL: Record<Health, { label: string; icon: string }> = {
  healthy: { label: "Healthy", icon: "✓" },
  degraded: { label: "Degraded", icon: "!" },
  down: { label: "Down", icon: "✕" },
  deploying: { label: "Deploying", icon: "↻" },
  unknown: { label: "No data", icon: "?" },
};

export type InstanceState = "starting" | "ready" | "unready" | "backoff" | "failed" | "stopping" | "stopped";

export type InstanceInfo = {
  id: string;
  service: string;
  revision: string;
  version: string;
  state: InstanceState;
  station?: string;
  reason?: string;
  standby?: boolean;
};

/** GET /api/v1/services's fields the overview reads. */
export type ServiceInfo = {
  name: string;
  version: string;
  revision: string;
  revisionNumber: number;
  desired: number;
  dependsOn: string[];
  stations?: string[];
  error?: string;
  instanceList: InstanceInfo[];
};

/** station_state's one-hot states (line/services/station-controller.ts). */
export type StationState = "idle" | "running" | "jammed" | "faulted";

export type StationView = {
  station: string;
  health: Health;
  /** What the station reports, or why it has no state (its instance is down, nothing scraped yet). */
  detail: string;
  instance?: InstanceInfo;
};

export type ServiceView = {
  name: string;
  health: Health;
  /** Why the service has this health, in words. */
  detail: string;
  ready: number;
  desired: number;
  /** The versions its live instances run (two during a rollout), with how many instances each. */
  versions: { version: string; revision: string; count: number }[];
  stations: StationView[];
};

const LIVE: ReadonlySet<InstanceState> = new Set(["starting", "ready", "unready", "backoff", "failed"]);

/** A station's health: its instance first (a station whose process is down reports nothing), then its state. */
export function stationView(
  station: string,
  instance: InstanceInfo | undefined,
  state: StationState | undefined,
): StationView {
  const base = instance === undefined ? { station } : { station, instance };
  if (instance === undefined || instance.state === "failed" || instance.state === "backoff") {
    return {
      ...base,
      health: "down",
      detail: instance === undefined ? "no instance" : `instance ${instance.state}`,
    };
  }
  if (state === "jammed" || state === "faulted") {
    return { ...base, health: "down", detail: state === "jammed" ? "Jammed" : "Faulted" };
  }
  if (instance.state !== "ready") {
    return { ...base, health: "degraded", detail: `instance ${instance.state}` };
  }
  if (state === undefined) {
    return { ...base, health: "unknown", detail: "no state scraped yet" };
  }
  return { ...base, health: "healthy", detail: state === "running" ? "Running" : "Idle" };
}

/** The health of a service from its instances, its stations and whether a rollout is under way. */
export function serviceView(
  svc: ServiceInfo,
  stationStates: ReadonlyMap<string, StationState>,
  deploying: boolean,
): ServiceView {
  const live = svc.instanceList.filter((i) => LIVE.has(i.state) && !i.standby);
  const ready = live.filter((i) => i.state === "ready").length;
  const versions = new Map<string, { version: string; revision: string; count: number }>();
  for (const i of live) {
    const v = versions.get(i.revision) ?? { version: i.version, revision: i.revision, count: 0 };
    v.count++;
    versions.set(i.revision, v);
  }
  const stations = (svc.stations ?? []).map((st) =>
    stationView(
      st,
      live.find((i) => i.station === st),
      stationStates.get(st),
    ),
  );
  const stationsDown = stations.filter((s) => s.health === "down");
  let health: Health;
  let detail: string;
  if (svc.error !== undefined) {
    [health, detail] = ["down", svc.error];
  } else if (deploying) {
    [health, detail] = ["deploying", "rollout in progress"];
  } else if (svc.desired > 0 && ready === 0) {
    [health, detail] = ["down", "no instance ready"];
  } else if (stations.length > 0 && stationsDown.length === stations.length) {
    [health, detail] = ["down", "every station down"];
  } else if (ready < svc.desired || stationsDown.length > 0) {
    health = "degraded";
    detail =
      stationsDown.length > 0
        ? `station${stationsDown.length > 1 ? "s" : ""} ${stationsDown.map((s) => s.station).join(", ")} down`
        : `${ready} of ${svc.desired} ready`;
  } else {
    [health, detail] = ["healthy", `${ready} of ${svc.desired} ready`];
  }
  return {
    name: svc.name,
    health,
    detail,
    ready,
    desired: svc.desired,
    versions: [...versions.values()].sort((a, b) => a.revision.localeCompare(b.revision)),
    stations,
  };
}

/** The worst health of the line: what a wall screen shows in its title bar. */
export function lineHealth(services: readonly ServiceView[]): Health {
  const order: Health[] = ["down", "degraded", "deploying", "unknown", "healthy"];
  for (const h of order) {
    if (services.some((s) => s.health === h)) {
      return h;
    }
  }
  return "unknown";
}

/** An instance event applied to the service list (the snapshot stays current without a refetch). */
export function applyInstance(services: ServiceInfo[], i: InstanceInfo): ServiceInfo[] {
  return services.map((s) => {
    if (s.name !== i.service) {
      return s;
    }
    const rest = s.instanceList.filter((x) => x.id !== i.id);
    const kept = s.instanceList.find((x) => x.id === i.id);
    const next = i.state === "stopped" ? rest : [...rest, { ...kept, ...i }];
    return { ...s, instanceList: next.sort((a, b) => a.id.localeCompare(b.id)) };
  });
}

/** station_state == 1's series: the state each station reports now. */
export function stationStates(series: readonly { metric: Labels }[]): Map<string, StationState> {
  const out = new Map<string, StationState>();
  for (const { metric } of series) {
    const { station, state } = metric;
    if (
      station !== undefined &&
      (state === "idle" || state === "running" || state === "jammed" || state === "faulted")
    ) {
      // Two instances of one station (a rollout) reporting different states: the worse one shows.
      const prev = out.get(station);
      if (prev === undefined || rank(state) > rank(prev)) {
        out.set(station, state);
      }
    }
  }
  return out;
}

const rank = (s: StationState) => ({ idle: 0, running: 0, faulted: 1, jammed: 2 })[s];

/** The line's services in dependency order: the start order's groups, left to right. */
export function columns(order: readonly string[][], services: readonly ServiceView[]): ServiceView[][] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const placed = new Set(order.flat());
  const cols = order.map((group) => group.flatMap((n) => byName.get(n) ?? []));
  const stray = services.filter((s) => !placed.has(s.name));
  return (stray.length > 0 ? [...cols, stray] : cols).filter((c) => c.length > 0);
}

export type FeedItem = {
  key: string;
  at: number;
  kind: "deployment" | "alert" | "instance";
  severity: "info" | "warning" | "critical" | "ok";
  text: string;
};

const FEED_MAX = 50;

/** Adds an item to the feed, newest first, keeping the last FEED_MAX. */
export function pushFeed(feed: readonly FeedItem[], item: FeedItem | undefined): FeedItem[] {
  if (item === undefined || feed.some((f) => f.key === item.key)) {
    return feed as FeedItem[];
  }
  return [item, ...feed].slice(0, FEED_MAX);
}

/** A live event in words, or undefined for those the feed does not show (every analysis sample). */
export function feedItem(
  kind: FeedItem["kind"],
  data: unknown,
  id: string,
  now: number,
): FeedItem | undefined {
  const d = data as Record<string, unknown>;
  const key = id !== "" ? id : `${kind}-${now}-${JSON.stringify(data).length}`;
  if (kind === "instance") {
    if (d.type === "service.ready") {
      return { key, at: num(d.at, now), kind, severity: "ok", text: `${str(d.service)} ready` };
    }
    const i = d.instance as InstanceInfo | undefined;
    if (i === undefined) {
      return undefined;
    }
    const where = i.station === undefined ? i.id : `${i.id} (station ${i.station})`;
    const bad = d.type === "failed" || d.type === "exited" || d.type === "unready";
    return {
      key,
      at: num(d.at, now),
      kind,
      severity: d.type === "failed" ? "critical" : bad ? "warning" : "info",
      text: `${where} ${str(d.type)}${i.reason ? `: ${i.reason}` : ""}`,
    };
  }
  if (kind === "deployment") {
    const k = str(d.kind);
    if (k === "started") {
      return { key, at: now, kind, severity: "info", text: `Deployment of ${str(d.service)} started` };
    }
    if (k === "finished") {
      const phase = str(d.phase);
      return {
        key,
        at: now,
        kind,
        severity: /succeed|complete/i.test(phase) ? "ok" : "warning",
        text: `Deployment of ${str(d.service)} finished${phase ? `: ${phase}` : ""}`,
      };
    }
    if (k === "line.applied") {
      return { key, at: now, kind, severity: "info", text: "Line applied" };
    }
    return undefined; // steps and measurements belong on the Deployments page
  }
  const labels = (d.labels ?? {}) as Labels;
  const name = labels.alertname ?? "alert";
  const where = labels.station
    ? ` (station ${labels.station})`
    : labels.service
      ? ` (${labels.service})`
      : "";
  const state =
    d.source === "dispatcher" ? str((d.status as { state?: string } | undefined)?.state) : str(d.state);
  if (state === "pending") {
    return undefined; // not yet an alert: the feed shows it once it fires
  }
  if (d.source === "dispatcher" && state !== "suppressed") {
    // The dispatcher's copy of a rule alert that fired or resolved: the rule's event said it already.
    return undefined;
  }
  const firing = state === "firing" || state === "active";
  return {
    key,
    at: now,
    kind,
    severity: firing ? (labels.severity === "critical" ? "critical" : "warning") : "ok",
    text: `${name}${where} ${firing ? "firing" : state === "suppressed" ? "silenced" : "resolved"}`,
  };
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown, d: number): number => (typeof v === "number" ? v : d);

/** Firing alerts, keyed by their label set: the list the overview shows (pending ones are not alerts yet). */
export type FiringAlert = { key: string; labels: Labels; annotations: Labels; activeAt?: string };

export function alertKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

/** A rule alert event applied to the firing set. */
export function applyAlert(
  firing: ReadonlyMap<string, FiringAlert>,
  data: unknown,
): Map<string, FiringAlert> {
  const d = data as {
    source?: string;
    state?: string;
    labels?: Labels;
    annotations?: Labels;
    activeAt?: string;
  };
  const next = new Map(firing);
  if (d.source !== "rule" || d.labels === undefined) {
    return next; // the dispatcher's view of the same alerts: the rules' states are the ones shown
  }
  const key = alertKey(d.labels);
  if (d.state === "firing") {
    next.set(key, {
      key,
      labels: d.labels,
      annotations: d.annotations ?? {},
      ...(d.activeAt ? { activeAt: d.activeAt } : {}),
    });
  } else {
    next.delete(key);
  }
  return next;
}
