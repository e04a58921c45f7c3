// The silence store, with Alertmanager's semantics (silence/silence.go and the v2 API's handlers):
// create, update (in place when history is not rewritten, else expire-and-replace), expire, query,
// and mutes() for the dispatcher. Every change is written to SQLite before it is acknowledged and
// the store is read back at start, so silences survive any restart; expired silences are kept for
// a retention (Alertmanager's --data.retention, 120 h) and then garbage-collected.
import { randomUUID } from "node:crypto";
import type { Clock, TimerHandle } from "../../clock.js";
import type { Labels } from "../../model/labels.js";
import type { SilenceRecord, SilenceRepository } from "../../store/silences.js";
import { SilenceErrors } from "./errors.js";
import {
  compileSilenceMatchers,
  hasEveryMatcher,
  matchesAll,
  sameMatcher,
  type CompiledMatcher,
  type SilenceMatcher,
} from "./matchers.js";

export type SilenceState = "pending" | "active" | "expired";

/** A silence as GET /api/v2/silences shows it (times in ms since the epoch; the API formats them). */
export type Silence = {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  createdBy: string;
  comment: string;
  status: { state: SilenceState };
};

/** A silence as POST /api/v2/silences takes it: with `id` it updates that silence. */
export type PostableSilence = {
  id?: string | undefined;
  matchers: readonly SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
};

/** GET /api/v2/silences's parameters: the states to include (default all) and the `filter` matchers. */
export type SilenceQuery = {
  states?: readonly SilenceState[];
  filter?: readonly SilenceMatcher[];
};

export type SilencesLogger = { warn(obj: object, msg?: string): void };

export type SilencesOptions = {
  clock: Clock;
  /** How long an expired silence is kept before GC removes it. Default 120 h, as Alertmanager. */
  retentionMs?: number;
  /** Most silences held, expired included; 0 (default) = no limit (Alertmanager's --silences.max-silences). */
  maxSilences?: number;
  /** Largest silence, in bytes of its stored JSON; 0 (default) = no limit. */
  maxSilenceSizeBytes?: number;
  /** Fresh silence ids; tests pass a counter. Default: random UUIDs, as Alertmanager. */
  newId?: () => string;
  /** Told about stored rows that cannot be used and failed background GCs. */
  logger?: SilencesLogger;
};

export const DEFAULT_SILENCE_RETENTION_MS = 120 * 60 * 60 * 1000;
/** Alertmanager's maintenance interval (GC and snapshot): every 15 minutes. */
export const DEFAULT_SILENCE_GC_INTERVAL_MS = 15 * 60 * 1000;

/**
 * The state at `at`: pending before startsAt, active until endsAt, then expired (Alertmanager's
 * silence.CurrentState, what the API reports; an expired silence's endsAt is the moment it ended).
 */
export function silenceState(s: { startsAt: number; endsAt: number }, at: number): SilenceState {
  if (at < s.startsAt) {
    return "pending";
  }
  return at < s.endsAt ? "active" : "expired";
}

type Entry = { record: SilenceRecord; matchers: CompiledMatcher[] };

// The v2 API lists active silences first (soonest to end first), then pending (soonest to start
// first), then expired (most recently ended first).
const STATE_ORDER: Record<SilenceState, number> = { active: 1, pending: 2, expired: 3 };

export class Silences {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly maxSilences: number;
  private readonly maxSizeBytes: number;
  private readonly newId: () => string;
  private readonly logger: SilencesLogger | undefined;
  private maintenance: TimerHandle | undefined;

  /** Loads every stored silence; a row that cannot be used (damaged JSON, a matcher that no longer compiles) is logged and left in the database. */
  constructor(
    private readonly repo: SilenceRepository,
    options: SilencesOptions,
  ) {
    this.clock = options.clock;
    this.retentionMs = options.retentionMs ?? DEFAULT_SILENCE_RETENTION_MS;
    this.maxSilences = options.maxSilences ?? 0;
    this.maxSizeBytes = options.maxSilenceSizeBytes ?? 0;
    this.newId = options.newId ?? randomUUID;
    this.logger = options.logger;
    const { records, unreadable } = repo.all();
    for (const u of unreadable) {
      this.logger?.warn(
        { silence: u.id, reason: u.reason },
        `stored silence ${u.id} cannot be read: ${u.reason}`,
      );
    }
    for (const record of records) {
      try {
        this.entries.set(record.id, { record, matchers: compileSilenceMatchers(record.matchers) });
      } catch (err) {
        this.logger?.warn(
          { silence: record.id, err },
          `stored silence ${record.id} is ignored: ${(err as Error).message}`,
        );
      }
    }
  }

