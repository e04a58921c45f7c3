// The optimizer: right-sizing recommendations per service (the VPA recommender over the
// per-instance CPU and memory series) and the capacity report (this host's headroom and trends, and
// a bin-packing simulation of N lines onto a node size). Reads monitoring through its querier —
// the tiered one, since the evidence window is a week — and line.yaml's `resources`.
import { hostname } from "node:os";
import { defineError } from "../../errors.js";
import type { MetricsQuerier, QueryValue } from "../../monitoring/index.js";
import type { Instance } from "../../runtime/index.js";
import { bestFitDecreasing, firstFitDecreasing, type NodeSize, type PackResult } from "./binpack.js";
import { forecast, headroom, lineItems, type Forecast, type Headroom, type Requests } from "./capacity.js";
import { cpuCores, memoryBytes } from "./quantity.js";
import {
  AggregateUsage,
  estimate,
  MEMORY_AGGREGATION_INTERVAL_MS,
  verdict,
  type Estimate,
  type ResourceAmounts,
  type Verdict,
} from "./recommender.js";

/** The VPA keeps 8 memory aggregation intervals of history: a week and a day. */
export const DEFAULT_WINDOW_MS = 8 * MEMORY_AGGREGATION_INTERVAL_MS;
/**
 * One usage sample per instance a minute, as the VPA takes from metrics-server: each point is the
 * rate over the minute before it (12 host-collector samples at the default 5 s), so the points tile
 * the window and the confidence counts them exactly as the VPA does. 11 520 points a series over
 * the window; the tiered querier's auto resolution (step / 5) keeps this on raw samples, which the
 * default 15-day retention holds.
 */
export const DEFAULT_STEP_MS = 60_000;
/** Trends for the host forecast: the last 6 hours at 5-minute points, projected a week ahead. */
export const TREND_WINDOW_MS = 6 * 3600_000;
export const TREND_STEP_MS = 5 * 60_000;
export const FORECAST_HORIZON_S = 7 * 86_400;
/** Recommendations are recomputed at most this often (a week of series is not read per click). */
export const CACHE_MS = 15_000;
/**
 * Lines a packing simulation may ask for, instances it packs (best fit scans every open node per
 * instance: quadratic, so bounded to stay well inside a request's time), and nodes it lists (the
 * count is always exact).
 */
export const MAX_LINES = 100;
export const MAX_PACKED_INSTANCES = 5000;
export const MAX_LISTED_NODES = 200;
const QUERY_TIMEOUT_MS = 20_000;
/** Steps per range query: below the engine's 11 000 points a series. */
export const MAX_POINTS_PER_QUERY = 10_000;
const NOT_DISK_FSTYPES = "tmpfs|ramfs|squashfs|overlay";

/** What the optimizer needs of a line.yaml service. */
export type ServiceResources = {
  name: string;
  replicas: number;
  stations?: readonly string[];
  resources?: { cpu?: number | string; memory?: number | string };
};

export type OptimizerOptions = {
  /** Long ranges: the tiered querier (downsampled tiers beyond raw retention). */
  querier: MetricsQuerier;
  /** The line's services, in start order. */
  services: () => readonly ServiceResources[];
  /** The runtime's instances (requests on this host count the ones that run). */
  instances: () => readonly Instance[];
  /** The host's `instance` label (MonitoringEngine writes hostname()). */
  hostInstance?: string;
  windowMs?: number;
  stepMs?: number;
};

export type ServiceRecommendation = {
  service: string;
  declared: { cpuCores?: number; memoryBytes?: number };
  /** Absent until there is history (no CPU sample yet, or all at one instant). */
  target?: ResourceAmounts;
  lowerBound?: ResourceAmounts;
  upperBound?: ResourceAmounts;
  cpu: Verdict;
  memory: Verdict;
  evidence: {
    fromMs: number;
    toMs: number;
    stepSeconds: number;
    firstSampleMs?: number;
    lastSampleMs?: number;
    cpuSamples: number;
    memoryPeaks: number;
    instances: number;
    confidenceDays: number;
  };
  /** A line.yaml value that does not parse: the verdict then treats it as undeclared. */
  problem?: string;
};

