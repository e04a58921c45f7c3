// DeploymentEngine: turns an applied line into running instances. It records every service spec
// as a revision, starts services in dependency order behind their stable front doors, and keeps
// each front door pointed at the ready instances. Strategies (rolling, blue-green, canary) build
// on this in a later stage; today a changed spec is replaced by starting new instances, waiting
// for them to be ready, then draining the old ones.
import path from "node:path";
import type { Logger } from "pino";
import type { LineSpec, ServiceSpec } from "../config/line-schema.js";
import type { EventBus } from "../events/bus.js";
import type { Instance, InstanceSpec, ProbeSpec, Runtime } from "../runtime/types.js";
import type { ProbeConfig } from "../config/line-schema.js";
import type { AnalysisRef, AnalysisTemplate, Strategy } from "../config/deploy-schema.js";
import type { DeploymentRecord, DeploymentRepository } from "../store/deployments.js";
import { isTerminal } from "../store/deployments.js";
import { contentHash, type Revision, type RevisionRepository } from "../store/revisions.js";
import { Rollout, STABLE, type AnalysisVerdict, type Traffic } from "./rollout.js";
import { blueGreen } from "./strategies/blue-green.js";
import { canary } from "./strategies/canary.js";
import { recreate } from "./strategies/recreate.js";
import { rolling } from "./strategies/rolling.js";
import { DeploymentErrors } from "./errors.js";
import { startOrder } from "./line.js";
import { dependencyLevels } from "./plan.js";
import { satisfies } from "./versions.js";

/** The stable per-service address that clients use (runtime/router implements it). */
export interface FrontDoors {
  listen(service: string, port?: number): Promise<{ host: string; port: number; url: string }>;
  setBackends(
    service: string,
    backends: {
      instanceId: string;
      host: string;
      port: number;
      station?: string;
      group?: string;
      revision?: string;
    }[],
  ): void;
  addressOf(service: string): { url: string } | undefined;
  /** Share of traffic per backend group, summing to 100 (routers without weights ignore groups). */
  setWeights?(service: string, weights: Record<string, number>): void;
  /** Takes the instance out of rotation and waits for its in-flight requests, up to timeoutMs. */
  drain?(instanceId: string, timeoutMs: number): Promise<unknown>;
  /** Keeps a client (by header or cookie) on the same revision group during a canary. */
  setStickiness?(service: string, stickiness: { header?: string; cookie?: string } | undefined): void;
}

/** Runs one analysis (templates + args) to a verdict; provided by deployment/analysis. */
export type AnalysisRunner = (
  templates: AnalysisTemplate[],
  ref: AnalysisRef,
  args: Record<string, string>,
  signal: AbortSignal,
  onProgress: (msg: string) => void,
  extra?: { background?: boolean },
) => Promise<AnalysisVerdict>;

/** Waits until the service's deploy windows and state gates allow a deployment. */
export type GateWaiter = (
  service: string,
  gates: LineSpec["gates"][],
  signal: AbortSignal,
  onWaiting: (reasons: string[]) => void,
  override: AbortSignal,
) => Promise<"open" | "timeout" | "overridden" | "cancelled">;

/** A service spec as stored in a revision: the line.yaml entry with its working directory made absolute. */
export type StoredServiceSpec = ServiceSpec & { cwd: string };

export type ServiceStatus = {
  name: string;
  version: string;
  revision: string;
  revisionNumber: number;
  url?: string;
  desired: number;
  instances: number;
  readyInstances: number;
  failedInstances: number;
  ready: boolean;
  dependsOn: string[];
  stations?: string[];
};

export type DeploymentEngineOptions = {
  runtime: Runtime;
  deployments: DeploymentRepository;
  analysis?: AnalysisRunner;
  gates?: GateWaiter;
  frontDoors: FrontDoors;
  revisions: RevisionRepository;
  bus: EventBus;
  logger: Logger;
  stopTimeoutMs: number;
  readyTimeoutMs: number;
};

export type ApplyResult = {
  line: string;
  order: string[][];
  services: {
    name: string;
    revision: string;
    number: number;
    created: boolean;
    deployment?: string;
    phase?: string;
  }[];
  /** Set when a deployment of the plan failed: the plan halted and earlier ones were rolled back. */
  failed?: string;
};

