// DeploymentEngine: turns an applied line into running instances. The one class the API and main.ts
// use; it wires the engine's parts around one fleet (each service's current release and routing):
// reconcile (instances to the current releases), the plan runner (applying a line, its dry run),
// control (deployments and their commands) and the status view.
import type { LineSpec } from "../config/line-schema.js";
import type { Instance } from "../runtime/types.js";
import type { DeploymentEvent, DeploymentRecord } from "../store/deployments.js";
import { Control, type ControlAction } from "./control.js";
import { DeploymentErrors } from "./errors.js";
import { Fleet } from "./fleet.js";
import { PlanRunner } from "./plan-runner.js";
import { Reconciler } from "./reconcile.js";
import type { Resume } from "./rollout.js";
import { StatusView } from "./status.js";
import type {
  ApplyResult,
  DeployRequest,
  DeploymentEngineOptions,
  PlanPreview,
  ServiceStatus,
  StoredServiceSpec,
} from "./types.js";

/** The most instances one service may run (line.yaml's replicas bound). */
export const MAX_REPLICAS = 64;

/** What a scale did: the count before and after, and whether a deployment in progress defers it. */
export type ScaleResult = { service: string; from: number; replicas: number; deferred: boolean };

export class DeploymentEngine {
  private readonly fleet: Fleet;
  private readonly view: StatusView;
  private readonly reconciler: Reconciler;
  private readonly commands: Control;
  private readonly plans: PlanRunner;
  private readonly scaling = new Map<string, Promise<void>>();

  constructor(o: DeploymentEngineOptions) {
    this.fleet = new Fleet(o);
    this.view = new StatusView(this.fleet);
    this.commands = new Control(this.fleet);
    this.reconciler = new Reconciler(this.fleet, this.view, this.commands);
    this.plans = new PlanRunner(this.fleet, this.reconciler, this.commands);
    this.fleet.afterRollout = (service) => {
      if (!this.fleet.stopping && this.fleet.releases.has(service)) {
        void this.rescale(service);
      }
    };
    // Incident correlation asks for rollbacks over the bus (alerting never imports this engine).
    o.bus.on("deployment.rollback.requested", (e) => this.rollbackRequested(e));
  }

  /**
   * Rolls back the deployment an incident named, only while it is still the service's latest: an
   * alert about an old release never undoes a newer one. The decision is recorded on the deployment.
   */
  private rollbackRequested(e: {
    deploymentId: string;
    service: string;
    incidentId: number;
    reason: string;
  }): void {
    const latest = this.hasService(e.service) ? this.deployments(e.service)[0] : undefined;
    if (latest?.id !== e.deploymentId) {
      this.fleet.o.logger.info(
        e,
        "rollback request ignored: the deployment is no longer the service's latest",
      );
      return;
    }
    try {
      this.fleet.recordEvent(
        e.deploymentId,
        e.service,
        "rollback.requested",
        `rollback requested by ${e.reason}`,
      );
      this.rollback(e.service, undefined, `incident ${e.incidentId}`);
    } catch (err) {
      this.fleet.o.logger.warn(
        { err, ...e },
        `rollback requested by incident ${e.incidentId} failed: ${(err as Error).message}`,
      );
    }
  }

  /** Starts routing on instance events and brings up the line stored from a previous run, if any. */
  start(): Promise<void> {
    return this.reconciler.start();
  }

  /**
   * Stops the engine. Rollouts in progress stop where they are, persisted for the next start to
   * resume. With `stopLine` (the default, for tests and `--stop-line`) every instance is stopped,
   * dependents first; without it the line keeps running and routing stays as it is.
   */
  stop(opts?: { stopLine: boolean }): Promise<void> {
    return this.reconciler.stop(opts);
  }

  /** Rollouts in progress stop where they are (persisted); a line apply waiting on one returns. */
  detachRollouts(): Promise<void> {
    return this.reconciler.detachRollouts();
  }

  /** Deployments found in progress at start and how each went on (resumed or rolled back). */
  resumedDeployments(): readonly ({ id: string; service: string } & Resume)[] {
    return this.reconciler.resumed;
  }

  /** Applies a line: new services start, changed ones deploy in dependency order (see PlanRunner). */
  apply(line: LineSpec, lineDir: string, by?: string): Promise<ApplyResult> {
    return this.plans.apply(line, lineDir, by);
  }

  /** Applies a line read from the configured line file (relative paths resolve from its directory). */
  applyLine(line: LineSpec): Promise<ApplyResult> {
    return this.plans.apply(line, this.plans.lineDir());
  }

  /** Applies a line.yaml given as text (POST /api/v1/line). */
  applyLineText(text: string, source: string): Promise<ApplyResult> {
    return this.plans.applyLineText(text, source);
  }

  /** Re-reads the configured line file and applies it (SIGHUP, POST /-/reload). */
  reloadLine(): Promise<ApplyResult | { reloaded: false; reason: string }> {
    return this.plans.reloadLine();
  }

  /** Dry run of applying `line`: what would change, in what order, with which strategy. */
  planLine(line: LineSpec, lineDir: string): PlanPreview {
    return this.plans.planLine(line, lineDir);
  }

