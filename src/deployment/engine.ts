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
import type { Revision, RevisionRepository } from "../store/revisions.js";
import { DeploymentErrors } from "./errors.js";
import { startOrder } from "./line.js";
import { dependencyLevels } from "./plan.js";

/** The stable per-service address that clients use (runtime/router implements it). */
export interface FrontDoors {
  listen(service: string, port?: number): Promise<{ host: string; port: number; url: string }>;
  setBackends(
    service: string,
    backends: { instanceId: string; host: string; port: number; station?: string }[],
  ): void;
  addressOf(service: string): { url: string } | undefined;
}

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
  services: { name: string; revision: string; number: number; created: boolean }[];
};

export class DeploymentEngine {
  private lineName = "line";
  private unwatch: (() => void) | undefined;
  private readonly specs = new Map<string, { spec: StoredServiceSpec; revision: Revision }>();
  /** Instances being stopped: out of rotation before their SIGTERM, so no new request reaches them. */
  private readonly leaving = new Set<string>();

  constructor(private readonly o: DeploymentEngineOptions) {}

  /** Starts routing on instance events and brings up the line stored from a previous run, if any. */
  async start(): Promise<void> {
    this.unwatch = this.o.runtime.watch((e) => {
      this.o.bus.emit("instance", e);
      this.refreshBackends(e.instance.service);
    });
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

  /** Records each service of `line` as a revision and converges the running instances onto it. */
  async apply(line: LineSpec, lineDir: string): Promise<ApplyResult> {
    this.lineName = line.line.name;
    const results: ApplyResult["services"] = [];
    for (const s of line.services) {
      const spec: StoredServiceSpec = { ...s, cwd: path.resolve(lineDir, s.cwd ?? ".") };
      const { revision, created } = this.o.revisions.apply(s.name, s.version, spec);
      this.specs.set(s.name, { spec, revision });
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
    return { line: this.lineName, order: startOrder(line), services: results };
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

  /** Takes an instance out of its front door, then stops it gracefully. */
  private async retire(instance: Instance): Promise<void> {
    this.leaving.add(instance.id);
    this.refreshBackends(instance.service);
    try {
      await this.o.runtime.stop(instance.id, { drainMs: this.o.stopTimeoutMs });
    } finally {
      this.leaving.delete(instance.id);
    }
  }

  private refreshBackends(service: string): void {
    this.o.frontDoors.setBackends(
      service,
      this.o.runtime
        .list({ service })
        .filter((i) => i.state === "ready" && !this.leaving.has(i.id))
        .map((i) => ({
          instanceId: i.id,
          host: i.host,
          port: i.port,
          ...(i.station === undefined ? {} : { station: i.station }),
        })),
    );
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
