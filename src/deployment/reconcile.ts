// Reconcile: brings the running instances to each service's current release, level by level of
// the dependency DAG, at start (the line stored by a previous run) and after an apply; stops the
// line dependents first. Services with a deployment in progress are left to their rollout.
import type { Instance } from "../runtime/types.js";
import type { Revision } from "../store/revisions.js";
import type { Control } from "./control.js";
import type { Fleet } from "./fleet.js";
import type { Resume } from "./rollout.js";
import type { StatusView } from "./status.js";
import { releaseOf, type Release } from "./types.js";

export class Reconciler {
  private unwatch: (() => void) | undefined;
  /** Deployments taken over at start, and how each went on (shown by the engine, tested). */
  readonly resumed: ({ id: string; service: string } & Resume)[] = [];

  constructor(
    private readonly fleet: Fleet,
    private readonly view: StatusView,
    private readonly control: Control,
  ) {}

  /** Starts routing on instance events and brings up the line stored from a previous run, if any. */
  async start(): Promise<void> {
    const { runtime, deployments, revisions, bus } = this.fleet.o;
    this.unwatch = runtime.watch((e) => {
      bus.emit("instance", e);
      this.fleet.refreshBackends(e.instance.service);
    });
    const stored = revisions
      .services()
      .map((s) => revisions.current(s.name))
      .filter((r): r is Revision => r !== undefined);
    for (const r of stored) {
      this.fleet.releases.set(r.service, releaseOf(r));
    }
    // Deployments a previous lineops left in progress: their services are held out of reconcile
    // (it would retire the new revision's instances as surplus), front doors open first so the
    // new instances get their dependencies' URLs, then each rollout resumes from its step.
    const active = deployments.active().filter((d) => this.fleet.releases.has(d.service));
    for (const d of deployments.active().filter((d) => !this.fleet.releases.has(d.service))) {
      deployments.update(d.id, { phase: "Failed", reason: "its service is no longer in the line" });
    }
    for (const d of active) {
      this.fleet.resuming.add(d.service);
    }
    if (stored.length > 0) {
      await this.reconcileAll();
    }
    for (const d of active) {
      this.fleet.resuming.delete(d.service);
      this.resumed.push({ id: d.id, service: d.service, ...this.control.resume(d) });
      this.fleet.refreshBackends(d.service);
    }
    await this.fleet.o.frontDoors.flush?.();
  }

  /**
   * Leaves the line as it runs: rollouts stop where they are (persisted, resumed by the next
   * start), routing and instances stay. `stopLine` also stops every instance, dependents first.
   */
  async stop(opts: { stopLine: boolean } = { stopLine: true }): Promise<void> {
    this.unwatch?.();
    if (!opts.stopLine) {
      this.fleet.detaching = true;
    }
    await this.detachRollouts();
    if (opts.stopLine) {
      for (const level of this.fleet.levels().reverse()) {
        await Promise.all(level.flatMap((name) => this.live(name).map((i) => this.fleet.retire(i))));
      }
    }
  }

  /**
   * Rollouts in progress stop where they are, persisted for the next start to resume; no new one
   * starts (a line apply waiting on one returns without rolling its plan back).
   */
  async detachRollouts(): Promise<void> {
    this.fleet.stopping = true;
    const running = [...this.fleet.rollouts.values()];
    for (const r of running) {
      r.rollout.detach();
    }
    await Promise.all(running.map((r) => r.done.catch(() => undefined)));
  }

  /** Level by level: open every front door of the level, start instances, wait for readiness. */
  async reconcileAll(): Promise<void> {
    for (const level of this.fleet.levels()) {
      await Promise.all(
        level.map(async (name) => {
          const entry = this.fleet.releases.get(name);
          if (!entry) {
            return;
          }
          try {
            await this.reconcile(name, entry);
          } catch (err) {
            // One service that cannot start (its front door's port held by a foreign process)
            // must not keep the rest of the line from starting or being re-adopted.
            this.fleet.o.logger.error({ err, service: name }, `service ${name} not started: ${String(err)}`);
            this.fleet.notStarted.set(name, err instanceof Error ? err.message : String(err));
          }
        }),
      );
    }
  }

  /** Stops every instance of a service and starts fresh ones of its current release. */
  async restartService(name: string): Promise<void> {
    const entry = this.fleet.require(name);
    await Promise.all(this.live(name).map((i) => this.fleet.retire(i)));
    await this.reconcile(name, entry);
  }

  /** Stops a service that left the line and forgets its revisions. */
  async removeService(name: string): Promise<void> {
    await Promise.all(this.live(name).map((i) => this.fleet.retire(i)));
    this.fleet.releases.delete(name);
    this.fleet.o.revisions.remove(name);
    this.fleet.o.frontDoors.setBackends(name, []);
    this.fleet.o.frontDoorPorts?.remove(name);
  }

  /**
   * Brings one service's instance count to its desired count (a scale): new instances of the
   * current revision join the front door once ready, surplus ones are drained and stopped. A
   * deployment in progress owns the count; reconcile leaves the service to it.
   */
  async reconcileService(name: string): Promise<void> {
    await this.reconcile(name, this.fleet.require(name));
  }

  private live(name: string): Instance[] {
    return this.fleet.o.runtime.list({ service: name }).filter((i) => i.state !== "stopped");
  }

  private async reconcile(name: string, release: Release): Promise<void> {
    const { runtime, frontDoors, bus } = this.fleet.o;
    this.fleet.notStarted.delete(name);
    const { spec, revision } = release;
    if (!frontDoors.addressOf(name)) {
      const port = await this.fleet.o.frontDoorPorts?.portFor(name, spec.port);
      await frontDoors.listen(name, port ?? spec.port);
    }
    if (this.fleet.rollouts.has(name) || this.fleet.resuming.has(name)) {
      return; // the deployment owns this service's instances until it finishes
    }
    const live = runtime
      .list({ service: name })
      .filter((i) => i.state !== "stopped" && i.state !== "stopping");
    const current = live.filter((i) => i.revision === revision.hash);
    const wanted = this.fleet.slots(name);
    const started: Instance[] = [];
    const remaining = [...current];
    for (const station of wanted) {
      const idx = remaining.findIndex((i) => i.station === station);
      if (idx >= 0) {
        remaining.splice(idx, 1);
        continue;
      }
      started.push(await runtime.start(this.fleet.instanceSpec(release, station)));
    }
    // Surplus instances of this revision (replicas lowered) and all of older revisions go once
    // the new ones are ready, so the front door always has something to send traffic to.
    const surplus = [...remaining, ...live.filter((i) => i.revision !== revision.hash)];
    await this.waitSettled(started.map((i) => i.id));
    await Promise.all(surplus.map((i) => this.fleet.retire(i)));
    this.fleet.refreshBackends(name);
    await frontDoors.flush?.(); // routed before the service is announced ready
    if (this.view.status().find((s) => s.name === name)?.ready) {
      bus.emit("service.ready", { service: name, revision: revision.hash, at: Date.now() });
    }
  }

  /** Resolves when every listed instance is ready or failed, or the ready timeout passes. */
  private waitSettled(ids: string[]): Promise<void> {
    const { runtime, readyTimeoutMs } = this.fleet.o;
    const settled = () =>
      ids.every((id) => {
        const s = runtime.get(id)?.state;
        return s === undefined || s === "ready" || s === "failed" || s === "stopped";
      });
    if (settled()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, readyTimeoutMs);
      const off = runtime.watch(() => {
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
}
