// ISA-18.2 alarm management over the alerting engine's alerts. It records each activation and
// return to normal, keeps timed shelves (surviving a restart, lifted at expiry on the injected
// clock), suppresses alarms by design from the line's state, flags chattering alarms (optionally
// shelving them), and detects floods per operator position: one summary when a flood begins and
// one when it ends, the alarms in between are kept from notifying one by one.
import type { Clock, TimerHandle } from "../../clock.js";
import { defineError } from "../../errors.js";
import type { Labels } from "../../model/labels.js";
import type {
  ActivationRecord,
  AlarmPriorityName,
  AlarmRepository,
  ShelfRecord,
} from "../../store/alarms.js";
import { fingerprint as fingerprintOf } from "../fingerprint.js";
import { positionOf, priorityOf, suppressingState, type LineStateSample } from "./classify.js";
import type { AlarmConfig } from "./config.js";
import { alarmKpi, type AlarmKpiReport } from "./kpi.js";
import type {
  AcknowledgementSource,
  AlarmAuditSink,
  FloodSummary,
  FloodSummarySink,
  LineStateSource,
} from "./ports.js";

export const AlarmErrors = {
  invalid: defineError("LINEOPS_ERR_ALARM_INVALID", 400, "bad_data"),
  notFound: defineError("LINEOPS_ERR_ALARM_NOT_FOUND", 404, "not_found"),
} as const;

/** ISA-18.2's alarm states (out of service is not modelled: lineops has no per-alarm removal). */
export type AlarmState =
  "normal" | "unacknowledged" | "acknowledged" | "rtn_unacknowledged" | "shelved" | "suppressed_by_design";

/** What the engine hands over: an alert as held (HeldAlert fits). */
export type AlarmAlert = {
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly startsAt: number;
  readonly endsAt: number;
};

export type AlarmView = {
  fingerprint: string;
  alertname: string;
  labels: Labels;
  position: string;
  priority: AlarmPriorityName;
  state: AlarmState;
  active: boolean;
  activatedAt?: number;
  returnedAt?: number;
  acknowledgedAt?: number;
  shelf?: { by: string; reason: string; at: number; until: number };
  suppressedBy?: string;
  chattering: boolean;
  stale: boolean;
  inFlood: boolean;
};

export type FloodStatus = { position: string; startedAt: number; alarms: number; windowAlarms: number };

export type ShelveRequest = { fingerprint: string; durationMs: number; reason: string; by: string };

export type AlarmLogger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
};

export type AlarmManagerOptions = {
  repo: AlarmRepository;
  config: AlarmConfig;
  clock: Clock;
  logger: AlarmLogger;
  floodSink?: FloodSummarySink;
  acknowledgements?: AcknowledgementSource;
  lineStates?: LineStateSource;
  audit?: AlarmAuditSink;
};

type Open = ActivationRecord;
type Flood = {
  id: number;
  startedAt: number;
  alarms: number;
  byName: Map<string, number>;
  priorities: Record<AlarmPriorityName, number>;
  /** Alarms that activated during the flood: the summary speaks for them, they do not notify. */
  muted: Set<string>;
};

const EMPTY_PRIORITIES = (): Record<AlarmPriorityName, number> => ({
  low: 0,
  medium: 0,
  high: 0,
  critical: 0,
});
const PRUNE_EVERY_MS = 3_600_000;

export class AlarmManager {
  private config: AlarmConfig;
  private readonly repo: AlarmRepository;
  private readonly clock: Clock;
  private readonly open = new Map<string, Open>();
  private readonly shelved = new Map<string, ShelfRecord>();
  /** Activation times per fingerprint inside the chattering window. */
  private readonly recent = new Map<string, number[]>();
  /** Annunciated activations per position inside the flood window (time, fingerprint, name, priority). */
  private readonly window = new Map<
    string,
    { at: number; alertname: string; priority: AlarmPriorityName }[]
  >();
  private readonly floods = new Map<string, Flood>();
  private lineStates: LineStateSample[] = [];
  private lineStateFailing = false;
  private timer: TimerHandle | undefined;
  private lastPrune = 0;
  private ticking = false;
  private inFlight: Promise<void> = Promise.resolve();
  acknowledgements: AcknowledgementSource | undefined;

