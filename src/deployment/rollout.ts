// One deployment of one service: the state machine shared by every strategy. It persists each
// transition before acting on it, watches the new instances' health, waits for gates, pauses and
// promotions, runs analyses, and on any failure moves traffic back to the stable revision first,
// then restores the stable instances and retires the new ones (never re-running steps).
import type { AnalysisRef, Strategy } from "../config/deploy-schema.js";
import type { LineopsEvents } from "../events/bus.js";
import type { Instance, InstanceSpec, Runtime } from "../runtime/types.js";
import type { DeploymentPhase, DeploymentRecord, DeploymentRepository } from "../store/deployments.js";
import type { AnalysisVerdict, Release, Traffic } from "./types.js";

export type RolloutState = {
  traffic?: Traffic;
  /** Blue-green: the switch to the new stack happened. */
  switched?: boolean;
  /** Canary: stations already moved to the new revision. */
  stations?: string[];
  analyses?: { step: number; templates: string[]; phase: string; message: string }[];
  waitingFor?: string[];
};

/** What the engine provides to a rollout. */
export type RolloutHost = {
  runtime: Runtime;
  deployments: DeploymentRepository;
  instanceSpec(release: Release, station: string | undefined): InstanceSpec;
  setTraffic(service: string, traffic: Traffic | undefined): void;
  /** Puts a deployment event on the event bus (annotations, alert correlation, live views). */
  publish(event: LineopsEvents["deployment.event"]): void;
  retire(instance: Instance): Promise<void>;
  /** Takes a live instance out of (or back into) its front door's rotation without stopping it. */
  setStandby(instance: Instance, standby: boolean): void;
  /** Resolves once routing changes made so far are in effect (the data plane applies them later). */
  flushRouting(): Promise<void>;
  runAnalysis(
    ref: AnalysisRef,
    args: Record<string, string>,
    signal: AbortSignal,
    onProgress: (msg: string, measurement?: unknown) => void,
    extra?: { background?: boolean },
  ): Promise<AnalysisVerdict>;
  waitForGates(
    service: string,
    signal: AbortSignal,
    onWaiting: (reasons: string[]) => void,
  ): Promise<"open" | "timeout" | "overridden" | "cancelled">;
};

/**
 * Values of one side kept in a measurement event: a query may return thousands of series, and
 * every measurement is stored; the verdict was reached on all of them, the event keeps the first.
 */
export const MEASUREMENT_VALUES_KEPT = 64;

function capValues(values: unknown): { values?: unknown; omitted?: number } {
  if (!Array.isArray(values) || values.length <= MEASUREMENT_VALUES_KEPT) {
    return {};
  }
  return {
    values: values.slice(0, MEASUREMENT_VALUES_KEPT),
    omitted: values.length - MEASUREMENT_VALUES_KEPT,
  };
}

/** A measurement event's data: where it belongs (a step, or the background analysis) and the measurement. */
export function measurementData(m: unknown, where: { step: number } | { background: true }): unknown {
  if (m === null || typeof m !== "object") {
    return undefined;
  }
  const out: Record<string, unknown> = { ...where, ...m };
  for (const key of ["values", "baselineValues"]) {
    const capped = capValues(out[key]);
    if (capped.values !== undefined) {
      out[key] = capped.values;
      out[`${key}Omitted`] = capped.omitted;
    }
  }
  return out;
}

export class RolloutFailure extends Error {}
class AbortRequested extends Error {}
/** Thrown inside a detached rollout: lineops is stopping and leaves it, as persisted, to the next start. */
class Detached extends Error {}

/**
 * How a rollout found in progress at start goes on: from its persisted step, or straight into
 * the rollback (it was rolling back, or resuming it is unsafe; `reason` says why).
 */
export type Resume = { kind: "continue" } | { kind: "rollback"; reason: string };

/** Phases a rollout reaches only after its gates opened: a resumed one does not wait for them again. */
const PAST_GATES: readonly DeploymentPhase[] = ["Progressing", "Paused", "RollingBack"];