export type RecommendationReport = { evaluatedAt: number; services: ServiceRecommendation[] };

export type PackingSummary = {
  algorithm: PackResult["algorithm"];
  nodeCount: number;
  lowerBound: number;
  unplaceable: string[];
  nodes: { cpuCores: number; memoryBytes: number; instances: number; services: Record<string, number> }[];
};

export type CapacityReport = {
  evaluatedAt: number;
  host: {
    instance: string;
    cpu: Headroom;
    memory: Headroom;
    forecasts: {
      cpuUtilisation: Forecast;
      memoryUtilisation: Forecast;
      disks: (Forecast & { mountpoint: string; device: string })[];
    };
  };
  requests: {
    service: string;
    /** Instances of it running here. */
    instances: number;
    cpuCores?: number;
    memoryBytes?: number;
    /** Where the request comes from: line.yaml, the recommender's target (none declared), or nowhere. */
    source: "declared" | "recommended" | "none";
  }[];
  packing?: {
    node: NodeSize;
    /** "host": this host's cores and memory; "given": the caller's node size. */
    nodeSource: "host" | "given";
    lines: number;
    instances: number;
    /** Services left out: no request declared and no recommendation yet. */
    missing: string[];
    firstFit: PackingSummary;
    bestFit: PackingSummary;
  };
  /** Why there is no packing (no node size known). */
  packingProblem?: string;
};

export type CapacityOptions = { node?: Partial<NodeSize>; lines?: number };

/** A capacity request the optimizer cannot answer as asked (bad node size or line count, too large). */
export const OptimizerErrors = {
  badCapacityRequest: defineError("LINEOPS_ERR_BAD_CAPACITY_REQUEST", 400, "bad_data"),
};

const esc = (s: string) => JSON.stringify(s);
const RUNNING = new Set(["starting", "ready", "unready", "backoff", "stopping"]);

export class ResourceOptimizer {
  private readonly hostInstance: string;
  private cached: { atMs: number; report: Promise<RecommendationReport> } | undefined;

  constructor(private readonly o: OptimizerOptions) {
    this.hostInstance = o.hostInstance ?? hostname();
  }

  /** Whether the line has a service of this name. */
  hasService(name: string): boolean {
    return this.o.services().some((s) => s.name === name);
  }

  /** Declared requests of a service; a value that does not parse is reported, not thrown. */
  private declared(s: ServiceResources): { requests: Requests; problem?: string } {
    const requests: Requests = {};
    const problems: string[] = [];
    try {
      const c = cpuCores(s.resources?.cpu, `${s.name}.resources.cpu`);
      if (c !== undefined) {
        requests.cpuCores = c;
      }
    } catch (e) {
      problems.push((e as Error).message);
    }
    try {
      const m = memoryBytes(s.resources?.memory, `${s.name}.resources.memory`);
      if (m !== undefined) {
        requests.memoryBytes = m;
      }
    } catch (e) {
      problems.push((e as Error).message);
    }
    return problems.length > 0 ? { requests, problem: problems.join("; ") } : { requests };
  }

  /** Recommendations for every service (or one), cached for CACHE_MS. Rejects only when a query fails. */
  async recommendations(nowMs: number, service?: string): Promise<RecommendationReport> {
    if (this.cached === undefined || Math.abs(nowMs - this.cached.atMs) >= CACHE_MS) {
      const report = this.compute(nowMs);
      this.cached = { atMs: nowMs, report };
      report.catch(() => (this.cached = undefined));
    }
    const report = await this.cached.report;
    return service === undefined
      ? report
      : { ...report, services: report.services.filter((s) => s.service === service) };
  }