  constructor(private readonly opts: AlarmManagerOptions) {
    this.config = opts.config;
    this.repo = opts.repo;
    this.clock = opts.clock;
    this.acknowledgements = opts.acknowledgements;
    const now = this.clock.now();
    for (const a of this.repo.open()) {
      this.open.set(a.fingerprint, a);
    }
    for (const s of this.repo.shelves()) {
      this.shelved.set(s.fingerprint, s);
    }
    const since = now - Math.max(this.config.chattering.windowMs, this.config.flood.windowMs);
    for (const a of this.repo.since(since, 100_000)) {
      if (a.activatedAt >= now - this.config.chattering.windowMs) {
        this.pushRecent(a.fingerprint, a.activatedAt);
      }
      if (a.annunciated && a.activatedAt >= now - this.config.flood.windowMs) {
        this.windowOf(a.position).push({ at: a.activatedAt, alertname: a.alertname, priority: a.priority });
      }
    }
    for (const f of this.repo.openFloods()) {
      // A flood going on at the restart: what it covered is rebuilt from the stored activations,
      // so its alarms stay quiet and the end summary counts them.
      const flood: Flood = {
        id: f.id,
        startedAt: f.startedAt,
        alarms: f.alarms,
        byName: new Map(),
        priorities: EMPTY_PRIORITIES(),
        muted: new Set(),
      };
      for (const a of this.repo.since(f.startedAt, 100_000)) {
        if (a.position === f.position && a.annunciated) {
          flood.byName.set(a.alertname, (flood.byName.get(a.alertname) ?? 0) + 1);
          flood.priorities[a.priority]++;
          flood.muted.add(a.fingerprint);
        }
      }
      this.floods.set(f.position, flood);
    }
    // Shelves that expired while lineops was down are lifted at once.
    this.expireShelves(now);
  }

  get configuration(): AlarmConfig {
    return this.config;
  }

  reload(config: AlarmConfig): void {
    this.config = config;
  }

  start(): void {
    if (this.timer !== undefined) {
      return;
    }
    const loop = () => {
      this.timer = this.clock.setTimer(() => {
        this.inFlight = this.tick().finally(() => {
          if (this.timer !== undefined) {
            loop();
          }
        });
      }, this.config.tickMs);
    };
    loop();
  }

  /** Stops the maintenance timer; resolves once a tick in flight is done (before the store closes). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) {
      this.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
    await this.inFlight;
  }

  /** The engine's hook: alerts as held after each change. Never throws (logged instead). */
  observe(alerts: readonly AlarmAlert[]): void {
    try {
      const now = this.clock.now();
      for (const a of alerts) {
        this.observeOne(a, now);
      }
    } catch (err) {
      this.opts.logger.warn({ err }, `alarm history could not record alerts: ${(err as Error).message}`);
    }
  }

  private observeOne(a: AlarmAlert, now: number): void {
    const held = this.open.get(a.fingerprint);
    const firing = a.endsAt > now;
    if (held !== undefined && (!firing || a.startsAt >= held.endsAt)) {
      // Resolved, or it resolved unseen and this is a new activation of the same alarm.
      this.returnToNormal(held, Math.min(firing ? held.endsAt : a.endsAt, now));
    }
    if (!firing) {
      return;
    }
    const still = this.open.get(a.fingerprint);
    if (still !== undefined) {
      if (still.endsAt !== a.endsAt) {
        still.endsAt = a.endsAt;
        this.repo.extend(still.id, a.endsAt);
      }
      return;
    }
    this.activate(a, now);
  }

  private activate(a: AlarmAlert, now: number): void {
    const labels = { ...a.labels };
    const alertname = labels.alertname ?? "";
    const position = positionOf(labels, this.config);
    const priority = priorityOf(labels, this.config);
    const activatedAt = Math.min(a.startsAt, now);
    const times = this.pushRecent(a.fingerprint, activatedAt);
    const chattering = times.length >= this.config.chattering.activations;
    if (
      chattering &&
      this.config.chattering.autoShelveMs !== undefined &&
      !this.isShelved(a.fingerprint, now)
    ) {
      this.shelveNow({
        fingerprint: a.fingerprint,
        labels,
        by: "lineops (chattering)",
        reason: `chattering: ${times.length} activations in ${this.config.chattering.windowMs / 1000} s`,
        durationMs: this.config.chattering.autoShelveMs,
        now,
      });
    }
    const annunciated = !this.isShelved(a.fingerprint, now) && this.suppressedBy(labels) === undefined;
    const record = {
      fingerprint: a.fingerprint,
      alertname,
      position,
      priority,
      labels,
      activatedAt,
      endsAt: a.endsAt,
      annunciated,
      chattering,
    };
    const id = this.repo.activate(record);
    this.open.set(a.fingerprint, { id, ...record });
    if (annunciated) {
      this.countForFlood(position, { at: activatedAt, alertname, priority }, a.fingerprint, now);
    }
  }