  /** Dry run of a line.yaml given as text; `dir` overrides where its relative paths resolve. */
  planLineText(text: string, source: string, dir?: string): PlanPreview {
    return this.plans.planLineText(text, source, dir);
  }

  /** Starts a deployment of a new version (or an existing revision) of one service. */
  deploy(req: DeployRequest): DeploymentRecord {
    return this.commands.deploy(req);
  }

  /** Promote (skip the current pause), pause, resume, abort, or override the gates of a deployment. */
  control(id: string, action: ControlAction): DeploymentRecord {
    return this.commands.control(id, action);
  }

  /** Aborts the active deployment, or deploys the previous revision (or revision N). */
  rollback(service: string, toRevision: string | undefined, by: string): DeploymentRecord {
    return this.commands.rollback(service, toRevision, by);
  }

  /** Resolves when the service has no deployment in progress. */
  settled(service: string): Promise<void> {
    return this.commands.settled(service);
  }

  /** Stops every instance of a service and starts fresh ones of its current revision. */
  restartService(name: string): Promise<void> {
    return this.reconciler.restartService(name);
  }

  /**
   * Sets the service's instance count without a new revision or a rollout: new instances of the
   * current revision join the front door when ready, surplus ones drain first. While a deployment
   * runs it owns the count: the new count is stored and applied when it ends (`deferred`).
   * Resolves once the count is reached (or the instances failed / the ready timeout passed).
   */
  async scale(service: string, replicas: number, by: string): Promise<ScaleResult> {
    if (!this.fleet.releases.has(service)) {
      throw DeploymentErrors.scaleRefused(`service "${service}" is not in the line`);
    }
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
      throw DeploymentErrors.scaleRefused(
        `replicas of ${service} must be an integer from 0 to ${MAX_REPLICAS}, got ${String(replicas)}`,
      );
    }
    const { spec } = this.fleet.require(service);
    if (spec.stations) {
      throw DeploymentErrors.scaleRefused(
        `${service} runs one instance per station (${spec.stations.join(", ")}); its count follows its stations`,
      );
    }
    const from = this.fleet.desiredCount(service);
    this.fleet.o.revisions.setReplicas(service, { desired: replicas });
    this.fleet.o.logger.info({ service, from, to: replicas, by }, `scale ${service} ${from} -> ${replicas}`);
    if (this.fleet.rollouts.has(service) || this.fleet.resuming.has(service)) {
      return { service, from, replicas, deferred: true };
    }
    await this.rescale(service);
    return { service, from, replicas, deferred: false };
  }

  /** Services that declare an autoscaler (line.yaml `autoscaling`), with their resource requests. */
  autoscaled(): {
    service: string;
    autoscaling: NonNullable<StoredServiceSpec["autoscaling"]>;
    resources?: NonNullable<StoredServiceSpec["resources"]>;
  }[] {
    return [...this.fleet.releases.values()].flatMap(({ spec }) =>
      spec.autoscaling
        ? [
            {
              service: spec.name,
              autoscaling: spec.autoscaling,
              ...(spec.resources ? { resources: spec.resources } : {}),
            },
          ]
        : [],
    );
  }

  /** How many instances the service should run and how many of its current revision run / are ready. */
  replicas(service: string): { desired: number; current: number; ready: number; rolling: boolean } {
    const status = this.view.status().find((s) => s.name === service);
    if (!status) {
      throw DeploymentErrors.serviceNotFound(`service "${service}" not found`);
    }
    return {
      desired: status.desired,
      current: status.instances,
      ready: status.readyInstances,
      rolling: this.fleet.rollouts.has(service) || this.fleet.resuming.has(service),
    };
  }

  /** One reconcile of a service at a time, so two scales never start the same slot twice. */
  private rescale(service: string): Promise<void> {
    const previous = this.scaling.get(service) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.reconciler.reconcileService(service))
      .catch((err: unknown) => {
        this.fleet.o.logger.error({ err, service }, `scaling ${service} failed: ${String(err)}`);
      });
    this.scaling.set(service, next);
    void next.finally(() => {
      if (this.scaling.get(service) === next) {
        this.scaling.delete(service);
      }
    });
    return next;
  }

  deployments(service?: string): DeploymentRecord[] {
    return this.view.deployments(service);
  }

  deployment(id: string): DeploymentRecord & { events: DeploymentEvent[] } {
    return this.view.deployment(id);
  }

  line(): { name: string; order: string[][] } {
    return this.view.line();
  }

  status(): ServiceStatus[] {
    return this.view.status();
  }

  service(name: string): { status: ServiceStatus; spec: StoredServiceSpec; instances: Instance[] } {
    return this.view.service(name);
  }

  /** Where the service exposes Prometheus metrics (line.yaml `metrics.path`). */
  metricsPath(name: string): string | undefined {
    return this.fleet.releases.get(name)?.spec.metrics.path;
  }

  hasService(name: string): boolean {
    return this.fleet.releases.has(name);
  }

  /** Whether a live instance is kept warm out of rotation (a station canary's stable instance). */
  isStandby(instanceId: string): boolean {
    return this.fleet.isStandby(instanceId);
  }
}