  private async compute(nowMs: number): Promise<RecommendationReport> {
    const windowMs = this.o.windowMs ?? DEFAULT_WINDOW_MS;
    const stepMs = this.o.stepMs ?? DEFAULT_STEP_MS;
    const fromMs = nowMs - windowMs;
    const rangeSel = `[${Math.round(stepMs / 1000)}s]`;
    const [cpu, rss] = await Promise.all([
      this.rangeInChunks(
        `sum without (mode) (rate(lineops_instance_cpu_seconds_total${rangeSel}))`,
        fromMs,
        nowMs,
        stepMs,
      ),
      this.rangeInChunks(
        `max_over_time(lineops_instance_resident_memory_bytes${rangeSel})`,
        fromMs,
        nowMs,
        stepMs,
      ),
    ]);
    const services = this.o.services();
    const declared = new Map(services.map((s) => [s.name, this.declared(s)]));
    const usage = new Map<string, AggregateUsage>();
    const instances = new Map<string, Set<string>>();
    const usageOf = (service: string, id: string | undefined) => {
      let u = usage.get(service);
      if (u === undefined) {
        u = new AggregateUsage();
        usage.set(service, u);
        instances.set(service, new Set());
      }
      if (id !== undefined) {
        instances.get(service)?.add(id);
      }
      return u;
    };
    for (const s of seriesOf(cpu)) {
      const service = s.labels.service;
      if (service === undefined || !declared.has(service)) {
        continue;
      }
      const u = usageOf(service, s.labels.instance_id);
      const request = declared.get(service)?.requests.cpuCores ?? 0;
      for (const p of s.points) {
        u.addCpu(p.t, p.v, request);
      }
    }
    for (const s of seriesOf(rss)) {
      const service = s.labels.service;
      if (service === undefined || !declared.has(service)) {
        continue;
      }
      const u = usageOf(service, s.labels.instance_id);
      // One peak per instance and aggregation interval, taken at the interval's start (the VPA's).
      const peaks = new Map<number, number>();
      for (const p of s.points) {
        if (!Number.isFinite(p.v)) {
          continue;
        }
        const start = Math.floor(p.t / MEMORY_AGGREGATION_INTERVAL_MS) * MEMORY_AGGREGATION_INTERVAL_MS;
        peaks.set(start, Math.max(peaks.get(start) ?? -Infinity, p.v));
      }
      for (const [start, peak] of peaks) {
        u.addMemoryPeak(start, peak);
      }
    }
    const out: ServiceRecommendation[] = services.map((s) => {
      const d = declared.get(s.name) ?? { requests: {} };
      const u = usage.get(s.name) ?? new AggregateUsage();
      const e: Estimate = estimate(u, { sampleIntervalMs: stepMs });
      const hasHistory = e.confidenceDays > 0;
      const r: ServiceRecommendation = {
        service: s.name,
        declared: d.requests,
        cpu: verdict(d.requests.cpuCores, e.lowerBound.cpuCores, e.upperBound.cpuCores, hasHistory),
        memory: verdict(
          d.requests.memoryBytes,
          e.lowerBound.memoryBytes,
          e.upperBound.memoryBytes,
          hasHistory && u.memoryPeakCount > 0,
        ),
        evidence: {
          fromMs,
          toMs: nowMs,
          stepSeconds: stepMs / 1000,
          cpuSamples: u.cpuSamples,
          memoryPeaks: u.memoryPeakCount,
          instances: instances.get(s.name)?.size ?? 0,
          confidenceDays: e.confidenceDays,
        },
      };
      if (u.firstSampleMs !== undefined) {
        r.evidence.firstSampleMs = u.firstSampleMs;
      }
      if (u.lastSampleMs !== undefined) {
        r.evidence.lastSampleMs = u.lastSampleMs;
      }
      if (hasHistory) {
        r.target = e.target;
        r.lowerBound = e.lowerBound;
        r.upperBound = e.upperBound;
      }
      if (d.problem !== undefined) {
        r.problem = d.problem;
      }
      return r;
    });
    return { evaluatedAt: nowMs, services: out };
  }

