// Production gates of a deployment: deploy windows on the line's wall clock and PromQL state gates
// (e.g. "the line is in changeover"), checked once or waited for until open, deadline, override or cancel.
import type { Gates } from "../../config/deploy-schema.js";
import { systemClock, type Clock, type TimerHandle } from "../../clock.js";
import type { Labels } from "../../model/labels.js";
import { formatFloat, type MetricsQuerier, type QueryValue } from "../../monitoring/index.js";
import {
  DEFAULT_HORIZON_DAYS,
  describe,
  anyOpen,
  nextOpen,
  parseWindows,
  type Window,
} from "../../model/calendar.js";
import { assertTimeZone, formatLocal } from "../../model/zone.js";

export type GateCheck = {
  open: boolean;
  /** Why the gates are closed, one line per closed gate; empty when open. */
  reasons: string[];
  /** When the windows are closed: the next instant one opens (absent if none within the horizon). */
  nextWindowAt?: number;
};

export type GateWaitOutcome = "open" | "timeout" | "overridden" | "cancelled";

export type GateWaitOptions = {
  /** Epoch ms after which waiting gives up with "timeout"; default now + config.waitTimeout. */
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Called after a closed check whose reasons differ from the previous call's. */
  onWaiting?: (reasons: string[]) => void;
};

export type GateOptions = {
  /** State gates are instant queries (monitoring's MetricsQuerier). */
  querier: Pick<MetricsQuerier, "instant">;
  /** Time and timers, injected so tests drive waitFor without waiting. */
  clock?: Clock;
  /** Time between checks while waiting; default 5000. */
  pollMs?: number;
  /** How far ahead nextWindowAt is searched; default 400 days. */
  horizonDays?: number;
};

const MAX_SERIES_IN_REASON = 3;

function formatSeries(metric: Labels): string {
  const name = metric["__name__"] ?? "";
  const pairs = Object.entries(metric)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length === 0 && name !== "" ? name : `${name}{${pairs.join(", ")}}`;
}

/** Why a state gate's result does not let a deployment through, or undefined if it does. */
function stateGateProblem(value: QueryValue): string | undefined {
  const closes = (v: number) => v === 0 || Number.isNaN(v);
  switch (value.type) {
    case "scalar":
      return closes(value.v) ? `returned scalar ${formatFloat(value.v)}` : undefined;
    case "vector": {
      if (value.samples.length === 0) {
        return "returned no series";
      }
      const bad = value.samples.filter((s) => closes(s.v));
      if (bad.length === 0) {
        return undefined;
      }
      const shown = bad
        .slice(0, MAX_SERIES_IN_REASON)
        .map((s) => `${formatFloat(s.v)} for ${formatSeries(s.labels)}`);
      const more = bad.length > MAX_SERIES_IN_REASON ? ` and ${bad.length - MAX_SERIES_IN_REASON} more` : "";
      return `returned ${shown.join(", ")}${more}`;
    }
    case "matrix":
      return "returned a range vector, expected an instant vector or scalar";
    default:
      return `returned a ${value.type}, expected an instant vector or scalar`;
  }
}

export class GateEvaluator {
  readonly windows: readonly Window[];
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly horizonDays: number;
  private readonly waiters = new Set<(by: string) => void>();
  private overridden: { by: string; atMs: number } | undefined;

  /** Throws LINEOPS_ERR_GATE_WINDOW_INVALID (`windows[i]: 1:col: …`) or LINEOPS_ERR_GATE_TIMEZONE_INVALID. */
  constructor(
    readonly config: Gates,
    private readonly opts: GateOptions,
  ) {
    assertTimeZone(config.timezone);
    this.windows = parseWindows(config.windows);
    this.clock = opts.clock ?? systemClock;
    this.pollMs = opts.pollMs ?? 5000;
    this.horizonDays = opts.horizonDays ?? DEFAULT_HORIZON_DAYS;
  }