export type PlanPreview = {
  order: string[][];
  services: {
    name: string;
    action: "create" | "deploy";
    fromVersion: string | undefined;
    toVersion: string;
    strategy: string;
    diff: { path: string; from: unknown; to: unknown }[];
  }[];
  removed: string[];
};

/** Field-by-field differences of two specs, as dotted paths. */
export function specDiff(
  a: unknown,
  b: unknown,
  prefix = "",
): { path: string; from: unknown; to: unknown }[] {
  const isObj = (x: unknown): x is Record<string, unknown> =>
    x !== null && typeof x === "object" && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .flatMap((k) => specDiff(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: prefix, from: a, to: b }];
}

export type DeployRequest = {
  service: string;
  version?: string;
  /** Deploy an existing revision (hash or number) instead of a new version. */
  revision?: string;
  strategy?: Strategy;
  by: string;
  planId?: string;
};

export class DeploymentEngine {
  private lineName = "line";
  private unwatch: (() => void) | undefined;
  private readonly specs = new Map<string, { spec: StoredServiceSpec; revision: Revision }>();
  /** Instances being stopped: out of rotation before their SIGTERM, so no new request reaches them. */
  private readonly leaving = new Set<string>();
  /** Old instances kept warm out of rotation during a per-station canary (instant rollback). */
  private readonly standby = new Set<string>();
  private readonly traffic = new Map<string, Traffic>();
  private readonly rollouts = new Map<
    string,
    { rollout: Rollout; done: Promise<string>; overrideGates: AbortController }
  >();
  private templates: AnalysisTemplate[] = [];
  private lineGates: LineSpec["gates"];

  constructor(private readonly o: DeploymentEngineOptions) {}

  /** Starts routing on instance events and brings up the line stored from a previous run, if any. */
  async start(): Promise<void> {
    this.unwatch = this.o.runtime.watch((e) => {
      this.o.bus.emit("instance", e);
      this.refreshBackends(e.instance.service);
    });
    // A deployment that was in progress when the control plane died is rolled back: its instances
    // were stopped with the old control plane, and the service's current revision is still the
    // stable one, so reconciling below restarts exactly the stable revision.
    for (const d of this.o.deployments.active()) {
      this.o.deployments.update(d.id, {
        phase: "RolledBack",
        reason: "control plane restarted during the deployment",
      });
      this.recordEvent(
        d.id,
        d.service,
        "phase",
        "rolled back: lineops restarted while this deployment was in progress",
      );
    }
    const stored = this.o.revisions
      .services()
      .map((s) => this.o.revisions.current(s.name))
      .filter((r): r is Revision => r !== undefined);
    for (const r of stored) {
      this.specs.set(r.service, { spec: r.spec as StoredServiceSpec, revision: r });
    }
    if (stored.length > 0) {
      await this.reconcileAll();
    }
  }

  /** Stops every instance, dependents first, letting each finish in-flight work. */
  async stop(): Promise<void> {
    this.unwatch?.();
    const levels = this.levels().reverse();
    for (const level of levels) {
      await Promise.all(
        level.flatMap((name) =>
          this.o.runtime
            .list({ service: name })
            .filter((i) => i.state !== "stopped")
            .map((i) => this.retire(i)),
        ),
      );
    }
  }

