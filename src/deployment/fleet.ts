// The services the deployment engine runs: each one's current release, the rollout in progress on
// it, and the front-door routing derived from its live instances. Reconcile, the plan runner and
// control all act on the line through this one book, so routing never disagrees with it.
import type { AnalysisTemplate } from "../config/deploy-schema.js";
import type { LineSpec, ProbeConfig } from "../config/line-schema.js";
import type { Instance, InstanceSpec, ProbeSpec } from "../runtime/types.js";
import { DeploymentErrors } from "./errors.js";
import { dependencyLevels } from "./plan.js";
import { STABLE, type Rollout } from "./rollout.js";
import type { DeploymentEngineOptions, Release, Traffic } from "./types.js";

/** A deployment in progress: its rollout, its final phase once done, and the admin's gate override. */
export type ActiveRollout = { rollout: Rollout; done: Promise<string>; overrideGates: AbortController };

export class Fleet {
  lineName = "line";
  templates: AnalysisTemplate[] = [];
  lineGates: LineSpec["gates"];
  /** Each service's current release: what reconcile converges on and what a rollout starts from. */
  readonly releases = new Map<string, Release>();
  readonly rollouts = new Map<string, ActiveRollout>();
  /** Deployments found in progress at start, held out of reconcile until their rollout resumes. */
  readonly resuming = new Set<string>();
  /** Services the last reconcile could not start, and why (their front door's port is taken, …). */
  readonly notStarted = new Map<string, string>();
  /** Set once lineops is stopping: rollouts are detached and plans neither go on nor roll back. */
  stopping = false;
  /** Set while lineops stops with the line left running: nothing may change routing or instances. */
  detaching = false;
  /** Traffic splits set by rollouts in progress. */
  readonly traffic = new Map<string, Traffic>();
  /** Instances being stopped: out of rotation before their SIGTERM, so no new request reaches them. */
  private readonly leaving = new Set<string>();
  /** Old instances kept warm out of rotation during a per-station canary (instant rollback). */
  private readonly standby = new Set<string>();

  /** Called when a rollout of the service ends: brings its instance count to the desired one. */
  afterRollout: ((service: string) => void) | undefined;

  constructor(readonly o: DeploymentEngineOptions) {}

  /**
   * How many instances the service should run: one per station for a per-station service, else
   * the scaled count (lineops scale, the autoscaler), else what line.yaml declares. Never part of
   * a revision, so changing it starts or stops instances without a rollout.
   */
  desiredCount(name: string): number {
    const release = this.require(name);
    if (release.spec.stations) {
      return release.spec.stations.length;
    }
    const { desired, declared } = this.o.revisions.replicas(name);
    return desired ?? declared ?? release.spec.replicas;
  }

  /** The instance slots of the service: one per station, or desiredCount unlabelled ones. */
  slots(name: string): (string | undefined)[] {
    const { spec } = this.require(name);
    return spec.stations ?? Array.from({ length: this.desiredCount(name) }, () => undefined);
  }

  require(name: string): Release {
    const entry = this.releases.get(name);
    if (!entry) {
      throw DeploymentErrors.serviceNotFound(`service "${name}" not found`);
    }
    return entry;
  }

  /** Service names by dependency level, dependencies first. */
  levels(): string[][] {
    return dependencyLevels(new Map([...this.releases].map(([n, { spec }]) => [n, spec.dependsOn])));
  }

  /** What the runtime starts for one instance of a release: the spec plus its dependencies' URLs. */
  instanceSpec({ spec, revision }: Release, station: string | undefined): InstanceSpec {
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

  /** Stores a deployment event and publishes it on the bus, as a rollout does with its own. */
  recordEvent(id: string, service: string, kind: string, message: string): void {
    this.o.deployments.event(id, kind, message);
    this.o.bus.emit("deployment.event", { id, service, kind, message, at: Date.now() });
  }

  /** Takes an instance out of its front door, then stops it gracefully. */
  async retire(instance: Instance): Promise<void> {
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

  setTraffic(service: string, traffic: Traffic | undefined): void {
    if (traffic) {
      this.traffic.set(service, traffic);
    } else {
      this.traffic.delete(service);
    }
    this.refreshBackends(service);
  }

  setStandby(instance: Instance, on: boolean): void {
    if (on) {
      this.standby.add(instance.id);
    } else {
      this.standby.delete(instance.id);
    }
    this.refreshBackends(instance.service);
  }

  /** Whether a live instance is kept warm out of rotation (a station canary's stable instance). */
  isStandby(instanceId: string): boolean {
    return this.standby.has(instanceId);
  }

  /** Points the service's front door at its ready instances, grouped and weighted by the traffic split. */
  refreshBackends(service: string): void {
    if (this.detaching) {
      return; // the data plane keeps the last table while lineops is away
    }
    const stable = this.releases.get(service)?.revision.hash;
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
