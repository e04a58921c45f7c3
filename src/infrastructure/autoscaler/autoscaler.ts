// The autoscaler loop: every sync period, for each service with an `autoscaling` block, read its
// metrics per instance, run the HPA's step and scale through the ScaleTarget. Every decision is
// kept (bounded, per service), published on the bus and exported as lineops_autoscaler_* metrics.
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { AutoscalingMetric, AutoscalingSpec } from "../../config/autoscaling-schema.js";
import type { EventBus } from "../../events/bus.js";
import type { MetricsQuerier } from "../../monitoring/index.js";
import type { Instance } from "../../runtime/index.js";
import { behaviorOf, ScalingHistory } from "./behavior.js";
import { REASONS, step } from "./decide.js";
import { AutoscalerErrors } from "./errors.js";
import {
  replicasForMetric,
  replicasForMetrics,
  type InstanceReading,
  type MetricTarget,
  type Proposal,
} from "./replica-calculator.js";
import type { AutoscalerDecision, MetricDecision, ScaleTarget } from "./types.js";

/** Decisions kept per service (newest last). */
export const DECISIONS_KEPT = 200;
/** The HPA's --horizontal-pod-autoscaler-sync-period. */
export const DEFAULT_SYNC_PERIOD_MS = 15_000;
/** The CPU rate's range: samples of an instance from before its readiness plus this are start-up noise. */
const CPU_WINDOW_MS = 60_000;

export type AutoscalerOptions = {
  target: ScaleTarget;
  querier: MetricsQuerier;
  instances: (service: string) => Instance[];
  bus: EventBus;
  logger: Logger;
  registry?: Registry;
  syncPeriodMs?: number;
  now?: () => number;
};

export type AutoscalerStatus = {
  service: string;
  enabled: boolean;
  spec: AutoscalingSpec;
  replicas: { desired: number; current: number; ready: number; rolling: boolean };
  lastDecision?: AutoscalerDecision;
};

/** "250m" -> 0.25 cores, 2 -> 2 cores; "128Mi" -> bytes. */
export function parseQuantity(q: number | string, resource: "cpu" | "memory"): number {
  if (typeof q === "number") {
    return q;
  }
  if (resource === "cpu") {
    return Number(q.slice(0, -1)) / 1000;
  }
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[q.slice(-2)] ?? 1;
  return Number(q.slice(0, -2)) * unit;
}

export class Autoscaler {
  private readonly histories = new Map<string, ScalingHistory>();
  private readonly decisions = new Map<string, AutoscalerDecision[]>();
  private readonly scaling = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly desiredGauge: Gauge | undefined;
  private readonly currentGauge: Gauge | undefined;
  private readonly decisionsTotal: Counter | undefined;

  constructor(private readonly o: AutoscalerOptions) {
    this.now = o.now ?? Date.now;
    if (o.registry) {
      const registers = [o.registry];
      this.desiredGauge = new Gauge({
        name: "lineops_autoscaler_desired_replicas",
        help: "Instances the autoscaler last decided on, per service.",
        labelNames: ["service"],
        registers,
      });
      this.currentGauge = new Gauge({
        name: "lineops_autoscaler_current_replicas",
        help: "Instances of the service when the autoscaler last decided.",
        labelNames: ["service"],
        registers,
      });
      this.decisionsTotal = new Counter({
        name: "lineops_autoscaler_decisions_total",
        help: "Autoscaler decisions by service and reason.",
        labelNames: ["service", "reason"],
        registers,
      });
    }
  }