  /**
   * Records each service of `line` as a revision and converges on it: a service that is not running
   * yet is started; a running service whose spec changed is deployed with its strategy, level by
   * level of the dependency DAG; if one fails, the plan halts and the ones already deployed are
   * rolled back in reverse order.
   */
  async apply(line: LineSpec, lineDir: string, by = "line apply"): Promise<ApplyResult> {
    this.lineName = line.line.name;
    this.templates = line.analysisTemplates;
    this.lineGates = line.gates;
    const results: ApplyResult["services"] = [];
    const changed = new Map<string, { spec: StoredServiceSpec; revision: Revision }>();
    for (const s of line.services) {
      const spec: StoredServiceSpec = { ...s, cwd: path.resolve(lineDir, s.cwd ?? ".") };
      const running = this.o.runtime
        .list({ service: s.name })
        .some((i) => i.state !== "stopped" && i.state !== "failed");
      const current = this.specs.get(s.name);
      const { revision, created } = this.o.revisions.record(s.name, s.version, spec);
      if (running && current && current.revision.hash !== revision.hash) {
        changed.set(s.name, { spec, revision });
      } else {
        this.o.revisions.setCurrent(s.name, revision.hash);
        this.specs.set(s.name, { spec, revision });
      }
      results.push({ name: s.name, revision: revision.hash, number: revision.number, created });
    }
    for (const name of [...this.specs.keys()]) {
      if (!line.services.some((s) => s.name === name)) {
        await this.removeService(name);
      }
    }
    this.o.bus.emit("line.applied", {
      services: results.map((r) => ({ name: r.name, revision: r.revision, created: r.created })),
      at: Date.now(),
    });
    await this.reconcileAll();
    let failed: string | undefined;
    if (changed.size > 0) {
      // The new line's DAG orders the plan (as `deploy plan` shows it): a dependency added by this
      // very change, e.g. for a new `requires`, must already be deployed first.
      failed = await this.runPlan(changed, by, results, startOrder(line));
    }
    return { line: this.lineName, order: startOrder(line), services: results, ...(failed ? { failed } : {}) };
  }

  /**
   * Dry run of applying `line`: which services would change, in what order, with which strategy,
   * and the spec differences (field paths with old and new values). Changes nothing.
   */
  planLine(line: LineSpec, lineDir: string): PlanPreview {
    const changed: PlanPreview["services"] = [];
    for (const s of line.services) {
      const spec: StoredServiceSpec = { ...s, cwd: path.resolve(lineDir, s.cwd ?? ".") };
      const current = this.specs.get(s.name);
      const hash = contentHash(spec);
      if (current?.revision.hash === hash) {
        continue;
      }
      changed.push({
        name: s.name,
        action: current ? "deploy" : "create",
        fromVersion: current?.spec.version,
        toVersion: s.version,
        strategy: s.strategy.type,
        diff: current ? specDiff(current.spec, spec) : [],
      });
    }
    const names = new Set(changed.map((c) => c.name));
    const removed = [...this.specs.keys()].filter((n) => !line.services.some((s) => s.name === n));
    return {
      order: startOrder(line)
        .map((level) => level.filter((n) => names.has(n)))
        .filter((level) => level.length > 0),
      services: changed,
      removed,
    };
  }

  /** Deploys changed services in dependency order; on failure rolls back the deployed ones in reverse. */
  private async runPlan(
    changed: Map<string, { spec: StoredServiceSpec; revision: Revision }>,
    by: string,
    results: ApplyResult["services"],
    order: string[][],
  ): Promise<string | undefined> {
    const planId = `plan-${Date.now().toString(36)}`;
    const done: { service: string; from: Revision }[] = [];
    for (const level of order) {
      const here = level.filter((n) => changed.has(n));
      const outcomes = await Promise.all(
        here.map(async (name) => {
          const target = changed.get(name);
          const from = this.specs.get(name)?.revision;
          if (!target) {
            return { name, phase: "Succeeded" };
          }
          const rec = this.startDeployment(name, target, { by, planId });
          const phase = await (this.rollouts.get(name)?.done ?? Promise.resolve(rec.phase));
          const r = results.find((x) => x.name === name);
          if (r) {
            r.deployment = rec.id;
            r.phase = phase;
          }
          if (phase === "Succeeded" && from) {
            done.push({ service: name, from });
          }
          return { name, phase };
        }),
      );
      const bad = outcomes.find((o) => o.phase !== "Succeeded");
      if (bad) {
        for (const d of done.reverse()) {
          const prev = this.o.revisions.get(d.service, d.from.hash);
          if (prev) {
            const rec = this.startDeployment(
              d.service,
              { spec: prev.spec as StoredServiceSpec, revision: prev },
              {
                by: `${by} (plan rollback)`,
                planId,
                strategy: { type: "rolling", maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0 },
              },
            );
            await this.rollouts.get(d.service)?.done;
            this.recordEvent(rec.id, d.service, "plan", `rolled back because ${bad.name} failed`);
          }
        }
        return `${bad.name}: ${bad.phase}`;
      }
    }
    return undefined;
  }