  private returnToNormal(a: Open, at: number): void {
    this.repo.returnToNormal(a.id, at);
    this.open.delete(a.fingerprint);
  }

  private pushRecent(fp: string, at: number): number[] {
    const from = this.clock.now() - this.config.chattering.windowMs;
    const times = (this.recent.get(fp) ?? []).filter((t) => t >= from);
    times.push(at);
    this.recent.set(fp, times);
    return times;
  }

  private windowOf(position: string) {
    let w = this.window.get(position);
    if (w === undefined) {
      w = [];
      this.window.set(position, w);
    }
    return w;
  }

  private trimWindow(position: string, now: number) {
    const from = now - this.config.flood.windowMs;
    const w = this.windowOf(position).filter((e) => e.at > from);
    this.window.set(position, w);
    return w;
  }

  private countForFlood(
    position: string,
    e: { at: number; alertname: string; priority: AlarmPriorityName },
    fp: string,
    now: number,
  ): void {
    const w = this.trimWindow(position, now);
    w.push(e);
    const flood = this.floods.get(position);
    if (flood !== undefined) {
      flood.alarms++;
      flood.byName.set(e.alertname, (flood.byName.get(e.alertname) ?? 0) + 1);
      flood.priorities[e.priority]++;
      flood.muted.add(fp);
      this.repo.updateFlood(flood.id, flood.alarms);
      return;
    }
    if (w.length > this.config.flood.alarms) {
      const id = this.repo.startFlood(position, now, w.length);
      const byName = new Map<string, number>();
      const priorities = EMPTY_PRIORITIES();
      for (const x of w) {
        byName.set(x.alertname, (byName.get(x.alertname) ?? 0) + 1);
        priorities[x.priority]++;
      }
      // The alarm that tipped the position into flood is the first one the summary replaces.
      this.floods.set(position, {
        id,
        startedAt: now,
        alarms: w.length,
        byName: new Map(byName),
        priorities: { ...priorities },
        muted: new Set([fp]),
      });
      this.opts.logger.warn({ position, alarms: w.length }, "alarm flood began");
      this.sendSummary({
        event: "flood_started",
        position,
        startedAt: now,
        alarms: w.length,
        threshold: this.config.flood.alarms,
        windowMs: this.config.flood.windowMs,
        topAlarms: top(byName),
        priorities,
      });
    }
  }

  private sendSummary(s: FloodSummary): void {
    try {
      this.opts.floodSink?.floodSummary(s);
    } catch (err) {
      this.opts.logger.warn({ err, position: s.position }, "flood summary could not be handed over");
    }
  }

  /** Lifts floods whose window fell to the end level; returns how many ended. */
  private endFloods(now: number): void {
    const endAt = this.config.flood.endAtOrBelow ?? this.config.flood.alarms;
    for (const [position, f] of this.floods) {
      if (this.trimWindow(position, now).length > endAt) {
        continue;
      }
      this.repo.endFlood(f.id, now);
      this.floods.delete(position);
      this.opts.logger.info({ position, alarms: f.alarms }, "alarm flood ended");
      this.sendSummary({
        event: "flood_ended",
        position,
        startedAt: f.startedAt,
        endedAt: now,
        alarms: f.alarms,
        threshold: this.config.flood.alarms,
        windowMs: this.config.flood.windowMs,
        topAlarms: top(f.byName),
        priorities: f.priorities,
      });
    }
  }

  private isShelved(fp: string, now: number): boolean {
    const s = this.shelved.get(fp);
    return s !== undefined && s.expiresAt > now;
  }

  private suppressedBy(labels: Labels): string | undefined {
    return suppressingState(labels, this.lineStates, this.config);
  }

  /**
   * The notification pipeline's question, asked like a silence: shelved, suppressed by design, or
   * activated during its position's flood (the flood summary speaks for it).
   */
  mutes(labels: Labels, now: number): boolean {
    const fp = fingerprintOf(labels);
    if (this.isShelved(fp, now) || this.suppressedBy(labels) !== undefined) {
      return true;
    }
    const flood = this.floods.get(positionOf(labels, this.config));
    return flood !== undefined && flood.muted.has(fp);
  }