export const STABLE = "stable";
export const CANARY = "canary";
export const PREVIEW = "preview";
export const PREVIOUS = "previous";

export class Rollout {
  private record: DeploymentRecord<RolloutState>;
  private readonly abort = new AbortController();
  private abortReason: "abort" | "rollback" | undefined;
  private promoteWaiter: (() => void) | undefined;
  private promoteRequested = false;
  private pausedByUser = false;
  private readonly unwatch: () => void;
  private healthError: string | undefined;
  private detached = false;

  constructor(
    record: DeploymentRecord,
    readonly service: string,
    readonly from: Release | undefined,
    readonly to: Release,
    private readonly host: RolloutHost,
  ) {
    this.record = record as DeploymentRecord<RolloutState>;
    // A new instance that crash-loops or fails fails the rollout at once, whatever step it is in.
    this.unwatch = host.runtime.watch((e) => {
      // An unexpected exit counts: a crash-looping version must not wait out its backoffs to be caught.
      const ours = e.instance.service === service && e.instance.revision === to.revision.hash;
      if (
        ours &&
        (e.type === "failed" ||
          (e.type === "exited" && e.instance.state !== "stopping" && e.instance.state !== "stopped"))
      ) {
        this.healthError = `instance ${e.instance.id} ${e.type}: ${e.instance.reason ?? "unknown reason"}`;
        this.promoteWaiter?.();
      }
    });
  }

  get id(): string {
    return this.record.id;
  }

  get strategy(): Strategy {
    return this.to.spec.strategy;
  }