  /** Starts a deployment of a new version (or an existing revision) of one service. */
  deploy(req: DeployRequest): DeploymentRecord {
    const current = this.requireService(req.service);
    if (this.rollouts.has(req.service)) {
      throw DeploymentErrors.deploymentInProgress(
        `service "${req.service}" already has a deployment in progress (${this.rollouts.get(req.service)?.rollout.id})`,
      );
    }
    let target: { spec: StoredServiceSpec; revision: Revision };
    if (req.revision !== undefined) {
      const rev = this.o.revisions.get(req.service, req.revision);
      if (!rev) {
        throw DeploymentErrors.revisionNotFound(`service "${req.service}" has no revision "${req.revision}"`);
      }
      target = { spec: rev.spec as StoredServiceSpec, revision: rev };
    } else {
      const spec: StoredServiceSpec = {
        ...current.spec,
        version: req.version ?? current.spec.version,
        ...(req.strategy ? { strategy: req.strategy } : {}),
      };
      target = { spec, revision: this.o.revisions.record(req.service, spec.version, spec).revision };
    }
    this.checkConstraints(req.service, target.spec);
    if (target.revision.hash === current.revision.hash) {
      throw DeploymentErrors.nothingToDeploy(
        `service "${req.service}" already runs revision ${current.revision.number}`,
      );
    }
    return this.startDeployment(req.service, target, {
      by: req.by,
      ...(req.planId ? { planId: req.planId } : {}),
      ...(req.strategy ? { strategy: req.strategy } : {}),
    });
  }

  /** The target's `requires` hold for what runs now, and so do other services' needs of this one. */
  private checkConstraints(service: string, spec: StoredServiceSpec): void {
    for (const [dep, constraint] of Object.entries(spec.requires ?? {})) {
      const running = this.specs.get(dep)?.spec.version;
      if (running !== undefined && !satisfies(running, constraint)) {
        throw DeploymentErrors.versionConstraint(
          `${service} ${spec.version} needs ${dep} ${constraint}, but ${dep} runs ${running}: deploy ${dep} first`,
        );
      }
    }
    for (const [other, { spec: o }] of this.specs) {
      const constraint = o.requires?.[service];
      if (other !== service && constraint !== undefined && !satisfies(spec.version, constraint)) {
        throw DeploymentErrors.versionConstraint(
          `${other} ${o.version} needs ${service} ${constraint}; ${service} ${spec.version} would break it`,
        );
      }
    }
  }

