// Infrastructure health: one summary of the machines lineops watches (this host through its own
// collector, node_exporter targets through scrape_configs), their CPU, memory, disks and network,
// when each disk fills at its recent trend, the runtime's instances and each one's resource use.
// Read from monitoring's PromQL (the same series the infrastructure rules alert on) and the
// runtime's instance list, so the page and the alerts never disagree about what they saw.
import { hostname } from "node:os";
import type { Labels } from "../../model/labels.js";
import type { MetricsQuerier, Sample } from "../../monitoring/index.js";
import type { Instance } from "../../runtime/index.js";
import { holtSecondsUntilEmpty, secondsUntilEmpty } from "./disk-forecast.js";

/** Filesystems that are not disks (memory, read-only images, container layers), as the rule pack skips. */
export const NOT_DISK_FSTYPES = "tmpfs|ramfs|squashfs|overlay";
const FS = `{fstype!~"${NOT_DISK_FSTYPES}"}`;
/** The window disk trends are fitted over: the DiskWillFillIn24Hours rule's. */
export const DISK_TREND_WINDOW = "6h";
const DISK_TREND_WINDOW_MS = 6 * 3600_000;
/** Holt's input: the window at this step (72 points). */
const DISK_TREND_STEP_MS = 5 * 60_000;
/** Rows per list at most: a summary, not an export; the rest is counted in `truncated`. */
export const MAX_ROWS = 200;

export type NodeHealth = {
  job: string;
  instance: string;
  /** "host": lineops's own collector on this machine; "scrape": a node_exporter target. */
  source: "host" | "scrape";
  /** Host: its collector wrote within `staleAfterMs`; scrape: the target's last `up`. */
  up: boolean;
  /** Seconds since the node's last sample (node_time_seconds). */
  lastSampleAgeSeconds?: number;
  nodename?: string;
  kernel?: string;
  cpu: { cores?: number; utilisation?: number; load1?: number };
  memory: { totalBytes?: number; availableBytes?: number; utilisation?: number };
  disks: DiskHealth[];
  network: NetworkHealth[];
};

export type DiskHealth = {
  mountpoint: string;
  device: string;
  fstype: string;
  sizeBytes?: number;
  availBytes?: number;
  usedRatio?: number;
  /** Least squares over DISK_TREND_WINDOW (PromQL's deriv / predict_linear). */
  fullInSeconds?: number;
  /** Holt's double exponential smoothing over the same window. */
  holtFullInSeconds?: number;
  /** Free bytes per second over the window (negative: filling). */
  trendBytesPerSecond?: number;
  /**
   * How much of DISK_TREND_WINDOW the forecasts saw (first to last 5-minute point): a trend fitted
   * over a few minutes of a fresh install is noise, and the page says "collecting" below an hour.
   */
  trendSpanSeconds?: number;
};

export type NetworkHealth = {
  device: string;
  receiveBytesPerSecond?: number;
  transmitBytesPerSecond?: number;
  errorsPerSecond?: number;
  dropsPerSecond?: number;
};

export type InstanceResources = {
  id: string;
  service: string;
  station?: string;
  revision: string;
  version: string;
  state: string;
  restarts: number;
  pid?: number;
  cpuCores?: number;
  residentBytes?: number;
  threads?: number;
  openFds?: number;
};

export type RuntimeHealth = {
  backend: "process";
  instances: number;
  byState: Record<string, number>;
  /** Instances waiting to be restarted after an exit (state backoff). */
  restarting: number;
  /** Instances lineops gave up restarting (crash loop or not startable). */
  failed: number;
  restartsTotal: number;
  /** Crashes per service in the last 15 minutes (lineops_instance_crashes_total). */
  crashes15m: Record<string, number>;
};

export type InfrastructureHealthSummary = {
  evaluatedAt: number;
  nodes: NodeHealth[];
  runtime: RuntimeHealth;
  instances: InstanceResources[];
  /** Rows left out of a list that reached MAX_ROWS, by list. */
  truncated: Record<string, number>;
};

