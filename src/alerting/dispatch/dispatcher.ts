// Alertmanager's dispatcher (dispatch/dispatch.go): every alert goes to each route it reaches and
// there into the aggregation group of its group labels. A group flushes group_wait after it was
// created (at once if its alert is older than that), then every group_interval while it holds
// alerts; a flush hands all its alerts to the notification pipeline, and once that succeeded the
// resolved alerts it carried are dropped unless they changed meanwhile. A group left empty goes.
import type { Clock, TimerHandle } from "../../clock.js";
import type { Labels } from "../../model/labels.js";
import type { Route } from "../routing/route-tree.js";
import { routesFor } from "../routing/route-tree.js";
import { isResolved, type HeldAlert } from "./alert-store.js";
import { compareAlerts } from "./sort.js";

/** What a flush hands the pipeline: one group's alerts on one route. */
export type GroupFlush = {
  route: Route;
  groupKey: string;
  groupLabels: Labels;
  alerts: readonly HeldAlert[];
  /** Aborted when the dispatcher stops (shutdown, reload). */
  signal: AbortSignal;
};

/** Sends a group's notifications; true when every integration succeeded (or had nothing to send). */
export type FlushGroup = (flush: GroupFlush) => Promise<boolean>;

export type DispatcherLogger = { error(obj: object, msg?: string): void };

export class AggregationGroup {
  readonly alerts = new Map<string, HeldAlert>();
  private hasFlushed = false;
  private timer: TimerHandle | undefined;
  private flushing = false;
  private flushAgain = false;
  private stopped = false;

  constructor(
    readonly route: Route,
    readonly groupKey: string,
    readonly labels: Labels,
    private readonly clock: Clock,
    private readonly flushGroup: FlushGroup,
    private readonly signal: AbortSignal,
    private readonly onEmpty: (g: AggregationGroup) => void,
    private readonly logger: DispatcherLogger,
  ) {
    this.timer = clock.setTimer(() => this.tick(), route.opts.groupWaitMs);
  }

  insert(alert: HeldAlert): void {
    this.alerts.set(alert.fingerprint, alert);
  }

  /**
   * The group's first alert is already older than group_wait (re-sent, or regrouped after a restart
   * or reload): there is nothing left to wait for, so the first flush is now (Alertmanager checks
   * only the alert that creates the group).
   */
  flushNowIfOld(alert: HeldAlert): void {
    if (!this.hasFlushed && alert.startsAt + this.route.opts.groupWaitMs < this.clock.now()) {
      this.reschedule(0);
    }
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private reschedule(ms: number): void {
    this.clearTimer();
    this.timer = this.clock.setTimer(() => this.tick(), ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
  }

  /** A timer fired: the next tick is group_interval away (counted from now, as Alertmanager's ticker). */
  private tick(): void {
    this.timer = undefined;
    if (this.stopped) {
      return;
    }
    this.reschedule(this.route.opts.groupIntervalMs);
    if (this.flushing) {
      // Alertmanager's group loop is busy while it flushes: the tick waits for the flush to end.
      this.flushAgain = true;
      return;
    }
    void this.flush();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      const snapshot = [...this.alerts.values()].sort(compareAlerts);
      if (snapshot.length === 0) {
        return;
      }
      const now = this.clock.now();
      let ok = false;
      try {
        ok = await this.flushGroup({
          route: this.route,
          groupKey: this.groupKey,
          groupLabels: this.labels,
          alerts: snapshot,
          signal: this.signal,
        });
      } catch (err) {
        this.logger.error({ err, groupKey: this.groupKey }, "flushing an alert group failed");
      }
      this.hasFlushed = true;
      if (ok) {
        // Resolved alerts that were notified are done with, unless re-sent meanwhile (Alertmanager's
        // DeleteIfNotModified): a re-sent alert is a new object.
        for (const a of snapshot) {
          if (isResolved(a, now) && this.alerts.get(a.fingerprint) === a) {
            this.alerts.delete(a.fingerprint);
          }
        }
      }
    } finally {
      this.flushing = false;
    }
    if (this.stopped) {
      return;
    }
    if (this.alerts.size === 0) {
      this.stop();
      this.onEmpty(this);
      return;
    }
    if (this.flushAgain) {
      this.flushAgain = false;
      void this.flush();
    }
  }
}

export class Dispatcher {
  /** By route id, then group key. */
  private readonly byRoute = new Map<string, Map<string, AggregationGroup>>();
  private readonly abort = new AbortController();
  private stopped = false;
  private readonly inflight = new Set<Promise<boolean>>();
  private readonly flushGroup: FlushGroup;

  constructor(
    private readonly tree: Route,
    private readonly clock: Clock,
    flushGroup: FlushGroup,
    private readonly logger: DispatcherLogger,
  ) {
    // Flushes in flight are tracked so stop() can wait for them before the store closes.
    this.flushGroup = (f) => {
      const p = flushGroup(f);
      this.inflight.add(p);
      const forget = () => this.inflight.delete(p);
      p.then(forget, forget);
      return p;
    };
  }

  /** Puts the alert into its group on every route it reaches (creating groups as needed). */
  process(alert: HeldAlert): void {
    if (this.stopped) {
      return;
    }
    for (const route of routesFor(this.tree, alert.labels)) {
      const id = route.id();
      let groups = this.byRoute.get(id);
      if (groups === undefined) {
        groups = new Map();
        this.byRoute.set(id, groups);
      }
      const key = route.groupKey(alert.labels);
      let group = groups.get(key);
      if (group === undefined) {
        group = new AggregationGroup(
          route,
          key,
          route.groupLabels(alert.labels),
          this.clock,
          this.flushGroup,
          this.abort.signal,
          (g) => this.remove(id, g),
          this.logger,
        );
        groups.set(key, group);
        group.insert(alert);
        group.flushNowIfOld(alert);
      } else {
        group.insert(alert);
      }
    }
  }

  /** Every group, in no particular order. */
  groups(): AggregationGroup[] {
    return [...this.byRoute.values()].flatMap((m) => [...m.values()]);
  }

  /** Whether some group still holds this alert (its resolve may not be sent yet). */
  holds(fp: string): boolean {
    return this.groups().some((g) => g.alerts.has(fp));
  }

  /** Resolves once the flushes in flight now have ended (tests, and stop()). */
  async whenIdle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  /** Stops every group's timer, aborts deliveries in flight and waits for their flushes to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const g of this.groups()) {
      g.stop();
    }
    this.byRoute.clear();
    this.abort.abort(new Error("alert dispatcher stopped"));
    await Promise.allSettled([...this.inflight]);
  }

  private remove(routeId: string, g: AggregationGroup): void {
    const groups = this.byRoute.get(routeId);
    if (groups?.get(g.groupKey) === g) {
      groups.delete(g.groupKey);
      if (groups.size === 0) {
        this.byRoute.delete(routeId);
      }
    }
  }
}
