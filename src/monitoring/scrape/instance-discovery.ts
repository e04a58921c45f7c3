// Service discovery for the line's instances, as Prometheus's SD mechanisms do for theirs: every
// live instance of an instance source (the runtime) becomes a scrape target, and its pid a host
// process-metrics target; re-synced, debounced, whenever the source reports a change.
import type { Logger } from "pino";
import type { Labels } from "../../model/labels.js";
import { instanceProcessLabels, type InstanceTarget } from "./target.js";

/** One instance as discovery needs it (structurally a runtime Instance). */
export type DiscoveredInstance = {
  id: string;
  service: string;
  revision: string;
  version: string;
  station?: string;
  state: string;
  pid?: number;
  host: string;
  port: number;
};

/** Where instances come from: a list and a change feed (the runtime's list() and watch()). */
export interface InstanceSource {
  list(): readonly DiscoveredInstance[];
  /** Calls cb on every change; returns the unsubscribe. */
  watch(cb: () => void): () => void;
}

/** What discovery feeds: MonitoringEngine.setInstances. */
export type InstanceSink = (
  targets: InstanceTarget[],
  pids: { pid: number; labels: Labels }[],
) => Promise<void>;

export type InstanceDiscoveryOptions = {
  source: InstanceSource;
  sink: InstanceSink;
  /** The path a service serves its metrics on (the line spec's); undefined means /metrics. */
  metricsPath: (service: string) => string | undefined;
  logger: Logger;
  /**
   * The line's name: every series of its instances carries it as label `line`, so alerts name the
   * plant they are about (line -> station -> device) and incidents correlate on it.
   */
  line?: () => string | undefined;
  /** Quiet time after a change before re-syncing, so a rollout's burst of events syncs once; default 100. */
  debounceMs?: number;
};

/** States in which an instance has a process worth scraping. */
const LIVE_STATES = new Set(["starting", "ready", "unready"]);

export class InstanceDiscovery {
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly o: InstanceDiscoveryOptions) {}

  /**
   * Watches the source, and syncs what it already has: instances adopted after a restart of lineops
   * are running and ready before discovery starts, and may never change again.
   */
  start(): void {
    if (this.unwatch !== undefined) {
      return;
    }
    const schedule = () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.sync(), this.o.debounceMs ?? 100);
    };
    this.unwatch = this.o.source.watch(schedule);
    schedule();
  }

  /** Stops watching; resolves once a sync in progress has reached the sink, so none lands later. */
  async stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.syncing;
  }

  /** Hands the source's live instances to the sink now; a failing sink is logged, never thrown. */
  sync(): Promise<void> {
    // Syncs run one after another, so an older instance list never overwrites a newer one.
    this.syncing = this.syncing.then(() => this.syncOnce());
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const live = this.o.source.list().filter((i) => i.pid !== undefined && LIVE_STATES.has(i.state));
    const line = this.o.line?.();
    const targets: InstanceTarget[] = live.map((i) => ({
      service: i.service,
      instanceId: i.id,
      host: i.host,
      port: i.port,
      metricsPath: this.o.metricsPath(i.service) ?? "/metrics",
      revision: i.revision,
      version: i.version,
      ...(i.station === undefined ? {} : { station: i.station }),
      ...(line === undefined ? {} : { line }),
    }));
    // Each process gets its instance's own labels (never the host's), so replicas and stations of
    // one service are series of their own.
    const pids = live.map((i, n) => ({
      pid: i.pid ?? 0,
      labels: instanceProcessLabels(targets[n] as InstanceTarget),
    }));
    try {
      await this.o.sink(targets, pids);
    } catch (err) {
      this.o.logger.error({ err }, "scrape target sync failed");
    }
  }
}