  /**
   * A range query over [fromMs, toMs] in pieces of at most MAX_POINTS_PER_QUERY steps (the PromQL
   * engine refuses more than 11 000 points a series, as Prometheus does; 8 days a minute is 11 521),
   * one after another so only one piece is in memory in the engine at a time; series joined by labels.
   */
  private async rangeInChunks(
    query: string,
    fromMs: number,
    toMs: number,
    stepMs: number,
  ): Promise<QueryValue> {
    const bySeries = new Map<
      string,
      { labels: Record<string, string>; points: { t: number; v: number }[] }
    >();
    for (let start = fromMs; start <= toMs; start += MAX_POINTS_PER_QUERY * stepMs) {
      const end = Math.min(toMs, start + (MAX_POINTS_PER_QUERY - 1) * stepMs);
      const v = await this.o.querier.range(query, start, end, stepMs, QUERY_TIMEOUT_MS);
      for (const s of seriesOf(v)) {
        const key = JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)));
        const known = bySeries.get(key);
        if (known === undefined) {
          bySeries.set(key, { labels: s.labels, points: [...s.points] });
        } else {
          known.points.push(...s.points);
        }
      }
    }
    return { type: "matrix", series: [...bySeries.values()] };
  }

  /** The capacity report at `nowMs`; `node` / `lines` ask for a packing simulation. Throws on bad options. */
  async capacity(nowMs: number, opts: CapacityOptions = {}): Promise<CapacityReport> {
    const lines = opts.lines ?? 1;
    if (!Number.isInteger(lines) || lines < 1 || lines > MAX_LINES) {
      throw OptimizerErrors.badCapacityRequest(
        `lines: ${lines} is not a whole number from 1 to ${MAX_LINES}`,
      );
    }
    for (const [k, v] of Object.entries(opts.node ?? {})) {
      if (v !== undefined && (!(v > 0) || !Number.isFinite(v))) {
        throw OptimizerErrors.badCapacityRequest(`node ${k}: ${v} must be a positive number`);
      }
    }
    const host = `job="node", instance=${esc(this.hostInstance)}`;
    const instant = async (q: string) => {
      const v = await this.o.querier.instant(q, nowMs);
      return v.type === "vector" ? v.samples : [];
    };
    const range = (q: string) =>
      this.o.querier.range(q, nowMs - TREND_WINDOW_MS, nowMs, TREND_STEP_MS, QUERY_TIMEOUT_MS);
    const [cores, memTotal, cpuTrend, memTrend, diskTrend, recs] = await Promise.all([
      instant(`count(node_cpu_seconds_total{mode="idle", ${host}})`),
      instant(`node_memory_MemTotal_bytes{${host}}`),
      range(`1 - avg(rate(node_cpu_seconds_total{mode="idle", ${host}}[5m]))`),
      range(`1 - node_memory_MemAvailable_bytes{${host}} / node_memory_MemTotal_bytes{${host}}`),
      range(
        `1 - node_filesystem_avail_bytes{fstype!~"${NOT_DISK_FSTYPES}", ${host}} / node_filesystem_size_bytes{fstype!~"${NOT_DISK_FSTYPES}", ${host}}`,
      ),
      this.recommendations(nowMs),
    ]);
    const allocCpu = cores[0]?.v;
    const allocMem = memTotal[0]?.v;
    const running = new Map<string, number>();
    for (const i of this.o.instances()) {
      if (RUNNING.has(i.state)) {
        running.set(i.service, (running.get(i.service) ?? 0) + 1);
      }
    }
    const recOf = new Map(recs.services.map((r) => [r.service, r]));
    const services = this.o.services();
    const requests: CapacityReport["requests"] = services.map((s) => {
      const d = this.declared(s).requests;
      const target = recOf.get(s.name)?.target;
      const cpu = d.cpuCores ?? target?.cpuCores;
      const mem = d.memoryBytes ?? target?.memoryBytes;
      const source =
        d.cpuCores !== undefined && d.memoryBytes !== undefined
          ? "declared"
          : target !== undefined
            ? "recommended"
            : "none";
      const row: CapacityReport["requests"][number] = {
        service: s.name,
        instances: running.get(s.name) ?? 0,
        source,
      };
      if (cpu !== undefined) {
        row.cpuCores = cpu;
      }
      if (mem !== undefined) {
        row.memoryBytes = mem;
      }
      return row;
    });
    const sum = (k: "cpuCores" | "memoryBytes") =>
      requests.reduce((acc, r) => acc + (r[k] ?? 0) * r.instances, 0);
    const step = TREND_STEP_MS / 1000;
    const firstSeries = (v: QueryValue) => seriesOf(v)[0]?.points ?? [];
    const report: CapacityReport = {
      evaluatedAt: nowMs,
      host: {
        instance: this.hostInstance,
        cpu: headroom(allocCpu, sum("cpuCores")),
        memory: headroom(allocMem, sum("memoryBytes")),
        forecasts: {
          cpuUtilisation: forecast(firstSeries(cpuTrend), 1, FORECAST_HORIZON_S, step),
          memoryUtilisation: forecast(firstSeries(memTrend), 1, FORECAST_HORIZON_S, step),
          disks: seriesOf(diskTrend)
            .map((s) => ({
              mountpoint: s.labels.mountpoint ?? "",
              device: s.labels.device ?? "",
              ...forecast(s.points, 1, FORECAST_HORIZON_S, step),
            }))
            .sort((a, b) => a.mountpoint.localeCompare(b.mountpoint))
            .slice(0, MAX_LISTED_NODES),
        },
      },
      requests,
    };
    const nodeCpu = opts.node?.cpuCores ?? allocCpu;
    const nodeMem = opts.node?.memoryBytes ?? allocMem;
    if (nodeCpu === undefined || nodeMem === undefined) {
      report.packingProblem =
        "no node size: give one (CPU cores and memory), or wait for the host collector's first sample";
      return report;
    }
    const node = { cpuCores: nodeCpu, memoryBytes: nodeMem };
    const byService = new Map(requests.map((r) => [r.service, r]));
    const { items, missing } = lineItems(services, lines, (name) => {
      const r = byService.get(name);
      return r?.cpuCores !== undefined && r.memoryBytes !== undefined
        ? { cpuCores: r.cpuCores, memoryBytes: r.memoryBytes }
        : {};
    });
    if (items.length > MAX_PACKED_INSTANCES) {
      throw OptimizerErrors.badCapacityRequest(
        `lines: ${lines} lines are ${items.length} instances, more than the ${MAX_PACKED_INSTANCES} a simulation packs; ask for fewer lines`,
      );
    }
    const serviceOf = new Map(items.map((i) => [i.id, i.service]));
    const summarise = (p: PackResult): PackingSummary => ({
      algorithm: p.algorithm,
      nodeCount: p.nodes.length,
      lowerBound: p.lowerBound,
      unplaceable: p.unplaceable.slice(0, MAX_LISTED_NODES),
      nodes: p.nodes.slice(0, MAX_LISTED_NODES).map((n) => {
        const services: Record<string, number> = {};
        for (const id of n.items) {
          const s = serviceOf.get(id) ?? "";
          services[s] = (services[s] ?? 0) + 1;
        }
        return { cpuCores: n.cpuCores, memoryBytes: n.memoryBytes, instances: n.items.length, services };
      }),
    });
    report.packing = {
      node,
      nodeSource:
        opts.node?.cpuCores !== undefined || opts.node?.memoryBytes !== undefined ? "given" : "host",
      lines,
      instances: items.length,
      missing,
      firstFit: summarise(firstFitDecreasing(items, node)),
      bestFit: summarise(bestFitDecreasing(items, node)),
    };
    return report;
  }
}

function seriesOf(v: QueryValue): { labels: Record<string, string>; points: { t: number; v: number }[] }[] {
  return v.type === "matrix" ? v.series : [];
}