  /** Checks expiries, returns to normal, floods, the line's state and retention. Awaited by tests. */
  async tick(): Promise<void> {
    if (this.ticking) {
      return;
    }
    this.ticking = true;
    try {
      if (this.opts.lineStates !== undefined) {
        try {
          this.lineStates = await this.opts.lineStates.states(this.clock.now());
          this.lineStateFailing = false;
        } catch (err) {
          if (!this.lineStateFailing) {
            this.opts.logger.warn(
              { err },
              `line state unreadable, last reading kept: ${(err as Error).message}`,
            );
          }
          this.lineStateFailing = true;
        }
      }
      const now = this.clock.now();
      this.expireShelves(now);
      for (const a of [...this.open.values()]) {
        if (a.endsAt <= now) {
          this.returnToNormal(a, a.endsAt);
        }
      }
      this.endFloods(now);
      for (const [fp, times] of this.recent) {
        const kept = times.filter((t) => t >= now - this.config.chattering.windowMs);
        if (kept.length === 0) {
          this.recent.delete(fp);
        } else {
          this.recent.set(fp, kept);
        }
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        this.repo.prune(now - this.config.retentionMs);
      }
    } catch (err) {
      this.opts.logger.warn({ err }, `alarm maintenance failed: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private expireShelves(now: number): void {
    for (const s of [...this.shelved.values()]) {
      if (s.expiresAt <= now) {
        this.repo.deleteShelf(s.fingerprint);
        this.shelved.delete(s.fingerprint);
        this.audit("alarm unshelved at expiry", s.fingerprint, `shelved by ${s.shelvedBy}: ${s.reason}`);
      }
    }
  }

  private audit(action: string, fp: string, detail: string): void {
    try {
      this.opts.audit?.append({
        at: this.clock.now(),
        actor: "lineops (alarms)",
        action,
        target: `/api/v1/alarms/shelves/${fp}`,
        outcome: "success",
        status: 200,
        detail,
      });
    } catch (err) {
      this.opts.logger.warn({ err }, "alarm audit record could not be written");
    }
  }

  private shelveNow(r: {
    fingerprint: string;
    labels: Labels;
    by: string;
    reason: string;
    durationMs: number;
    now: number;
  }): ShelfRecord {
    const shelf: ShelfRecord = {
      fingerprint: r.fingerprint,
      labels: { ...r.labels },
      shelvedBy: r.by,
      reason: r.reason,
      shelvedAt: r.now,
      expiresAt: r.now + r.durationMs,
    };
    this.repo.saveShelf(shelf);
    this.shelved.set(r.fingerprint, shelf);
    if (r.by === "lineops (chattering)") {
      this.audit("alarm shelved (chattering)", r.fingerprint, r.reason);
    }
    return shelf;
  }

  /** Labels of a known alarm: active now, shelved, or in the recent history. */
  private labelsOf(fp: string): Labels | undefined {
    return this.open.get(fp)?.labels ?? this.shelved.get(fp)?.labels ?? this.repo.latest(fp)?.labels;
  }

  /** An operator shelves one alarm for a time, with a reason (the API audits who). */
  shelve(req: ShelveRequest): ShelfRecord {
    if (!/^[0-9a-f]{16}$/.test(req.fingerprint)) {
      throw AlarmErrors.invalid("fingerprint: must be 16 hex digits, as GET /api/v1/alarms shows it");
    }
    if (
      !Number.isInteger(req.durationMs) ||
      req.durationMs <= 0 ||
      req.durationMs > this.config.maxShelveMs
    ) {
      throw AlarmErrors.invalid(
        `duration: must be more than 0 and at most ${this.config.maxShelveMs / 60_000} minutes (alarms.maxShelveMs)`,
      );
    }
    if (req.reason.trim() === "") {
      throw AlarmErrors.invalid("reason: must say why the alarm is shelved");
    }
    const labels = this.labelsOf(req.fingerprint);
    if (labels === undefined) {
      throw AlarmErrors.notFound(`fingerprint: no alarm ${req.fingerprint} is active or in the history`);
    }
    return this.shelveNow({ ...req, labels, now: this.clock.now() });
  }

  unshelve(fingerprint: string): ShelfRecord {
    const s = this.shelved.get(fingerprint);
    if (s === undefined) {
      throw AlarmErrors.notFound(`fingerprint: alarm ${fingerprint} is not shelved`);
    }
    this.repo.deleteShelf(fingerprint);
    this.shelved.delete(fingerprint);
    return s;
  }

  shelves(): ShelfRecord[] {
    const now = this.clock.now();
    return [...this.shelved.values()]
      .filter((s) => s.expiresAt > now)
      .sort((a, b) => a.expiresAt - b.expiresAt);
  }

  floodStatus(): FloodStatus[] {
    const now = this.clock.now();
    return [...this.floods].map(([position, f]) => ({
      position,
      startedAt: f.startedAt,
      alarms: f.alarms,
      windowAlarms: this.trimWindow(position, now).length,
    }));
  }

  /**
   * The KPI report over [from, to) (default: the last 24 h), for one position or all. The period
   * must be forward and at most the retention (older history is gone, a longer one would lie).
   */
  kpi(q: { from?: number; to?: number; position?: string } = {}): AlarmKpiReport {
    const now = this.clock.now();
    const to = q.to ?? now;
    const from = q.from ?? to - 86_400_000;
    if (!(from < to)) {
      throw AlarmErrors.invalid("from: must be before to");
    }
    if (to - from > this.config.retentionMs) {
      throw AlarmErrors.invalid(
        `from: the period may span at most the retention of ${this.config.retentionMs / 86_400_000} days (alarms.retentionMs)`,
      );
    }
    return alarmKpi(
      this.repo,
      this.config,
      { from, to, now, ...(q.position !== undefined ? { position: q.position } : {}) },
      this.acknowledgements,
    );
  }

  /** Active and shelved alarms with their ISA-18.2 state, highest priority and oldest first. */
  alarms(): AlarmView[] {
    const now = this.clock.now();
    const out: AlarmView[] = [];
    const seen = new Set<string>();
    for (const a of this.open.values()) {
      seen.add(a.fingerprint);
      out.push(this.view(a.fingerprint, a.labels, a, now));
    }
    for (const s of this.shelves()) {
      if (!seen.has(s.fingerprint)) {
        seen.add(s.fingerprint);
        out.push(this.view(s.fingerprint, s.labels, undefined, now));
      }
    }
    const acks = this.acknowledgements;
    if (acks !== undefined) {
      // Returned to normal before anyone acknowledged it: ISA-18.2's RTN unacknowledged. Only
      // knowable once acknowledgements exist (incidents); the last stale period is looked at.
      for (const a of this.repo.since(now - this.config.staleMs, 1000).reverse()) {
        if (
          !seen.has(a.fingerprint) &&
          a.returnedAt !== undefined &&
          acks.acknowledgedAt(a.fingerprint, a.activatedAt) === undefined
        ) {
          seen.add(a.fingerprint);
          out.push({
            ...this.view(a.fingerprint, a.labels, undefined, now),
            state: "rtn_unacknowledged",
            activatedAt: a.activatedAt,
            returnedAt: a.returnedAt,
          });
        }
      }
    }
    const rank: Record<AlarmPriorityName, number> = { critical: 0, high: 1, medium: 2, low: 3 };
    return out.sort(
      (x, y) => rank[x.priority] - rank[y.priority] || (x.activatedAt ?? 0) - (y.activatedAt ?? 0),
    );
  }

  private view(fp: string, labels: Labels, a: Open | undefined, now: number): AlarmView {
    const shelf = this.isShelved(fp, now) ? this.shelved.get(fp) : undefined;
    const suppressedBy = this.suppressedBy(labels);
    const ackAt = a === undefined ? undefined : this.acknowledgements?.acknowledgedAt(fp, a.activatedAt);
    const position = positionOf(labels, this.config);
    const state: AlarmState =
      shelf !== undefined
        ? "shelved"
        : suppressedBy !== undefined
          ? "suppressed_by_design"
          : a === undefined
            ? "normal"
            : ackAt !== undefined
              ? "acknowledged"
              : "unacknowledged";
    return {
      fingerprint: fp,
      alertname: labels.alertname ?? "",
      labels,
      position,
      priority: priorityOf(labels, this.config),
      state,
      active: a !== undefined,
      ...(a !== undefined ? { activatedAt: a.activatedAt } : {}),
      ...(ackAt !== undefined ? { acknowledgedAt: ackAt } : {}),
      ...(shelf !== undefined
        ? {
            shelf: { by: shelf.shelvedBy, reason: shelf.reason, at: shelf.shelvedAt, until: shelf.expiresAt },
          }
        : {}),
      ...(suppressedBy !== undefined ? { suppressedBy } : {}),
      chattering:
        (this.recent.get(fp)?.filter((t) => t >= now - this.config.chattering.windowMs).length ?? 0) >=
        this.config.chattering.activations,
      stale: a !== undefined && now - a.activatedAt > this.config.staleMs,
      inFlood: this.floods.get(position)?.muted.has(fp) ?? false,
    };
  }
}

function top(byName: Map<string, number>): { alertname: string; count: number }[] {
  return [...byName]
    .map(([alertname, count]) => ({ alertname, count }))
    .sort((a, b) => b.count - a.count || (a.alertname < b.alertname ? -1 : 1))
    .slice(0, 5);
}