  private startDeployment(
    service: string,
    target: { spec: StoredServiceSpec; revision: Revision },
    opts: { by: string; planId?: string; strategy?: Strategy },
  ): DeploymentRecord {
    const from = this.specs.get(service);
    const spec = opts.strategy ? { ...target.spec, strategy: opts.strategy } : target.spec;
    const record = this.o.deployments.create({
      service,
      ...(opts.planId ? { planId: opts.planId } : {}),
      ...(from ? { fromRevision: from.revision.hash } : {}),
      toRevision: target.revision.hash,
      strategy: spec.strategy,
      state: {},
      createdBy: opts.by,
    });
    // The repository stored the "created" event itself; publish it like every later one.
    for (const e of this.o.deployments.events(record.id)) {
      this.o.bus.emit("deployment.event", {
        id: record.id,
        service,
        kind: e.kind,
        message: e.message,
        at: e.at,
      });
    }
    const overrideGates = new AbortController();
    const rollout = new Rollout(
      record,
      service,
      from,
      { spec, revision: target.revision },
      {
        runtime: this.o.runtime,
        deployments: this.o.deployments,
        instanceSpec: (sp, rev, station) => this.instanceSpec(sp, rev, station),
        setTraffic: (svc, traffic) => {
          if (traffic) {
            this.traffic.set(svc, traffic);
          } else {
            this.traffic.delete(svc);
          }
          this.refreshBackends(svc);
        },
        retire: (i) => this.retire(i),
        publish: (e) => this.o.bus.emit("deployment.event", e),
        setStandby: (i, on) => {
          if (on) {
            this.standby.add(i.id);
          } else {
            this.standby.delete(i.id);
          }
          this.refreshBackends(i.service);
        },
        runAnalysis: async (ref, args, signal, onProgress, extra) => {
          if (!this.o.analysis) {
            return { phase: "Error", message: "no analysis runner is configured" };
          }
          return this.o.analysis(this.templates, ref, args, signal, onProgress, extra);
        },
        waitForGates: async (svc, signal, onWaiting) => {
          const gates = [this.lineGates, this.specs.get(svc)?.spec.gates ?? spec.gates].filter(
            (g) => g !== undefined,
          );
          if (gates.length === 0 || !this.o.gates) {
            return "open";
          }
          return this.o.gates(svc, gates, signal, onWaiting, overrideGates.signal);
        },
      },
    );
    const strategy = { rolling, recreate, blueGreen, canary }[spec.strategy.type];
    const done = rollout
      .run(strategy, () => {
        this.o.revisions.setCurrent(service, target.revision.hash);
        this.specs.set(service, { spec, revision: target.revision });
        this.traffic.delete(service);
        this.refreshBackends(service);
      })
      .finally(() => {
        this.rollouts.delete(service);
        this.refreshBackends(service);
        this.o.bus.emit("deployment.finished", {
          id: record.id,
          service,
          phase: rollout.snapshot().phase,
          at: Date.now(),
        });
      });
    if (spec.strategy.type === "canary" && spec.strategy.stickiness) {
      this.o.frontDoors.setStickiness?.(service, spec.strategy.stickiness);
      void done.finally(() => this.o.frontDoors.setStickiness?.(service, undefined));
    }
    this.rollouts.set(service, { rollout, done, overrideGates });
    this.o.bus.emit("deployment.started", { id: record.id, service, at: Date.now() });
    return record;
  }

  /** Promote (skip the current pause), pause, resume, abort, or override the gates of a deployment. */
  control(id: string, action: "promote" | "pause" | "resume" | "abort" | "overrideGates"): DeploymentRecord {
    const entry = [...this.rollouts.values()].find((r) => r.rollout.id === id);
    const record = this.o.deployments.get(id);
    if (!record) {
      throw DeploymentErrors.deploymentNotFound(`deployment "${id}" not found`);
    }
    if (!entry || isTerminal(record.phase)) {
      throw DeploymentErrors.deploymentFinished(
        `deployment "${id}" is ${record.phase}; nothing to ${action}`,
      );
    }
    const r = entry.rollout;
    switch (action) {
      case "promote":
        r.promote();
        break;
      case "pause":
        r.pauseByUser();
        break;
      case "resume":
        r.resume();
        break;
      case "abort":
        r.requestAbort("abort");
        break;
      case "overrideGates":
        entry.overrideGates.abort();
        break;
    }
    r.log("control", `${action} requested`);
    return this.o.deployments.get(id) as DeploymentRecord;
  }

  /**
   * Rolls a service back: an active deployment is aborted and rolled back (traffic first); otherwise a
   * new deployment to the previous revision (or revision N) runs with a rolling strategy.
   */
  rollback(service: string, toRevision: string | undefined, by: string): DeploymentRecord {
    const active = this.rollouts.get(service);
    if (active && toRevision === undefined) {
      active.rollout.requestAbort("rollback");
      active.rollout.log("control", `rollback requested by ${by}`);
      return active.rollout.snapshot();
    }
    const current = this.requireService(service);
    const target =
      toRevision !== undefined
        ? this.o.revisions.get(service, toRevision)
        : this.o.revisions.history(service).find((r) => r.number < current.revision.number);
    if (!target) {
      throw DeploymentErrors.revisionNotFound(
        toRevision !== undefined
          ? `service "${service}" has no revision "${toRevision}"`
          : `service "${service}" has no earlier revision`,
      );
    }
    return this.deploy({ service, revision: target.hash, by: `${by} (rollback)` });
  }

  deployments(service?: string): DeploymentRecord[] {
    return this.o.deployments.list(service ? { service } : {});
  }

  deployment(id: string) {
    const record = this.o.deployments.get(id);
    if (!record) {
      throw DeploymentErrors.deploymentNotFound(`deployment "${id}" not found`);
    }
    return { ...record, events: this.o.deployments.events(id) };
  }