  /** The strategy, narrowed to the type a strategy function handles (the engine picks it by type). */
  strategyOf<T extends Strategy["type"]>(type: T): Extract<Strategy, { type: T }> {
    const s = this.strategy;
    if (s.type !== type) {
      throw new Error(`${type} strategy expected`);
    }
    return s as Extract<Strategy, { type: T }>;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  snapshot(): DeploymentRecord<RolloutState> {
    return this.record;
  }

  /** The desired instance slots: one per station, or `replicas` unlabelled ones. */
  slots(): (string | undefined)[] {
    return this.to.spec.stations ?? Array.from({ length: this.to.spec.replicas }, () => undefined);
  }

  /**
   * Slots without a live instance of the new revision: what a strategy still has to start. Equal
   * to slots() on a fresh rollout; smaller on one resumed after a restart, whose adopted new
   * instances keep their slots.
   */
  missingSlots(): (string | undefined)[] {
    const fresh = [...this.newInstances()];
    return this.slots().filter((slot) => {
      const k = fresh.findIndex((i) => i.station === slot);
      return k < 0 || fresh.splice(k, 1).length === 0;
    });
  }

  oldInstances(): Instance[] {
    return this.live().filter((i) => i.revision !== this.to.revision.hash);
  }

  newInstances(): Instance[] {
    return this.live().filter((i) => i.revision === this.to.revision.hash);
  }

  private live(): Instance[] {
    return this.host.runtime
      .list({ service: this.service })
      .filter((i) => i.state !== "stopped" && i.state !== "stopping" && i.state !== "failed");
  }

  log(kind: string, message: string, data?: unknown): void {
    this.host.deployments.event(this.id, kind, message, data);
    this.host.publish({ id: this.id, service: this.service, kind, message, data, at: Date.now() });
  }

  save(patch: { phase?: DeploymentPhase; step?: number; state?: RolloutState; reason?: string }): void {
    this.record = this.host.deployments.update(this.id, {
      ...patch,
      ...(patch.state ? { state: { ...this.record.state, ...patch.state } } : {}),
    }) as DeploymentRecord<RolloutState>;
  }

  setTraffic(traffic: Traffic, message: string): void {
    this.save({ state: { traffic } });
    this.host.setTraffic(this.service, traffic);
    this.log("traffic", message, traffic);
  }

  /** Starts one instance of the new revision (for a station, or unlabelled). */
  async startNew(station: string | undefined): Promise<Instance> {
    this.check();
    const inst = await this.host.runtime.start(this.host.instanceSpec(this.to, station));
    this.log("instance", `started ${inst.id}${station ? ` for station ${station}` : ""}`);
    return inst;
  }

  async startOld(station: string | undefined): Promise<Instance> {
    if (!this.from) {
      throw new RolloutFailure("no stable revision to restore");
    }
    return this.host.runtime.start(this.host.instanceSpec(this.from, station));
  }

  /** Resolves when every instance is ready (plus minReadySeconds); fails on a failed instance or the progress deadline. */
  async waitReady(ids: string[], minReadyMs = 0): Promise<void> {
    const deadline = Date.now() + this.to.spec.progressDeadline;
    for (;;) {
      this.check();
      const states = ids.map((id) => this.host.runtime.get(id));
      const failed = states.find((i) => !i || i.state === "failed" || i.state === "stopped");
      if (failed) {
        throw new RolloutFailure(
          `instance ${failed.id} ${failed.state}: ${failed.reason ?? "no reason given"}`,
        );
      }
      if (states.every((i) => i?.state === "ready")) {
        break;
      }
      if (Date.now() > deadline) {
        throw new RolloutFailure(
          `progress deadline of ${this.to.spec.progressDeadline / 1000}s passed waiting for readiness`,
        );
      }
      await this.sleep(100);
    }
    if (minReadyMs > 0) {
      await this.sleep(minReadyMs);
      const flapped = ids.map((id) => this.host.runtime.get(id)).find((i) => i?.state !== "ready");
      if (flapped) {
        throw new RolloutFailure(
          `instance ${flapped.id} did not stay ready for minReadySeconds (${flapped.state})`,
        );
      }
    }
  }

  async retire(instances: Instance[]): Promise<void> {
    await Promise.all(instances.map((i) => this.host.retire(i)));
    if (instances.length > 0) {
      this.log("instance", `retired ${instances.map((i) => i.id).join(", ")}`);
    }
  }

  /**
   * Keeps old instances running but out of rotation, so a rollback puts them back at once instead
   * of starting them again (a station is never left without an instance). They are retired with
   * the other old instances on promotion.
   */
  standby(instances: Instance[]): void {
    for (const i of instances) {
      this.host.setStandby(i, true);
    }
    if (instances.length > 0) {
      this.log("instance", `kept ${instances.map((i) => i.id).join(", ")} warm out of rotation`);
    }
  }

  /** Waits `ms`, or until promoted, resumed or aborted. */
  async pause(ms: number | undefined, why: string): Promise<void> {
    await this.host.flushRouting(); // "Paused" promises the split it pauses at is what clients get
    this.save({ phase: "Paused", reason: why });
    this.log("pause", why);
    const until = ms === undefined ? Infinity : Date.now() + ms;
    while (!this.promoteRequested && Date.now() < until) {
      this.check();
      await new Promise<void>((resolve) => {
        this.promoteWaiter = resolve;
        setTimeout(resolve, Math.min(250, Math.max(0, until - Date.now())));
      });
    }
    this.promoteWaiter = undefined;
    this.promoteRequested = false;
    this.check();
    this.save({ phase: "Progressing", reason: "" });
  }

  async analysis(ref: AnalysisRef, step: number): Promise<void> {
    const stations = this.record.state.stations ?? [];
    const all = this.to.spec.stations ?? [];
    const args = {
      service: this.service,
      revision: this.to.revision.hash,
      version: this.to.spec.version,
      baselineRevision: this.from?.revision.hash ?? "",
      stations: stations.join("|") || ".*",
      baselineStations: all.filter((s) => !stations.includes(s)).join("|") || "none",
      ...ref.args,
    };
    this.log("analysis", `analysis ${ref.templates.join(", ")} started`, { step, args });
    // The measurement goes into the event whole (rendered queries, values of both sides, the test's
    // statistics), so the dashboard charts baseline against canary from the deployment's own record.
    const verdict = await this.host.runAnalysis(ref, args, this.signal, (msg, m) =>
      this.log("measurement", msg, measurementData(m, { step })),
    );
    this.check();
    const analyses = [...(this.record.state.analyses ?? []), { step, templates: ref.templates, ...verdict }];
    this.save({ state: { analyses } });
    this.log(
      "analysis",
      `analysis ${ref.templates.join(", ")}: ${verdict.phase}${verdict.message ? ` (${verdict.message})` : ""}`,
    );
    if (verdict.phase === "Inconclusive") {
      await this.pause(undefined, `analysis inconclusive: ${verdict.message}; promote to continue or abort`);
      return;
    }
    if (verdict.phase !== "Successful") {
      throw new RolloutFailure(`analysis ${verdict.phase.toLowerCase()}: ${verdict.message}`);
    }
  }

  /** Runs an analysis for the whole rollout; a failure rolls back at once. stop() ends it quietly. */
  backgroundAnalysis(ref: AnalysisRef): { stop(): Promise<void> } {
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    this.signal.addEventListener("abort", onAbort);
    const args = {
      service: this.service,
      revision: this.to.revision.hash,
      baselineRevision: this.from?.revision.hash ?? "",
      ...ref.args,
    };
    this.log("analysis", `background analysis ${ref.templates.join(", ")} started`);
    const done = this.host
      .runAnalysis(
        ref,
        args,
        ctl.signal,
        (msg, m) => this.log("measurement", msg, measurementData(m, { background: true })),
        { background: true },
      )
      .then((verdict) => {
        if (!ctl.signal.aborted && (verdict.phase === "Failed" || verdict.phase === "Error")) {
          this.log("analysis", `background analysis ${verdict.phase.toLowerCase()}: ${verdict.message}`);
          this.healthError = `background analysis ${verdict.phase.toLowerCase()}: ${verdict.message}`;
          this.promoteWaiter?.();
        }
      })
      .catch((err: unknown) => this.log("analysis", `background analysis error: ${String(err)}`));
    return {
      stop: async () => {
        ctl.abort();
        this.signal.removeEventListener("abort", onAbort);
        await done;
      },
    };
  }

  promote(): void {
    this.promoteRequested = true;
    this.promoteWaiter?.();
  }

  pauseByUser(): void {
    this.pausedByUser = true;
  }

  resume(): void {
    this.pausedByUser = false;
    this.promote();
  }

  /** Stops the rollout and rolls back; `abort` ends Aborted, `rollback` ends RolledBack. */
  requestAbort(kind: "abort" | "rollback"): void {
    this.abortReason = kind;
    this.abort.abort();
    this.promoteWaiter?.();
  }

  /**
   * Leaves the rollout where it is, persisted as it stands, for the next lineops to resume: no
   * rollback, no further step, no write. Resolves when its run has returned.
   */
  detach(): void {
    this.detached = true;
    this.abort.abort();
    this.promoteWaiter?.();
  }

  /** Throws when the rollout must stop: detached, aborted, or a new instance failed its health. */
  check(): void {
    if (this.detached) {
      throw new Detached("lineops is stopping; the deployment resumes at the next start");
    }
    if (this.abort.signal.aborted) {
      throw new AbortRequested(this.abortReason === "rollback" ? "rollback requested" : "aborted by request");
    }
    if (this.healthError) {
      throw new RolloutFailure(this.healthError);
    }
  }

  async sleep(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    while (this.pausedByUser && !this.abort.signal.aborted && !this.detached) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Runs the strategy to completion or rolls back. Returns the final phase; never throws.
   */
  async run(
    strategy: (r: Rollout) => Promise<void>,
    onSuccess: () => void,
    resume?: Resume,
  ): Promise<DeploymentPhase> {
    try {
      if (resume?.kind === "rollback") {
        throw new RolloutFailure(resume.reason);
      }
      if (resume && PAST_GATES.includes(this.record.phase)) {
        this.log("phase", `resumed at step ${this.record.step} after a lineops restart`);
      } else {
        await this.passGates();
      }
      this.check();
      this.save({ phase: "Progressing", reason: "", state: { waitingFor: [] } });
      this.log("phase", `progressing with strategy ${this.strategy.type}`);
      await strategy(this);
      this.check();
      onSuccess();
      await this.host.flushRouting();
      this.save({ phase: "Succeeded", reason: "" });
      this.log(
        "phase",
        `succeeded: ${this.service} runs revision ${this.to.revision.number} (${this.to.spec.version})`,
      );
    } catch (err) {
      if (err instanceof Detached || this.detached) {
        return this.record.phase; // persisted as it stands: the next start resumes it
      }
      const reason = err instanceof Error ? err.message : String(err);
      const aborted = err instanceof AbortRequested;
      this.save({ phase: "RollingBack", reason });
      this.log("phase", `rolling back: ${reason}`);
      try {
        await this.rollback();
        if (this.detached) {
          return this.record.phase; // RollingBack, persisted: the next start finishes the rollback
        }
        await this.host.flushRouting();
        this.save({ phase: aborted && this.abortReason === "abort" ? "Aborted" : "RolledBack", reason });
        this.log("phase", `rolled back to revision ${this.from?.revision.number ?? "-"}`);
      } catch (rbErr) {
        if (this.detached) {
          return this.record.phase;
        }
        const msg = rbErr instanceof Error ? rbErr.message : String(rbErr);
        this.save({ phase: "Failed", reason: `${reason}; rollback failed: ${msg}` });
        this.log("phase", `rollback failed: ${msg}`);
      }
    } finally {
      this.unwatch();
    }
    return this.record.phase;
  }

  private async passGates(): Promise<void> {
    const gate = await this.host.waitForGates(this.service, this.signal, (reasons) => {
      if (this.record.phase !== "WaitingForGate") {
        this.save({ phase: "WaitingForGate", reason: reasons.join("; "), state: { waitingFor: reasons } });
        this.log("gate", `waiting: ${reasons.join("; ")}`);
      }
    });
    if (gate === "timeout") {
      throw new RolloutFailure("gates did not open before their wait deadline");
    }
    if (gate === "overridden") {
      this.log("gate", "gates overridden by an admin");
    }
  }

  /**
   * Traffic back to the stable revision first, then stable instances restored, then the new ones
   * retired. A per-station service whose station has no stable instance left (it was moved) keeps
   * the new one serving that station until its stable instance is ready again: moving traffic
   * first would leave the station with nothing.
   */
  private async rollback(): Promise<void> {
    const from = this.from;
    if (from) {
      const old = this.oldInstances().filter((i) => i.revision === from.revision.hash);
      // Warm standbys first: back in rotation they serve their stations again at once.
      for (const i of old) {
        this.host.setStandby(i, false);
      }
      const missing = [...this.slots()];
      for (const i of old) {
        const k = missing.findIndex((s) => s === i.station);
        if (k >= 0) {
          missing.splice(k, 1);
        }
      }
      const stableFirst = () => {
        const t0 = Date.now();
        this.host.setTraffic(this.service, {
          groups: { [from.revision.hash]: STABLE },
          weights: { [STABLE]: 100 },
        });
        this.log("traffic", "all traffic back on the stable revision", { ms: Date.now() - t0 });
      };
      const perStation = missing.some((s) => s !== undefined);
      if (!perStation) {
        stableFirst();
      }
      const started = await Promise.all(missing.map((s) => this.startOld(s)));
      const deadline = Date.now() + this.to.spec.progressDeadline;
      while (
        started.some((i) => this.host.runtime.get(i.id)?.state !== "ready") &&
        Date.now() < deadline &&
        !this.detached
      ) {
        if (started.some((i) => this.host.runtime.get(i.id)?.state === "failed")) {
          throw new Error("a stable instance failed to start during rollback");
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      if (perStation) {
        stableFirst();
      }
    }
    if (this.detached) {
      return; // lineops is stopping mid-rollback: the next start finishes it
    }
    await this.retire(this.newInstances());
    this.host.setTraffic(this.service, undefined);
  }
}