  /** Evaluates every gate at t (default now); a failing query closes its gate. Never rejects. */
  async check(tMs: number = this.clock.now()): Promise<GateCheck> {
    const reasons: string[] = [];
    let nextWindowAt: number | undefined;
    const tz = this.config.timezone;
    if (this.windows.length > 0 && !anyOpen(this.windows, tMs, tz)) {
      nextWindowAt = nextOpen(this.windows, tMs, tz, this.horizonDays);
      const list = this.windows.map(describe).join("; ");
      reasons.push(
        `outside the deploy windows (${list}) in ${tz}; ` +
          (nextWindowAt === undefined
            ? `no window opens in the next ${this.horizonDays} days`
            : `next opens ${formatLocal(nextWindowAt, tz)}`),
      );
    }
    const states = await Promise.all(
      this.config.state.map(async (g) => {
        let problem: string | undefined;
        try {
          problem = stateGateProblem(await this.opts.querier.instant(g.query, tMs));
        } catch (e) {
          problem = `failed: ${e instanceof Error ? e.message : String(e)}`;
        }
        return problem === undefined ? undefined : `state gate "${g.name}": ${g.query} ${problem}`;
      }),
    );
    for (const s of states) {
      if (s !== undefined) {
        reasons.push(s);
      }
    }
    return { open: reasons.length === 0, reasons, ...(nextWindowAt !== undefined ? { nextWindowAt } : {}) };
  }

  /**
   * Checks every pollMs (sooner if a window opens first) until the gates are open, the deadline
   * passes, an admin overrides, or the signal aborts. A check still running at the deadline or at
   * abort is abandoned. Rejects only if onWaiting throws.
   */
  waitFor(opts: GateWaitOptions = {}): Promise<GateWaitOutcome> {
    const s = this.clock;
    const deadline = opts.deadlineMs ?? s.now() + this.config.waitTimeout;
    const signal = opts.signal;
    if (signal?.aborted) {
      return Promise.resolve("cancelled");
    }
    return new Promise<GateWaitOutcome>((resolve, reject) => {
      let done = false;
      let pollTimer: TimerHandle;
      let lastReasons: string | undefined;
      const onAbort = () => finish("cancelled");
      const onOverride = () => finish("overridden");
      const finish = (outcome: GateWaitOutcome | Error) => {
        if (done) {
          return;
        }
        done = true;
        if (pollTimer !== undefined) {
          s.clearTimer(pollTimer);
        }
        s.clearTimer(deadlineTimer);
        signal?.removeEventListener("abort", onAbort);
        this.waiters.delete(onOverride);
        if (outcome instanceof Error) {
          reject(outcome);
        } else {
          resolve(outcome);
        }
      };
      const deadlineTimer = s.setTimer(() => finish("timeout"), Math.max(0, deadline - s.now()));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(onOverride);
      const poll = async () => {
        pollTimer = undefined;
        const c = await this.check(s.now());
        if (done) {
          return;
        }
        if (c.open) {
          finish("open");
          return;
        }
        const key = c.reasons.join("\n");
        if (key !== lastReasons) {
          lastReasons = key;
          try {
            opts.onWaiting?.(c.reasons);
          } catch (e) {
            finish(e instanceof Error ? e : new Error(String(e)));
            return;
          }
        }
        const now = s.now();
        let delay = this.pollMs;
        if (c.nextWindowAt !== undefined) {
          delay = Math.min(delay, Math.max(0, c.nextWindowAt - now));
        }
        pollTimer = s.setTimer(() => void poll(), delay);
      };
      void poll();
    });
  }

  /** The admin override: every waitFor in progress resolves "overridden". False if none was waiting. */
  override(by: string): boolean {
    if (this.waiters.size === 0) {
      return false;
    }
    this.overridden = { by, atMs: this.clock.now() };
    for (const release of [...this.waiters]) {
      release(by);
    }
    return true;
  }

  /** Who last overrode a wait, and when (for the engine's audit record). */
  get lastOverride(): { by: string; atMs: number } | undefined {
    return this.overridden;
  }

  /** Number of waitFor calls in progress. */
  get waiting(): number {
    return this.waiters.size;
  }
}