  /** Resolves when the service has no deployment in progress. */
  async settled(service: string): Promise<void> {
    await this.rollouts.get(service)?.done;
  }

  /** Stops every instance of a service and starts fresh ones of its current revision. */
  async restartService(name: string): Promise<void> {
    const entry = this.requireService(name);
    const old = this.o.runtime.list({ service: name }).filter((i) => i.state !== "stopped");
    await Promise.all(old.map((i) => this.retire(i)));
    await this.reconcile(name, entry);
  }

  line(): { name: string; order: string[][] } {
    return { name: this.lineName, order: this.levels() };
  }

  status(): ServiceStatus[] {
    return [...this.specs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, { spec, revision }]) => {
        const current = this.o.runtime
          .list({ service: name, revision: revision.hash })
          .filter((i) => i.state !== "stopped");
        const readyInstances = current.filter((i) => i.state === "ready").length;
        const desired = desiredCount(spec);
        const url = this.o.frontDoors.addressOf(name)?.url;
        return {
          name,
          version: spec.version,
          revision: revision.hash,
          revisionNumber: revision.number,
          ...(url ? { url } : {}),
          desired,
          instances: current.length,
          readyInstances,
          failedInstances: current.filter((i) => i.state === "failed").length,
          ready: readyInstances >= desired,
          dependsOn: spec.dependsOn,
          ...(spec.stations ? { stations: spec.stations } : {}),
        };
      });
  }

  service(name: string): { status: ServiceStatus; spec: StoredServiceSpec; instances: Instance[] } {
    const entry = this.requireService(name);
    const status = this.status().find((s) => s.name === name);
    if (!status) {
      throw DeploymentErrors.serviceNotFound(`service "${name}" not found`);
    }
    return { status, spec: entry.spec, instances: this.o.runtime.list({ service: name }) };
  }

  /** Where the service exposes Prometheus metrics (line.yaml `metrics.path`). */
  metricsPath(name: string): string | undefined {
    return this.specs.get(name)?.spec.metrics.path;
  }

  hasService(name: string): boolean {
    return this.specs.has(name);
  }

  private requireService(name: string) {
    const entry = this.specs.get(name);
    if (!entry) {
      throw DeploymentErrors.serviceNotFound(`service "${name}" not found`);
    }
    return entry;
  }

  private levels(): string[][] {
    return dependencyLevels(new Map([...this.specs].map(([n, { spec }]) => [n, spec.dependsOn])));
  }

  /** Level by level: open every front door of the level, start instances, wait for readiness. */
  private async reconcileAll(): Promise<void> {
    for (const level of this.levels()) {
      await Promise.all(
        level.map(async (name) => {
          const entry = this.specs.get(name);
          if (entry) {
            await this.reconcile(name, entry);
          }
        }),
      );
    }
  }

  private async reconcile(name: string, { spec, revision }: { spec: StoredServiceSpec; revision: Revision }) {
    if (!this.o.frontDoors.addressOf(name)) {
      await this.o.frontDoors.listen(name, spec.port);
    }
    if (this.rollouts.has(name)) {
      return; // the deployment owns this service's instances until it finishes
    }
    const live = this.o.runtime
      .list({ service: name })
      .filter((i) => i.state !== "stopped" && i.state !== "stopping");
    const current = live.filter((i) => i.revision === revision.hash);
    const wanted = spec.stations ?? Array.from({ length: spec.replicas }, () => undefined);
    const started: Instance[] = [];
    const remaining = [...current];
    for (const station of wanted) {
      const idx = remaining.findIndex((i) => i.station === station);
      if (idx >= 0) {
        remaining.splice(idx, 1);
        continue;
      }
      started.push(await this.o.runtime.start(this.instanceSpec(spec, revision, station)));
    }
    // Surplus instances of this revision (replicas lowered) and all of older revisions go once
    // the new ones are ready, so the front door always has something to send traffic to.
    const surplus = [...remaining, ...live.filter((i) => i.revision !== revision.hash)];
    await this.waitSettled(started.map((i) => i.id));
    await Promise.all(surplus.map((i) => this.retire(i)));
    this.refreshBackends(name);
    if (this.status().find((s) => s.name === name)?.ready) {
      this.o.bus.emit("service.ready", { service: name, revision: revision.hash, at: Date.now() });
    }
  }

  private async removeService(name: string): Promise<void> {
    const live = this.o.runtime.list({ service: name }).filter((i) => i.state !== "stopped");
    await Promise.all(live.map((i) => this.retire(i)));
    this.specs.delete(name);
    this.o.revisions.remove(name);
    this.o.frontDoors.setBackends(name, []);
  }

  private instanceSpec(
    spec: StoredServiceSpec,
    revision: Revision,
    station: string | undefined,
  ): InstanceSpec {
    const env: Record<string, string> = {};
    for (const dep of spec.dependsOn) {
      const url = this.o.frontDoors.addressOf(dep)?.url;
      if (url) {
        env[`${dep.toUpperCase().replace(/-/g, "_")}_URL`] = url;
      }
    }
    return {
      service: spec.name,
      revision: revision.hash,
      version: spec.version,
      ...(station === undefined ? {} : { station }),
      command: spec.command,
      args: spec.args,
      env: { ...env, ...spec.env },
      cwd: spec.cwd,
      ...(spec.readiness ? { readiness: toProbe(spec.readiness) } : {}),
      ...(spec.liveness ? { liveness: toProbe(spec.liveness) } : {}),
    };
  }

  /** Resolves when every listed instance is ready or failed, or the ready timeout passes. */
  private waitSettled(ids: string[]): Promise<void> {
    const settled = () =>
      ids.every((id) => {
        const s = this.o.runtime.get(id)?.state;
        return s === undefined || s === "ready" || s === "failed" || s === "stopped";
      });
    if (settled()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.o.readyTimeoutMs);
      const off = this.o.runtime.watch(() => {
        if (settled()) {
          done();
        }
      });
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  /** Whether a live instance is kept warm out of rotation (a station canary's stable instance). */
  isStandby(instanceId: string): boolean {
    return this.standby.has(instanceId);
  }

  /** Stores a deployment event and publishes it on the bus, as a rollout does with its own. */
  private recordEvent(id: string, service: string, kind: string, message: string): void {
    this.o.deployments.event(id, kind, message);
    this.o.bus.emit("deployment.event", { id, service, kind, message, at: Date.now() });
  }

  /** Takes an instance out of its front door, then stops it gracefully. */
  private async retire(instance: Instance): Promise<void> {
    this.leaving.add(instance.id);
    this.refreshBackends(instance.service);
    try {
      await this.o.frontDoors.drain?.(instance.id, this.o.stopTimeoutMs);
      await this.o.runtime.stop(instance.id, { drainMs: this.o.stopTimeoutMs });
    } finally {
      this.leaving.delete(instance.id);
      this.standby.delete(instance.id);
    }
  }

  private refreshBackends(service: string): void {
    const stable = this.specs.get(service)?.revision.hash;
    const traffic = this.traffic.get(service);
    const groupOf = (revision: string) =>
      traffic?.groups[revision] ?? (revision === stable || !traffic ? STABLE : "retired");
    this.o.frontDoors.setBackends(
      service,
      this.o.runtime
        .list({ service })
        .filter((i) => i.state === "ready" && !this.leaving.has(i.id) && !this.standby.has(i.id))
        .map((i) => ({
          instanceId: i.id,
          host: i.host,
          port: i.port,
          group: groupOf(i.revision),
          revision: i.revision,
          ...(i.station === undefined ? {} : { station: i.station }),
        })),
    );
    this.o.frontDoors.setWeights?.(service, traffic?.weights ?? { [STABLE]: 100 });
  }
}

function desiredCount(spec: ServiceSpec): number {
  return spec.stations?.length ?? spec.replicas;
}

function toProbe(p: ProbeConfig): ProbeSpec {
  return {
    kind: p.type,
    ...(p.path === undefined ? {} : { path: p.path }),
    ...(p.command === undefined ? {} : { command: p.command }),
    intervalMs: p.interval,
    timeoutMs: p.timeout,
    initialDelayMs: p.initialDelay,
    successThreshold: p.successThreshold,
    failureThreshold: p.failureThreshold,
  };
}