export type InfrastructureHealthOptions = {
  querier: MetricsQuerier;
  /** The runtime's instances (Runtime.list). */
  instances: () => readonly Instance[];
  /** The host's `instance` label (MonitoringEngine writes hostname()). */
  hostInstance?: string;
  /** When the host collector's last sample is older than this, the host counts as down. */
  staleAfterMs: number;
};

const nodeKey = (l: Labels) => `${l.job ?? ""}\u0000${l.instance ?? ""}`;

export class InfrastructureHealth {
  private readonly hostInstance: string;

  constructor(private readonly o: InfrastructureHealthOptions) {
    this.hostInstance = o.hostInstance ?? hostname();
  }

  /** The summary at `nowMs`. Rejects only when a query fails (timeout, sample limit). */
  async summary(nowMs: number): Promise<InfrastructureHealthSummary> {
    const q = async (expr: string): Promise<Sample[]> => {
      const v = await this.o.querier.instant(expr, nowMs);
      return v.type === "vector" ? v.samples : [];
    };
    const [
      uname,
      up,
      age,
      cores,
      busy,
      load1,
      memTotal,
      memAvail,
      fsSize,
      fsAvail,
      fsDeriv,
      rx,
      tx,
      errs,
      drops,
      cpu,
      rss,
      threads,
      fds,
      crashes,
      holt,
    ] = await Promise.all([
      q("last_over_time(node_uname_info[1h])"),
      q("up"),
      q("time() - timestamp(node_time_seconds)"),
      q('count by (job, instance) (node_cpu_seconds_total{mode="idle"})'),
      q('1 - avg by (job, instance) (rate(node_cpu_seconds_total{mode="idle"}[1m]))'),
      q("node_load1"),
      q("node_memory_MemTotal_bytes"),
      q("node_memory_MemAvailable_bytes"),
      q(`node_filesystem_size_bytes${FS}`),
      q(`node_filesystem_avail_bytes${FS}`),
      q(`deriv(node_filesystem_avail_bytes${FS}[${DISK_TREND_WINDOW}])`),
      q('rate(node_network_receive_bytes_total{device!="lo"}[1m])'),
      q('rate(node_network_transmit_bytes_total{device!="lo"}[1m])'),
      q(
        'sum by (job, instance, device) (rate({__name__=~"node_network_(receive|transmit)_errs_total", device!="lo"}[5m]))',
      ),
      q(
        'sum by (job, instance, device) (rate({__name__=~"node_network_(receive|transmit)_drop_total", device!="lo"}[5m]))',
      ),
      q("sum without (mode) (rate(lineops_instance_cpu_seconds_total[1m]))"),
      q("lineops_instance_resident_memory_bytes"),
      q("lineops_instance_threads"),
      q("lineops_instance_open_fds"),
      q("sum by (service) (increase(lineops_instance_crashes_total[15m]))"),
      this.holtForecasts(nowMs),
    ]);
    const truncated: Record<string, number> = {};

    // The nodes: every job/instance that reported node_uname_info within the hour, and this host.
    const nodes = new Map<string, NodeHealth>();
    const node = (l: Labels): NodeHealth => {
      const key = nodeKey(l);
      let n = nodes.get(key);
      if (n === undefined) {
        const isHost = l.job === "node" && l.instance === this.hostInstance;
        n = {
          job: l.job ?? "",
          instance: l.instance ?? "",
          source: isHost ? "host" : "scrape",
          up: false,
          cpu: {},
          memory: {},
          disks: [],
          network: [],
        };
        nodes.set(key, n);
      }
      return n;
    };
    node({ job: "node", instance: this.hostInstance });
    for (const s of uname) {
      const n = node(s.labels);
      n.nodename = s.labels.nodename;
      n.kernel = s.labels.release;
    }
    const known = (l: Labels) => nodes.get(nodeKey(l));
    for (const s of age) {
      const n = known(s.labels);
      if (n) {
        n.lastSampleAgeSeconds = Math.max(0, s.v);
      }
    }
    for (const n of nodes.values()) {
      if (n.source === "host") {
        n.up = n.lastSampleAgeSeconds !== undefined && n.lastSampleAgeSeconds * 1000 <= this.o.staleAfterMs;
      }
    }
    for (const s of up) {
      const n = known(s.labels);
      if (n && n.source === "scrape") {
        n.up = s.v === 1;
      }
    }
    const each = (samples: Sample[], f: (n: NodeHealth, s: Sample) => void) => {
      for (const s of samples) {
        const n = known(s.labels);
        if (n) {
          f(n, s);
        }
      }
    };
    each(cores, (n, s) => (n.cpu.cores = s.v));
    each(busy, (n, s) => (n.cpu.utilisation = clamp01(s.v)));
    each(load1, (n, s) => (n.cpu.load1 = s.v));
    each(memTotal, (n, s) => (n.memory.totalBytes = s.v));
    each(memAvail, (n, s) => (n.memory.availableBytes = s.v));
    for (const n of nodes.values()) {
      const { totalBytes, availableBytes } = n.memory;
      if (totalBytes !== undefined && availableBytes !== undefined && totalBytes > 0) {
        n.memory.utilisation = clamp01(1 - availableBytes / totalBytes);
      }
    }

    const fsKey = (l: Labels) => `${nodeKey(l)}\u0000${l.mountpoint ?? ""}\u0000${l.device ?? ""}`;
    const byFs = <T>(samples: T[], labels: (x: T) => Labels) =>
      new Map(samples.map((x) => [fsKey(labels(x)), x]));
    const sizeOf = byFs(fsSize, (s) => s.labels);
    const derivOf = byFs(fsDeriv, (s) => s.labels);
    const holtOf = byFs(holt, (h) => h.labels);
    each(fsAvail, (n, s) => {
      const size = sizeOf.get(fsKey(s.labels))?.v;
      const slope = derivOf.get(fsKey(s.labels))?.v;
      const disk: DiskHealth = {
        mountpoint: s.labels.mountpoint ?? "",
        device: s.labels.device ?? "",
        fstype: s.labels.fstype ?? "",
        availBytes: s.v,
      };
      if (size !== undefined) {
        disk.sizeBytes = size;
        if (size > 0) {
          disk.usedRatio = clamp01(1 - s.v / size);
        }
      }
      if (slope !== undefined && Number.isFinite(slope)) {
        disk.trendBytesPerSecond = slope;
        const full = secondsUntilEmpty(s.v, slope);
        if (full !== undefined) {
          disk.fullInSeconds = full;
        }
      }
      const h = holtOf.get(fsKey(s.labels));
      if (h?.fullInSeconds !== undefined) {
        disk.holtFullInSeconds = h.fullInSeconds;
      }
      if (h !== undefined) {
        disk.trendSpanSeconds = h.spanSeconds;
      }
      n.disks.push(disk);
    });

    const netKey = (l: Labels) => `${nodeKey(l)}\u0000${l.device ?? ""}`;
    const netOf = new Map<string, NetworkHealth>();
    const net = (l: Labels, f: (d: NetworkHealth) => void) => {
      const n = known(l);
      if (!n) {
        return;
      }
      let d = netOf.get(netKey(l));
      if (d === undefined) {
        d = { device: l.device ?? "" };
        netOf.set(netKey(l), d);
        n.network.push(d);
      }
      f(d);
    };
    rx.forEach((s) => net(s.labels, (d) => (d.receiveBytesPerSecond = s.v)));
    tx.forEach((s) => net(s.labels, (d) => (d.transmitBytesPerSecond = s.v)));
    errs.forEach((s) => net(s.labels, (d) => (d.errorsPerSecond = s.v)));
    drops.forEach((s) => net(s.labels, (d) => (d.dropsPerSecond = s.v)));

    for (const n of nodes.values()) {
      n.disks.sort((a, b) => a.mountpoint.localeCompare(b.mountpoint) || a.device.localeCompare(b.device));
      n.network.sort((a, b) => a.device.localeCompare(b.device));
      n.disks = cap(n.disks, `disks of ${n.instance}`, truncated);
      n.network = cap(n.network, `network of ${n.instance}`, truncated);
    }
    // This host first, then node targets by job and instance.
    const nodeList = [...nodes.values()].sort(
      (a, b) =>
        (a.source === "host" ? 0 : 1) - (b.source === "host" ? 0 : 1) ||
        a.job.localeCompare(b.job) ||
        a.instance.localeCompare(b.instance),
    );

    // Instances: the runtime's, with their own process series (keyed by instance_id).
    const byId = (samples: Sample[]) => {
      const m = new Map<string, number>();
      for (const s of samples) {
        if (s.labels.instance_id !== undefined) {
          m.set(s.labels.instance_id, s.v);
        }
      }
      return m;
    };
    const [cpuOf, rssOf, threadsOf, fdsOf] = [byId(cpu), byId(rss), byId(threads), byId(fds)];
    const list = [...this.o.instances()].sort(
      (a, b) => a.service.localeCompare(b.service) || a.id.localeCompare(b.id),
    );
    const instances: InstanceResources[] = list.map((i) => {
      const r: InstanceResources = {
        id: i.id,
        service: i.service,
        revision: i.revision,
        version: i.version,
        state: i.state,
        restarts: i.restarts,
      };
      if (i.station !== undefined) {
        r.station = i.station;
      }
      if (i.pid !== undefined) {
        r.pid = i.pid;
      }
      const put = <K extends "cpuCores" | "residentBytes" | "threads" | "openFds">(
        k: K,
        m: Map<string, number>,
      ) => {
        const v = m.get(i.id);
        if (v !== undefined && Number.isFinite(v)) {
          r[k] = v;
        }
      };
      put("cpuCores", cpuOf);
      put("residentBytes", rssOf);
      put("threads", threadsOf);
      put("openFds", fdsOf);
      return r;
    });

    const byState: Record<string, number> = {};
    for (const i of list) {
      byState[i.state] = (byState[i.state] ?? 0) + 1;
    }
    const crashes15m: Record<string, number> = {};
    for (const s of crashes) {
      if (s.labels.service !== undefined && Number.isFinite(s.v)) {
        crashes15m[s.labels.service] = s.v;
      }
    }
    return {
      evaluatedAt: nowMs,
      nodes: cap(nodeList, "nodes", truncated),
      runtime: {
        backend: "process",
        instances: list.length,
        byState,
        restarting: byState.backoff ?? 0,
        failed: byState.failed ?? 0,
        restartsTotal: list.reduce((sum, i) => sum + i.restarts, 0),
        crashes15m,
      },
      instances: cap(instances, "instances", truncated),
      truncated,
    };
  }

  /** Holt's time-to-full of every disk over DISK_TREND_WINDOW, from one bounded range query. */
  private async holtForecasts(
    nowMs: number,
  ): Promise<{ labels: Labels; fullInSeconds?: number; spanSeconds: number }[]> {
    const v = await this.o.querier.range(
      `node_filesystem_avail_bytes${FS}`,
      nowMs - DISK_TREND_WINDOW_MS,
      nowMs,
      DISK_TREND_STEP_MS,
    );
    if (v.type !== "matrix") {
      return [];
    }
    return v.series.map((s) => {
      const full = holtSecondsUntilEmpty(
        s.points.map((p) => p.v),
        DISK_TREND_STEP_MS / 1000,
      );
      const spanSeconds = ((s.points.at(-1)?.t ?? 0) - (s.points[0]?.t ?? 0)) / 1000;
      return full === undefined
        ? { labels: s.labels, spanSeconds }
        : { labels: s.labels, fullInSeconds: full, spanSeconds };
    });
  }
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function cap<T>(rows: T[], name: string, truncated: Record<string, number>): T[] {
  if (rows.length <= MAX_ROWS) {
    return rows;
  }
  truncated[name] = rows.length - MAX_ROWS;
  return rows.slice(0, MAX_ROWS);
}