  /**
   * Creates a silence, or with `input.id` updates one, as POST /api/v2/silences does; returns the
   * silence that now holds the input (its id is new unless the update was made in place).
   *
   * An update is made in place when it does not rewrite history (Alertmanager's canUpdate): same
   * matchers, and for an active silence the same start (to the second) and an end not in the
   * past, for a pending one a start not in the past. Otherwise the old silence is expired, if it
   * was not already, and a new one is created, so what was silenced when stays on record.
   *
   * Throws SilenceErrors.invalid (400, Alertmanager's messages), notFound (404: `id` unknown) or
   * limit (400).
   */
  set(input: PostableSilence): Silence {
    const now = this.clock.now();
    checkTimes(input, now);
    const matchers = compileSilenceMatchers(input.matchers);
    checkText(input);
    const prev = input.id === undefined || input.id === "" ? undefined : this.entries.get(input.id);
    if (input.id !== undefined && input.id !== "" && prev === undefined) {
      throw SilenceErrors.notFound("silence not found");
    }
    const fields = {
      matchers: input.matchers.map((m) => ({
        name: m.name,
        value: m.value,
        isRegex: m.isRegex,
        isEqual: m.isEqual,
      })),
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      createdBy: input.createdBy,
      comment: input.comment,
    };
    if (prev !== undefined && canUpdateInPlace(prev.record, fields, now)) {
      const record: SilenceRecord = { ...fields, id: prev.record.id, updatedAt: now };
      this.checkSize(record);
      this.write({ record, matchers });
      return this.view(record, now);
    }
    // A new silence, or one replacing `prev`: either way one more silence is held.
    if (this.maxSilences > 0 && this.entries.size + 1 > this.maxSilences) {
      throw SilenceErrors.limit(
        `exceeded maximum number of silences: ${this.entries.size} (limit: ${this.maxSilences})`,
      );
    }
    const record: SilenceRecord = {
      ...fields,
      id: this.newId(),
      // A start in the past means "now": the history of what was silenced is not rewritten.
      startsAt: Math.max(fields.startsAt, now),
      updatedAt: now,
    };
    this.checkSize(record);
    const replaced =
      prev !== undefined && silenceState(prev.record, now) !== "expired"
        ? { record: expiredAt(prev.record, now), matchers: prev.matchers }
        : undefined;
    this.write(...(replaced ? [replaced] : []), { record, matchers });
    return this.view(record, now);
  }

  /**
   * Ends the silence now (DELETE /api/v2/silence/{id}): an active one gets endsAt = now, a pending
   * one startsAt = endsAt = now; expiring an expired silence changes nothing. Throws notFound.
   */
  expire(id: string): Silence {
    const entry = this.entries.get(id);
    if (entry === undefined) {
      throw SilenceErrors.notFound("silence not found");
    }
    const now = this.clock.now();
    if (silenceState(entry.record, now) !== "expired") {
      this.write({ record: expiredAt(entry.record, now), matchers: entry.matchers });
    }
    return this.view(this.entries.get(id)?.record ?? entry.record, now);
  }

  /** The silence with this id (GET /api/v2/silence/{id}), until GC removes it. */
  get(id: string): Silence | undefined {
    const entry = this.entries.get(id);
    return entry && this.view(entry.record, this.clock.now());
  }

  /** Silences in the given states whose matchers include every `filter` matcher, in the v2 API's order. */
  query(q: SilenceQuery = {}): Silence[] {
    const now = this.clock.now();
    const states = q.states === undefined ? undefined : new Set(q.states);
    const out: Silence[] = [];
    for (const { record } of this.entries.values()) {
      const s = this.view(record, now);
      if (states && !states.has(s.status.state)) {
        continue;
      }
      if (q.filter && !hasEveryMatcher(record.matchers, q.filter)) {
        continue;
      }
      out.push(s);
    }
    return out.sort(apiOrder);
  }

  /** Ids of the silences active at `at` (default now) whose matchers all match `labels`. */
  mutes(labels: Labels, at: number = this.clock.now()): string[] {
    const ids: string[] = [];
    for (const { record, matchers } of this.entries.values()) {
      if (silenceState(record, at) === "active" && matchesAll(matchers, labels)) {
        ids.push(record.id);
      }
    }
    return ids;
  }

  /** How many silences are in each state now (Alertmanager's alertmanager_silences{state} gauge). */
  countByState(): Record<SilenceState, number> {
    const now = this.clock.now();
    const counts: Record<SilenceState, number> = { active: 0, pending: 0, expired: 0 };
    for (const { record } of this.entries.values()) {
      counts[silenceState(record, now)]++;
    }
    return counts;
  }

