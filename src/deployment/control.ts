// Control: starts the deployment of one service (a new version, or an existing revision) after
// checking version constraints, runs it as a rollout with the service's strategy, and takes the
// commands on a running one: promote, pause, resume, abort, override gates, roll back.
import type { Strategy } from "../config/deploy-schema.js";
import { isTerminal, type DeploymentRecord } from "../store/deployments.js";
import { DeploymentErrors } from "./errors.js";
import type { Fleet } from "./fleet.js";
import { resumeVerdict } from "./resume.js";
import { Rollout, type Resume, type RolloutHost, type RolloutState } from "./rollout.js";
import { blueGreen } from "./strategies/blue-green.js";
import { canary } from "./strategies/canary.js";
import { recreate } from "./strategies/recreate.js";
import { rolling } from "./strategies/rolling.js";
import { releaseOf, type DeployRequest, type Release, type StoredServiceSpec } from "./types.js";
import { satisfies } from "./versions.js";

export type ControlAction = "promote" | "pause" | "resume" | "abort" | "overrideGates";

const STRATEGIES = { rolling, recreate, blueGreen, canary };

export class Control {
  constructor(private readonly fleet: Fleet) {}

  /** Starts a deployment of a new version (or an existing revision) of one service. */
  deploy(req: DeployRequest): DeploymentRecord {
    const { revisions } = this.fleet.o;
    const current = this.fleet.require(req.service);
    if (this.fleet.rollouts.has(req.service)) {
      throw DeploymentErrors.deploymentInProgress(
        `service "${req.service}" already has a deployment in progress (${this.fleet.rollouts.get(req.service)?.rollout.id})`,
      );
    }
    let target: Release;
    if (req.revision !== undefined) {
      const rev = revisions.get(req.service, req.revision);
      if (!rev) {
        throw DeploymentErrors.revisionNotFound(`service "${req.service}" has no revision "${req.revision}"`);
      }
      target = releaseOf(rev);
    } else {
      const spec: StoredServiceSpec = {
        ...current.spec,
        version: req.version ?? current.spec.version,
        ...(req.strategy ? { strategy: req.strategy } : {}),
      };
      target = { spec, revision: revisions.record(req.service, spec.version, spec).revision };
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

  /**
   * Records the deployment and runs its rollout in the background: on success the target becomes
   * the service's current release. `done` of the service's active rollout resolves with its phase.
   */
  startDeployment(
    service: string,
    target: Release,
    opts: { by: string; planId?: string; strategy?: Strategy },
  ): DeploymentRecord {
    const { deployments, bus } = this.fleet.o;
    const from = this.fleet.releases.get(service);
    const spec = opts.strategy ? { ...target.spec, strategy: opts.strategy } : target.spec;
    const record = deployments.create({
      service,
      ...(opts.planId ? { planId: opts.planId } : {}),
      ...(from ? { fromRevision: from.revision.hash } : {}),
      toRevision: target.revision.hash,
      strategy: spec.strategy,
      state: {},
      createdBy: opts.by,
    });
    // The repository stored the "created" event itself; publish it like every later one.
    for (const e of deployments.events(record.id)) {
      bus.emit("deployment.event", { id: record.id, service, kind: e.kind, message: e.message, at: e.at });
    }
    this.launch(record, from, { spec, revision: target.revision });
    bus.emit("deployment.started", { id: record.id, service, at: Date.now() });
    return record;
  }

  /**
   * Takes over a deployment a previous lineops left in progress (its instances were re-adopted):
   * routing, warm standbys and stickiness as persisted, then the rollout from its persisted step,
   * or its rollback where resuming is unsafe (see resumeVerdict). Returns the verdict taken.
   */
  resume(record: DeploymentRecord): Resume {
    const { revisions } = this.fleet.o;
    const toRevision = revisions.get(record.service, record.toRevision);
    const fromRevision = record.fromRevision ? revisions.get(record.service, record.fromRevision) : undefined;
    if (!toRevision) {
      const reason = `revision ${record.toRevision} of ${record.service} is no longer stored`;
      this.fleet.o.deployments.update(record.id, { phase: "Failed", reason });
      this.fleet.recordEvent(record.id, record.service, "phase", `not resumed: ${reason}`);
      return { kind: "rollback", reason };
    }
    const target = releaseOf(toRevision);
    const to: Release = this.withDesiredCount(record.service, {
      spec: { ...target.spec, strategy: record.strategy as Strategy },
      revision: toRevision,
    });
    const state = record.state as RolloutState;
    const live = this.fleet.o.runtime
      .list({ service: record.service })
      .filter((i) => i.state !== "stopped" && i.state !== "stopping" && i.state !== "failed");
    const verdict = resumeVerdict(record.phase, to, state, live);
    if (verdict.kind === "continue") {
      // Standbys first, then the split: the first table pushed is already the one persisted (a
      // per-station canary keeps each moved station's stable instance warm out of rotation).
      const moved = new Set(state.stations ?? []);
      for (const i of live) {
        if (i.revision !== toRevision.hash && i.station !== undefined && moved.has(i.station)) {
          this.fleet.setStandby(i, true);
        }
      }
      if (state.traffic) {
        this.fleet.setTraffic(record.service, state.traffic);
      }
    }
    this.fleet.recordEvent(
      record.id,
      record.service,
      "resume",
      verdict.kind === "continue"
        ? `lineops restarted: resuming at step ${record.step} (${record.phase})`
        : `lineops restarted: rolling back (${verdict.reason})`,
    );
    this.launch(record, fromRevision ? releaseOf(fromRevision) : undefined, to, verdict);
    return verdict;
  }

  /** Runs a recorded deployment's rollout in the background; on success `to` becomes current. */
  private launch(
    record: DeploymentRecord,
    from: Release | undefined,
    target: Release,
    resume?: Resume,
  ): void {
    const { bus, frontDoors, revisions } = this.fleet.o;
    const { service } = record;
    const to = this.withDesiredCount(service, target);
    const { spec } = to;
    const overrideGates = new AbortController();
    const rollout = new Rollout(record, service, from, to, this.rolloutHost(spec, overrideGates.signal));
    const done = rollout
      .run(
        STRATEGIES[spec.strategy.type],
        () => {
          revisions.setCurrent(service, to.revision.hash);
          this.fleet.releases.set(service, to);
          this.fleet.traffic.delete(service);
          this.fleet.refreshBackends(service);
        },
        resume,
      )
      .finally(() => {
        this.fleet.rollouts.delete(service);
        if (this.fleet.detaching) {
          return; // lineops is stopping with the line left running: routing stays as it is
        }
        this.fleet.refreshBackends(service);
        // A scale asked for during the rollout applies now, to whichever revision is current: the
        // rollout owned the count, so it never over-scaled mid-way (kubernetes issue 72775).
        this.fleet.afterRollout?.(service);
        bus.emit("deployment.finished", {
          id: record.id,
          service,
          phase: rollout.snapshot().phase,
          at: Date.now(),
        });
      });
    if (spec.strategy.type === "canary" && spec.strategy.stickiness) {
      frontDoors.setStickiness?.(service, spec.strategy.stickiness);
      void done.finally(() => {
        if (!this.fleet.detaching) {
          frontDoors.setStickiness?.(service, undefined);
        }
      });
    }
    this.fleet.rollouts.set(service, { rollout, done, overrideGates });
  }

  /** The release with the service's desired instance count (a revision's stored count is history). */
  private withDesiredCount(service: string, release: Release): Release {
    if (!this.fleet.releases.has(service)) {
      return release;
    }
    return { ...release, spec: { ...release.spec, replicas: this.fleet.desiredCount(service) } };
  }

  /** Promote (skip the current pause), pause, resume, abort, or override the gates of a deployment. */
  control(id: string, action: ControlAction): DeploymentRecord {
    const entry = [...this.fleet.rollouts.values()].find((r) => r.rollout.id === id);
    const record = this.fleet.o.deployments.get(id);
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
    return this.fleet.o.deployments.get(id) as DeploymentRecord;
  }

  /**
   * Rolls a service back: an active deployment is aborted and rolled back (traffic first); otherwise a
   * new deployment to the previous revision (or revision N) runs with a rolling strategy.
   */
  rollback(service: string, toRevision: string | undefined, by: string): DeploymentRecord {
    const active = this.fleet.rollouts.get(service);
    if (active && toRevision === undefined) {
      active.rollout.requestAbort("rollback");
      active.rollout.log("control", `rollback requested by ${by}`);
      return active.rollout.snapshot();
    }
    const { revisions } = this.fleet.o;
    const current = this.fleet.require(service);
    const target =
      toRevision !== undefined
        ? revisions.get(service, toRevision)
        : revisions.history(service).find((r) => r.number < current.revision.number);
    if (!target) {
      throw DeploymentErrors.revisionNotFound(
        toRevision !== undefined
          ? `service "${service}" has no revision "${toRevision}"`
          : `service "${service}" has no earlier revision`,
      );
    }
    return this.deploy({ service, revision: target.hash, by: `${by} (rollback)` });
  }

  /** Resolves when the service has no deployment in progress. */
  async settled(service: string): Promise<void> {
    await this.fleet.rollouts.get(service)?.done;
  }

  /** The target's `requires` hold for what runs now, and so do other services' needs of this one. */
  private checkConstraints(service: string, spec: StoredServiceSpec): void {
    for (const [dep, constraint] of Object.entries(spec.requires ?? {})) {
      const running = this.fleet.releases.get(dep)?.spec.version;
      if (running !== undefined && !satisfies(running, constraint)) {
        throw DeploymentErrors.versionConstraint(
          `${service} ${spec.version} needs ${dep} ${constraint}, but ${dep} runs ${running}: deploy ${dep} first`,
        );
      }
    }
    for (const [other, { spec: o }] of this.fleet.releases) {
      const constraint = o.requires?.[service];
      if (other !== service && constraint !== undefined && !satisfies(spec.version, constraint)) {
        throw DeploymentErrors.versionConstraint(
          `${other} ${o.version} needs ${service} ${constraint}; ${service} ${spec.version} would break it`,
        );
      }
    }
  }

  /** What a rollout of `spec` may do to the line: start and retire instances, route, analyse, wait for gates. */
  private rolloutHost(spec: StoredServiceSpec, overrideGates: AbortSignal): RolloutHost {
    const fleet = this.fleet;
    const { runtime, deployments, bus, analysis, gates } = fleet.o;
    return {
      runtime,
      deployments,
      instanceSpec: (release, station) => fleet.instanceSpec(release, station),
      setTraffic: (svc, traffic) => fleet.setTraffic(svc, traffic),
      retire: (i) => fleet.retire(i),
      publish: (e) => bus.emit("deployment.event", e),
      setStandby: (i, on) => fleet.setStandby(i, on),
      flushRouting: async () => {
        await fleet.o.frontDoors.flush?.();
      },
      runAnalysis: async (ref, args, signal, onProgress, extra) => {
        if (!analysis) {
          return { phase: "Error", message: "no analysis runner is configured" };
        }
        return analysis(fleet.templates, ref, args, signal, onProgress, extra);
      },
      waitForGates: async (svc, signal, onWaiting) => {
        const all = [fleet.lineGates, fleet.releases.get(svc)?.spec.gates ?? spec.gates].filter(
          (g) => g !== undefined,
        );
        if (all.length === 0 || !gates) {
          return "open";
        }
        return gates(svc, all, signal, onWaiting, overrideGates);
      },
    };
  }
}
