// Health verification time: how long a new instance takes from its process start to passing
// readiness. The API has no "ready since" field, so GET /api/v1/instances is polled and the first
// poll that sees an instance ready bounds it (resolution: the poll interval plus one API call).
import type { LineopsApi } from "./api.js";

export type HealthTimes = { n: number; medianSeconds: number; p90Seconds: number; maxSeconds: number };

export class InstanceWatcher {
  /** Instances first seen not yet ready, by id: their process start and when they were seen ready. */
  private readonly seen = new Map<string, { service: string; startedAt: number; readyAt?: number }>();
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  errors = 0;

  constructor(
    private readonly api: LineopsApi,
    private readonly intervalMs = 100,
  ) {}

  /** Instances that exist now are the baseline: only instances started later are timed. */
  async start(): Promise<void> {
    for (const i of (await this.api.instances()).instances) {
      this.known.add(i.id);
    }
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  times(service?: string): HealthTimes {
    const secs = [...this.seen.values()]
      .filter((s) => s.readyAt !== undefined && (service === undefined || s.service === service))
      .map((s) => ((s.readyAt ?? 0) - s.startedAt) / 1000)
      .sort((a, b) => a - b);
    const q = (p: number) => secs[Math.min(secs.length - 1, Math.floor(p * secs.length))] ?? 0;
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return {
      n: secs.length,
      medianSeconds: r(q(0.5)),
      p90Seconds: r(q(0.9)),
      maxSeconds: r(secs.at(-1) ?? 0),
    };
  }

  private async poll(): Promise<void> {
    if (this.busy) {
      return;
    }
    this.busy = true;
    try {
      const list = (await this.api.instances()).instances;
      // The answer's time, an upper bound on when each state was observed.
      const now = Date.now();
      for (const i of list) {
        if (!this.known.has(i.id)) {
          this.known.add(i.id);
          // Seen ready on its first poll: the start was missed by less than a poll, still a bound.
          if (i.startedAt !== undefined) {
            this.seen.set(i.id, { service: i.service, startedAt: i.startedAt });
          }
        }
        const s = this.seen.get(i.id);
        if (s && s.readyAt === undefined && i.state === "ready") {
          s.readyAt = now;
        }
      }
    } catch {
      this.errors++;
    } finally {
      this.busy = false;
    }
  }
}