  /** Removes the silences that ended at least a retention ago, from SQLite first; returns how many. */
  gc(): number {
    const ids = this.repo.deleteEndedBy(this.clock.now() - this.retentionMs);
    for (const id of ids) {
      this.entries.delete(id);
    }
    return ids.length;
  }

  /** Runs gc() every `intervalMs` on the clock until stopMaintenance(); a failed GC is logged and retried next time. */
  startMaintenance(intervalMs: number = DEFAULT_SILENCE_GC_INTERVAL_MS): void {
    this.stopMaintenance();
    const tick = () => {
      try {
        this.gc();
      } catch (err) {
        this.logger?.warn({ err }, `silence garbage collection failed: ${(err as Error).message}`);
      }
      this.maintenance = this.clock.setTimer(tick, intervalMs);
    };
    this.maintenance = this.clock.setTimer(tick, intervalMs);
  }

  stopMaintenance(): void {
    if (this.maintenance !== undefined) {
      this.clock.clearTimer(this.maintenance);
      this.maintenance = undefined;
    }
  }

  /** Durable first: memory changes only once SQLite has the rows (one transaction for a replace). */
  private write(...entries: Entry[]): void {
    this.repo.save(...entries.map((e) => e.record));
    for (const e of entries) {
      this.entries.set(e.record.id, e);
    }
  }

  private checkSize(record: SilenceRecord): void {
    if (this.maxSizeBytes <= 0) {
      return;
    }
    const size = Buffer.byteLength(JSON.stringify(record));
    if (size > this.maxSizeBytes) {
      throw SilenceErrors.limit(
        `silence exceeded maximum size: ${size} bytes (limit: ${this.maxSizeBytes} bytes)`,
      );
    }
  }

  private view(record: SilenceRecord, now: number): Silence {
    return {
      id: record.id,
      matchers: record.matchers.map((m) => ({ ...m })),
      startsAt: record.startsAt,
      endsAt: record.endsAt,
      updatedAt: record.updatedAt,
      createdBy: record.createdBy,
      comment: record.comment,
      status: { state: silenceState(record, now) },
    };
  }
}

/** The API's own checks, made before the store's (postSilencesHandler), with its messages. */
function checkTimes(input: PostableSilence, now: number): void {
  for (const field of ["startsAt", "endsAt"] as const) {
    if (!Number.isFinite(input[field])) {
      throw SilenceErrors.invalid(field, `invalid silence: ${field} is not a time`);
    }
  }
  if (input.startsAt >= input.endsAt) {
    throw SilenceErrors.invalid("endsAt", "Failed to create silence: start time must be before end time");
  }
  if (input.endsAt < now) {
    throw SilenceErrors.invalid("endsAt", "Failed to create silence: end time can't be in the past");
  }
}

function checkText(input: PostableSilence): void {
  for (const field of ["createdBy", "comment"] as const) {
    if (typeof input[field] !== "string") {
      throw SilenceErrors.invalid(field, `invalid silence: ${field} must be a string`);
    }
  }
}

/** Alertmanager's canUpdate: may `prev` take `next`'s fields without rewriting what was silenced when? */
function canUpdateInPlace(
  prev: SilenceRecord,
  next: Pick<SilenceRecord, "matchers" | "startsAt" | "endsAt">,
  now: number,
): boolean {
  const sameMatchers =
    prev.matchers.length === next.matchers.length &&
    prev.matchers.every((m, i) => sameMatcher(m, next.matchers[i] as SilenceMatcher));
  if (!sameMatchers) {
    return false;
  }
  switch (silenceState(prev, now)) {
    case "active":
      // Alertmanager compares the starts as Unix seconds: a client's round trip through RFC 3339
      // without milliseconds still counts as the same start.
      return unixSeconds(prev.startsAt) === unixSeconds(next.startsAt) && next.endsAt >= now;
    case "pending":
      return next.startsAt >= now;
    case "expired":
      return false;
  }
}

function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function expiredAt(record: SilenceRecord, now: number): SilenceRecord {
  // A pending silence never started: both ends become now, so it never shows as having been active.
  const startsAt = silenceState(record, now) === "pending" ? now : record.startsAt;
  return { ...record, startsAt, endsAt: now, updatedAt: now };
}

function apiOrder(a: Silence, b: Silence): number {
  const byState = STATE_ORDER[a.status.state] - STATE_ORDER[b.status.state];
  if (byState !== 0) {
    return byState;
  }
  switch (a.status.state) {
    case "active":
      return a.endsAt - b.endsAt;
    case "pending":
      return a.startsAt - b.startsAt;
    case "expired":
      return b.endsAt - a.endsAt;
  }
}