  start(): void {
    const period = this.o.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
    const loop = () => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: unknown) => this.o.logger.error({ err }, `autoscaler tick failed: ${String(err)}`))
        .finally(() => {
          if (this.timer !== undefined) {
            this.timer = setTimeout(loop, period);
          }
        });
    };
    this.timer = setTimeout(loop, period);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over every autoscaled service (the loop's body; tests call it with their own clock). */
  async tick(): Promise<AutoscalerDecision[]> {
    const out: AutoscalerDecision[] = [];
    for (const { service, autoscaling, resources } of this.o.target.autoscaled()) {
      if (!autoscaling.enabled || this.scaling.has(service)) {
        continue; // a scale still running: its instances are not all there yet
      }
      try {
        out.push(await this.decide(service, autoscaling, resources));
      } catch (err) {
        this.o.logger.error({ err, service }, `autoscaler: ${service}: ${String(err)}`);
      }
    }
    return out;
  }

  /** Decisions of a service, newest first. */
  history(service: string, limit = 50): AutoscalerDecision[] {
    return [...(this.decisions.get(service) ?? [])].reverse().slice(0, limit);
  }

  status(service: string): AutoscalerStatus {
    const entry = this.o.target.autoscaled().find((s) => s.service === service);
    if (!entry) {
      if (!this.o.target.hasService(service)) {
        throw AutoscalerErrors.unknownService(`service "${service}" is not in the line`);
      }
      throw AutoscalerErrors.notAutoscaled(`service "${service}" has no autoscaling block in line.yaml`);
    }
    const last = this.decisions.get(service)?.at(-1);
    return {
      service,
      enabled: entry.autoscaling.enabled,
      spec: entry.autoscaling,
      replicas: this.o.target.replicas(service),
      ...(last ? { lastDecision: last } : {}),
    };
  }

  /**
   * A scale by hand (`lineops scale`): refused beyond the autoscaler's bounds while it is on (it
   * would undo the scale at its next pass); any count the service allows once it is off.
   */
  async scale(
    service: string,
    replicas: number,
    by: string,
  ): Promise<{ service: string; from: number; replicas: number; deferred: boolean }> {
    if (!this.o.target.hasService(service)) {
      throw AutoscalerErrors.unknownService(`service "${service}" is not in the line`);
    }
    const a = this.o.target.autoscaled().find((s) => s.service === service)?.autoscaling;
    if (a?.enabled && (replicas < a.minReplicas || replicas > a.maxReplicas)) {
      throw AutoscalerErrors.outOfBounds(
        `replicas ${replicas} of ${service} is outside its autoscaler's minReplicas ${a.minReplicas} / maxReplicas ${a.maxReplicas} (set autoscaling.enabled: false to scale beyond)`,
      );
    }
    const r = await this.o.target.scale(service, replicas, by);
    return { service, ...r };
  }

  private async decide(
    service: string,
    spec: AutoscalingSpec,
    resources: { cpu?: number | string; memory?: number | string } | undefined,
  ): Promise<AutoscalerDecision> {
    const now = this.now();
    const replicas = this.o.target.replicas(service);
    const base = {
      service,
      at: now,
      currentReplicas: replicas.desired,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
    };
    if (replicas.rolling) {
      // The rollout owns the count: its surge instances must not read as load (kubernetes#72775).
      return this.record({
        ...base,
        metrics: [],
        desiredReplicas: replicas.desired,
        applied: false,
        reason: "rollout_in_progress",
        message: "a deployment is in progress; the count waits for its end",
      });
    }
    const instances = this.o.instances(service);
    const proposals: Proposal[] = [];
    const metrics: MetricDecision[] = [];
    for (const m of spec.metrics) {
      const p = await this.propose(service, m, instances, replicas.desired, spec.tolerance, resources, now);
      proposals.push(p);
      metrics.push({
        metric: m.name,
        target:
          m.type === "resource" ? (m.targetUtilization ?? m.targetAverageValue ?? 0) : m.targetAverageValue,
        ...(p.ok
          ? {
              observed: p.observed,
              usageRatio: p.usageRatio,
              proposal: p.replicas,
              ready: p.readyCount,
              missing: p.missing,
              unready: p.unready,
            }
          : { error: p.error }),
      });
    }
    const history = this.histories.get(service) ?? new ScalingHistory();
    this.histories.set(service, history);
    const s = step(history, {
      currentReplicas: replicas.desired,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      behavior: behaviorOf(spec.behavior),
      recommendation: replicasForMetrics(replicas.desired, proposals),
      now,
    });
    const applied = s.desiredReplicas !== replicas.desired;
    const decision = this.record({
      ...base,
      metrics,
      ...(s.recommendation === undefined ? {} : { recommendation: s.recommendation }),
      ...(s.stabilized === undefined ? {} : { stabilized: s.stabilized }),
      desiredReplicas: s.desiredReplicas,
      applied,
      reason: s.reason,
      message: s.message,
    });
    if (applied) {
      this.scaling.add(service);
      // The scale runs on while the loop goes on with other services; the next pass for this
      // service waits for it (instances still starting are not yet the count).
      void this.o.target
        .scale(service, s.desiredReplicas, "autoscaler")
        .catch((err: unknown) => {
          this.record({
            ...base,
            at: this.now(),
            metrics: [],
            desiredReplicas: s.desiredReplicas,
            applied: false,
            reason: "scale_failed",
            message: String(err),
          });
        })
        .finally(() => this.scaling.delete(service));
    }
    return decision;
  }

  private async propose(
    service: string,
    m: AutoscalingMetric,
    instances: Instance[],
    currentReplicas: number,
    tolerance: number,
    resources: { cpu?: number | string; memory?: number | string } | undefined,
    now: number,
  ): Promise<Proposal> {
    let query: string;
    let target: MetricTarget;
    let request: number | undefined;
    const selector = `{service=${JSON.stringify(service)}}`;
    if (m.type === "resource") {
      query =
        m.name === "cpu"
          ? `sum without (mode) (rate(lineops_instance_cpu_seconds_total${selector}[1m]))`
          : `lineops_instance_resident_memory_bytes${selector}`;
      const declared = resources?.[m.name];
      request = declared === undefined ? undefined : parseQuantity(declared, m.name);
      target =
        m.targetUtilization !== undefined
          ? { kind: "utilization", percent: m.targetUtilization, cpu: m.name === "cpu" }
          : { kind: "averageValue", value: m.targetAverageValue ?? 0, cpu: m.name === "cpu" };
    } else {
      query = m.query;
      target = { kind: "averageValue", value: m.targetAverageValue, cpu: false };
    }
    const values = new Map<string, { v: number; t: number }>();
    try {
      const result = await this.o.querier.instant(query, now);
      if (result.type !== "vector") {
        return {
          ok: false,
          error: `metric ${m.name}: the query must return an instant vector, got a ${result.type}`,
        };
      }
      for (const s of result.samples) {
        const id = s.labels.instance_id;
        if (id === undefined) {
          return {
            ok: false,
            error: `metric ${m.name}: a series has no instance_id label: the query is not per instance (keep instance_id, e.g. sum by (instance_id) (...))`,
          };
        }
        values.set(id, { v: s.v, t: s.t });
      }
    } catch (err) {
      return { ok: false, error: `metric ${m.name}: ${(err as Error).message}` };
    }
    const readings: InstanceReading[] = instances.map((i) => {
      const reading = values.get(i.id);
      return {
        id: i.id,
        phase:
          i.state === "stopping" || i.state === "stopped" || i.state === "failed"
            ? "ignored"
            : i.state === "backoff"
              ? "pending"
              : "running",
        ready: i.state === "ready",
        ...(i.startedAt === undefined ? {} : { startedAt: i.startedAt }),
        ...(i.readySince === undefined ? {} : { readySince: i.readySince }),
        ...(reading === undefined || !Number.isFinite(reading.v)
          ? {}
          : { value: reading.v, valueAt: reading.t }),
        ...(request === undefined ? {} : { request }),
      };
    });
    return replicasForMetric({
      currentReplicas,
      target,
      instances: readings,
      tolerance,
      now,
      metricWindowMs: CPU_WINDOW_MS,
    });
  }

  private record(d: AutoscalerDecision): AutoscalerDecision {
    const list = this.decisions.get(d.service) ?? [];
    list.push(d);
    if (list.length > DECISIONS_KEPT) {
      list.splice(0, list.length - DECISIONS_KEPT);
    }
    this.decisions.set(d.service, list);
    this.desiredGauge?.set({ service: d.service }, d.desiredReplicas);
    this.currentGauge?.set({ service: d.service }, d.currentReplicas);
    this.decisionsTotal?.inc({ service: d.service, reason: d.reason });
    this.o.bus.emit("autoscaler.decision", {
      service: d.service,
      at: d.at,
      currentReplicas: d.currentReplicas,
      desiredReplicas: d.desiredReplicas,
      ...(d.recommendation === undefined ? {} : { recommendation: d.recommendation }),
      applied: d.applied,
      reason: d.reason,
      message: d.message,
    });
    return d;
  }
}

/** Every reason a decision may carry (the decisions_total label values). */
export const DECISION_REASONS = REASONS;
