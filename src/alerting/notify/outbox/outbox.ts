// The durable notification outbox: `enqueue` stores a message in the caller's SQLite transaction
// (so an incident change and the pages it causes commit together), and a worker delivers each
// stored message at least once through its channel — backoff with jitter, a circuit breaker and a
// rate limit per channel, a fallback channel when one stays down — recording a receipt from the
// receiver. Every send carries the message's idempotency key so receivers can drop the duplicates
// at-least-once implies (docs/delivery.md).
import type { Registry } from "prom-client";
import { systemClock, type Clock, type TimerHandle } from "../../../clock.js";
import type { Db } from "../../../store/db.js";
import {
  NotificationOutboxRepository,
  type AttemptRecord,
  type OutboxRecord,
  type ReceiptRecord,
} from "../../../store/notification-outbox.js";
import { backoffDelay } from "../backoff.js";
import type { Channel, Notification, SendResult } from "../channel.js";
import { CircuitBreaker, type BreakerState } from "./breaker.js";
import { DEFAULT_POLICY, type ChannelPolicy } from "./config.js";
import { errorText } from "./error-text.js";
import { OutboxErrors } from "./errors.js";
import { noMetrics, registerOutboxMetrics, type OutboxMetrics } from "./metrics.js";
import { TokenBucket } from "./rate-limit.js";

/** One message to enqueue: what to send, through which channel, for which incident. */
export type OutboxItem = {
  /** The configured channel name (Channel.name). */
  channel: string;
  /** Its `key` is the idempotency key: enqueuing a key that is already stored does nothing. */
  notification: Notification;
  /** Ties the message, its attempts and its receipt to an incident's timeline; default notification.incident.id. */
  incidentId?: string;
  /** Not before this time (ms since the epoch); default now. */
  notBefore?: number;
};

export type OutboxLogger = {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type OutboxOptions = {
  /** The state database; enqueue joins a transaction open on this same connection. */
  db: Db;
  /** The channels by name; replace them on a config reload with setChannels. */
  channels: Iterable<Channel>;
  /** Per channel name; a channel without one gets `defaultPolicy`. */
  policies?: Readonly<Record<string, Partial<ChannelPolicy>>>;
  defaultPolicy?: ChannelPolicy;
  /** Sends in flight at once, over all channels. Default 8. */
  concurrency?: number;
  /** One send is abandoned (and retried) after this long. Default 30 s. */
  sendTimeoutMs?: number;
  /** Backoff between attempts of one message: default 1 s growing to 5 min (see backoff.ts). */
  backoff?: { initialMs: number; maxMs: number };
  /** Finished rows (with their attempts and receipts) are deleted this long after they finished. Default 30 days. */
  retentionMs?: number;
  clock?: Clock;
  /** Uniform in [0, 1) for the jitter; tests pin it. */
  random?: () => number;
  logger?: OutboxLogger;
  registry?: Registry;
  /** Channels made on demand for names not configured (escalation's `person/<user>/<method>`). */
  resolveChannel?: (name: string) => Channel | undefined;
  /** Called in the transaction that stores a receipt (the incident timeline records it there). */
  onReceipt?: (receipt: ReceiptRecord) => void;
};

/** Everything the outbox knows about one message, for the incident timeline. */
export type DeliveryHistory = {
  key: string;
  channel: string;
  incidentId?: string;
  state: OutboxRecord["state"];
  attempts: AttemptRecord[];
  receipt?: ReceiptRecord;
  lastError?: string;
  nextAttemptAt?: number;
  createdAt: number;
  finishedAt?: number;
  /** The row this one carries on for (on a fallback channel). */
  fallbackOf?: string;
  /** The row that carries this one on (state fell_back). */
  fallbackKey?: string;
};

const MAX_KEY_LENGTH = 512;
/** A stored message larger than this is a bug upstream (payloads are truncated by max_alerts). */
const MAX_NOTIFICATION_BYTES = 1 << 20;
const PRUNE_EVERY_MS = 3600_000;

type ChannelRuntime = { breaker: CircuitBreaker; bucket?: TokenBucket };

export class Outbox {
  private readonly repo: NotificationOutboxRepository;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly sendTimeoutMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly retentionMs: number;
  private readonly metrics: OutboxMetrics;
  private channels = new Map<string, Channel>();
  private policies: Readonly<Record<string, Partial<ChannelPolicy>>>;
  private readonly runtime = new Map<string, ChannelRuntime>();
  /** Keys being sent now, with what aborts them. */
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private running = false;
  private kickPending = false;
  private wakeTimer: TimerHandle | undefined;
  private wakeAt: number | undefined;
  private lastPruneAt = -Infinity;

  constructor(private readonly options: OutboxOptions) {
    this.repo = new NotificationOutboxRepository(options.db);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.concurrency = positiveInt("concurrency", options.concurrency ?? 8);
    this.sendTimeoutMs = positiveInt("sendTimeoutMs", options.sendTimeoutMs ?? 30_000);
    this.backoff = options.backoff ?? { initialMs: 1000, maxMs: 300_000 };
    backoffDelay(1, this.backoff); // throws on a bad backoff now rather than at the first failure
    this.retentionMs = options.retentionMs ?? 30 * 24 * 3600_000;
    this.policies = options.policies ?? {};
    this.setChannels(options.channels, this.policies);
    this.metrics = options.registry
      ? registerOutboxMetrics(options.registry, {
          pending: () => this.repo.pendingStats(),
          breakers: () => this.breakerStates(),
          channels: () => [...this.channels.keys()],
          now: () => this.clock.now(),
        })
      : noMetrics;
  }

  /**
   * Replaces the channels and their policies (a config reload). Messages already stored keep their
   * channel name; one whose channel is gone fails (or falls back) when it comes due. Throws, changing
   * nothing, when a fallback names a channel that is not configured.
   */
  setChannels(
    channels: Iterable<Channel>,
    policies: Readonly<Record<string, Partial<ChannelPolicy>>> = {},
  ): void {
    const byName = new Map<string, Channel>();
    for (const c of channels) {
      if (byName.has(c.name)) {
        throw OutboxErrors.invalidConfig(`two channels are named "${c.name}": channel names must be unique`);
      }
      byName.set(c.name, c);
    }
    for (const [name, p] of Object.entries(policies)) {
      if (!byName.has(name)) {
        throw OutboxErrors.invalidConfig(`delivery policy for "${name}": no channel has that name`);
      }
      if (p.fallback !== undefined && !byName.has(p.fallback)) {
        throw OutboxErrors.invalidConfig(
          `channel "${name}": fallback "${p.fallback}" is not a configured channel`,
        );
      }
      if (p.fallback === name) {
        throw OutboxErrors.invalidConfig(`channel "${name}": a channel cannot be its own fallback`);
      }
    }
    const before = new Map([...this.runtime.keys()].map((name) => [name, JSON.stringify(this.policy(name))]));
    this.channels = byName;
    this.policies = policies;
    // Breakers and buckets start afresh for channels gone or with new settings; the rest keep theirs.
    for (const [name, was] of before) {
      if (!byName.has(name) || JSON.stringify(this.policy(name)) !== was) {
        this.runtime.delete(name);
      }
    }
    this.kick();
  }

  /**
   * Stores messages for delivery; returns how many were new (a key already stored is left alone,
   * whatever its state). Synchronous: call it inside `db.transaction(...)` on the same database as
   * the change that causes the messages, and they commit or roll back with it. The worker is woken
   * after the current synchronous work, so it never sees an uncommitted row.
   */
  enqueue(items: OutboxItem | readonly OutboxItem[]): number {
    const list = Array.isArray(items) ? (items as readonly OutboxItem[]) : [items as OutboxItem];
    const now = this.clock.now();
    const records = list.map((item, i) => {
      const key: unknown = item.notification?.key;
      if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
        throw OutboxErrors.invalidItem(
          `outbox item ${i}: notification.key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
        );
      }
      if (typeof item.channel !== "string" || item.channel.length === 0) {
        throw OutboxErrors.invalidItem(`outbox item ${i} (${key}): channel must be a channel name`);
      }
      const notBefore = item.notBefore ?? now;
      if (!Number.isFinite(notBefore)) {
        throw OutboxErrors.invalidItem(`outbox item ${i} (${key}): notBefore must be a time in ms`);
      }
      const incidentId = item.incidentId ?? item.notification.incident?.id;
      const notification = JSON.stringify(item.notification);
      if (Buffer.byteLength(notification) > MAX_NOTIFICATION_BYTES) {
        throw OutboxErrors.invalidItem(
          `outbox item ${i} (${key}): the notification is larger than ${MAX_NOTIFICATION_BYTES} bytes`,
        );
      }
      return {
        key,
        channel: item.channel,
        notification,
        nextAttemptAt: notBefore,
        createdAt: now,
        ...(incidentId !== undefined ? { incidentId } : {}),
      };
    });
    const added = this.repo.insert(records);
    if (added > 0) {
      this.kick();
    }
    return added;
  }

  /** Starts delivering: rows stored before (by this process or one that died) resume from their stored times. */
  start(): void {
    this.running = true;
    this.kick();
  }

  /**
   * Stops taking new rows and waits up to `graceMs` (on the clock) for the sends in flight; those
   * still running are then aborted and stay pending, to be sent again on the next start.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.running = false;
    this.clearWake();
    const pending = [...this.inFlight.values()];
    if (pending.length > 0) {
      let timer: TimerHandle | undefined;
      await Promise.race([
        Promise.all(pending.map((p) => p.done)),
        new Promise<void>((resolve) => {
          timer = this.clock.setTimer(resolve, graceMs);
        }),
      ]);
      this.clock.clearTimer(timer);
      for (const p of this.inFlight.values()) {
        p.abort.abort(new Error("outbox stopping"));
      }
      await Promise.all([...this.inFlight.values()].map((p) => p.done));
    }
  }

  /** Sends in flight now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** One message's delivery story: its row, every attempt and its receipt. */
  history(key: string): DeliveryHistory | undefined {
    const record = this.repo.get(key);
    return record && toHistory(record, this.repo.attempts(key), this.repo.receipt(key));
  }

  /** Every message of an incident (fallback rows included), oldest first. */
  historyForIncident(incidentId: string): DeliveryHistory[] {
    const { records, attempts, receipts } = this.repo.byIncident(incidentId);
    const receiptByKey = new Map(receipts.map((r) => [r.key, r]));
    return records.map((r) =>
      toHistory(
        r,
        attempts.filter((a) => a.key === r.key),
        receiptByKey.get(r.key),
      ),
    );
  }

  /** The breaker state of every configured channel at the clock's now. */
  breakerStates(): Map<string, BreakerState> {
    const now = this.clock.now();
    return new Map(
      [...this.channels.keys()].map((name) => [name, this.channelRuntime(name).breaker.state(now)]),
    );
  }

  /** Runs the worker once now (after the current synchronous work). */
  private kick(): void {
    if (!this.running || this.kickPending) {
      return;
    }
    this.kickPending = true;
    // setImmediate, not a clock timer: this is "after the caller's transaction", not a wait.
    setImmediate(() => {
      this.kickPending = false;
      this.tick();
    });
  }

  /** Starts every send that may start now, then sets the timer for the next moment one may. */
  private tick(): void {
    if (!this.running) {
      return;
    }
    try {
      const now = this.clock.now();
      this.prune(now);
      const blocked = new Map<string, number>(); // channel -> when it may send again
      for (let round = 0; round < 1000; round++) {
        const free = this.concurrency - this.inFlight.size;
        if (free <= 0) {
          break;
        }
        const rows = this.repo.due(now, free, this.inFlight.keys(), blocked.keys());
        if (rows.length === 0) {
          break;
        }
        for (const row of rows) {
          if (!blocked.has(row.channel)) {
            this.consider(row, now, blocked);
          }
        }
      }
      this.scheduleWake(now, blocked);
    } catch (err) {
      // The database failing (disk full, locked past busy_timeout) must not end delivery for good.
      this.options.logger?.error({ err: errorText(String(err)) }, "notification outbox: worker pass failed");
      this.setWake(this.clock.now() + 1000);
    }
  }

  /** Sends, falls back, fails or blocks one due row. */
  private consider(row: OutboxRecord, now: number, blocked: Map<string, number>): void {
    const channel = this.channels.get(row.channel) ?? this.options.resolveChannel?.(row.channel);
    if (!channel) {
      this.giveUp(row, `channel "${row.channel}" is not configured`, now);
      return;
    }
    const notification = parseNotification(row.notification);
    if (!notification) {
      this.giveUp(row, "the stored notification cannot be read", now);
      return;
    }
    const rt = this.channelRuntime(row.channel);
    if (!rt.breaker.tryAcquire(now)) {
      if (rt.breaker.state(now) === "open" && this.fallbackFor(row) !== undefined) {
        this.giveUp(row, `circuit open on "${row.channel}"`, now);
        return;
      }
      // Open without a fallback: wait for the probe. Half-open with the probe out: wait for it.
      blocked.set(row.channel, rt.breaker.probeInFlight ? Infinity : (rt.breaker.retryAt() ?? now));
      return;
    }
    if (rt.bucket && !rt.bucket.tryTake(now)) {
      rt.breaker.release();
      blocked.set(row.channel, rt.bucket.availableAt(now));
      return;
    }
    const attempt = row.attempts + 1;
    // Should this process die mid-send, the row comes due again after one backoff, not at once.
    if (!this.repo.claim(row.key, now, now + this.delay(attempt))) {
      rt.breaker.release();
      return;
    }
    this.send(channel, { ...row, attempts: attempt }, notification, rt, now);
  }

  private send(
    channel: Channel,
    row: OutboxRecord,
    notification: Notification,
    rt: ChannelRuntime,
    startedAt: number,
  ): void {
    const abort = new AbortController();
    const timer = this.clock.setTimer(
      () => abort.abort(new Error(`send timed out after ${this.sendTimeoutMs} ms`)),
      this.sendTimeoutMs,
    );
    const aborted = new Promise<SendResult>((resolve) => {
      abort.signal.addEventListener(
        "abort",
        () => resolve({ ok: false, retriable: true, error: reasonText(abort.signal.reason) }),
        { once: true },
      );
    });
    // A channel that ignores the signal cannot hold its slot: the abort settles the race.
    const result = Promise.race([
      channel.send(notification, abort.signal).catch((err: unknown): SendResult => ({
        ok: false,
        retriable: true,
        error: `channel threw: ${reasonText(err)}`,
      })),
      aborted,
    ]);
    const done = result
      .then((r) => this.finish(row, r, rt, startedAt, !this.running && abort.signal.aborted))
      .catch((err: unknown) => {
        this.options.logger?.error(
          { key: row.key, channel: row.channel, err: errorText(reasonText(err)) },
          "notification outbox: recording a send failed",
        );
      })
      .finally(() => {
        this.clock.clearTimer(timer);
        this.inFlight.delete(row.key);
        this.kick();
      });
    this.inFlight.set(row.key, { abort, done });
  }

  /** Records what one send came to, in one transaction per outcome. */
  private finish(
    row: OutboxRecord,
    result: SendResult,
    rt: ChannelRuntime,
    startedAt: number,
    shutdown: boolean,
  ): void {
    const now = this.clock.now();
    const base = {
      key: row.key,
      attempt: row.attempts,
      channel: row.channel,
      startedAt,
      finishedAt: now,
      ...(row.incidentId !== undefined ? { incidentId: row.incidentId } : {}),
    };
    if (result.ok) {
      rt.breaker.success();
      const receipt: ReceiptRecord = {
        key: row.key,
        channel: row.channel,
        type: result.receipt.type,
        detail: errorText(result.receipt.detail),
        at: result.receipt.at,
        ...(row.incidentId !== undefined ? { incidentId: row.incidentId } : {}),
      };
      this.options.db.transaction(() => {
        this.repo.delivered({ ...base, outcome: "delivered" }, receipt);
        this.options.onReceipt?.(receipt);
      })();
      this.metrics.sent(row.channel);
      return;
    }
    const error = errorText(result.error);
    const attempt: AttemptRecord = {
      ...base,
      outcome: "retry",
      error,
      ...(result.status !== undefined ? { status: result.status } : {}),
    };
    if (shutdown) {
      // Cut short by our own stop: says nothing about the channel; the claim's retry time stands.
      rt.breaker.release();
      this.repo.retryLater(attempt, row.nextAttemptAt);
      return;
    }
    if (!result.retriable) {
      // The message's own fault (a 4xx, a bad address): the channel is fine, retrying cannot help.
      rt.breaker.release();
      this.giveUp(row, error, now, { ...attempt, outcome: "failed" });
      return;
    }
    rt.breaker.failure(now);
    const policy = this.policy(row.channel);
    const breakerOpen = rt.breaker.state(now) === "open";
    if (row.attempts >= policy.maxAttempts || (breakerOpen && this.fallbackFor(row) !== undefined)) {
      const why =
        row.attempts >= policy.maxAttempts ? `gave up after ${row.attempts} attempts` : "circuit open";
      this.giveUp(row, `${why}: ${error}`, now, { ...attempt, outcome: "failed" });
      return;
    }
    this.metrics.retried(row.channel);
    if (error !== row.lastError) {
      this.options.logger?.warn(
        { key: row.key, channel: row.channel, attempts: row.attempts, err: error },
        "notification send failed, will retry",
      );
    }
    this.repo.retryLater(attempt, now + this.delay(row.attempts));
  }

  /** Ends a row: onto the fallback channel when there is one not yet tried, else failed. */
  private giveUp(row: OutboxRecord, error: string, now: number, attempt?: AttemptRecord): void {
    const fallback = this.fallbackFor(row);
    if (fallback !== undefined) {
      const notification = parseNotification(row.notification);
      if (notification) {
        const key = `${row.key}>${fallback}`;
        const moved = this.repo.fallBack(
          row.key,
          {
            key,
            channel: fallback,
            notification: JSON.stringify({ ...notification, key }),
            nextAttemptAt: now,
            createdAt: now,
            fallbackOf: row.key,
            ...(row.incidentId !== undefined ? { incidentId: row.incidentId } : {}),
          },
          errorText(error),
          now,
          attempt,
        );
        if (moved) {
          this.metrics.fellBack(row.channel);
          this.options.logger?.warn(
            { key: row.key, channel: row.channel, fallback, fallbackKey: key, err: errorText(error) },
            "notification handed to the fallback channel",
          );
        }
        return;
      }
    }
    this.repo.failed(row.key, errorText(error), now, attempt);
    this.metrics.failed(row.channel);
    this.options.logger?.error(
      { key: row.key, channel: row.channel, err: errorText(error) },
      "notification could not be delivered and has no fallback",
    );
  }

  /**
   * The fallback channel for a row: its channel's, unless that channel already had this message
   * earlier in the chain (A -> B -> A would go round for ever).
   */
  private fallbackFor(row: OutboxRecord): string | undefined {
    const fallback = this.policy(row.channel).fallback;
    if (fallback === undefined || !this.channels.has(fallback)) {
      return undefined;
    }
    const seen = new Set([row.channel]);
    let of = row.fallbackOf;
    for (let i = 0; of !== undefined && i < 100; i++) {
      const prev = this.repo.get(of);
      if (!prev) {
        break;
      }
      seen.add(prev.channel);
      of = prev.fallbackOf;
    }
    return seen.has(fallback) ? undefined : fallback;
  }

  private policy(channel: string): ChannelPolicy {
    return { ...(this.options.defaultPolicy ?? DEFAULT_POLICY), ...this.policies[channel] };
  }

  private channelRuntime(channel: string): ChannelRuntime {
    let rt = this.runtime.get(channel);
    if (!rt) {
      const policy = this.policy(channel);
      rt = {
        breaker: new CircuitBreaker(policy.breaker),
        ...(policy.rateLimit ? { bucket: new TokenBucket(policy.rateLimit, this.clock.now()) } : {}),
      };
      this.runtime.set(channel, rt);
    }
    return rt;
  }

  private delay(attempt: number): number {
    return Math.round(backoffDelay(attempt, { ...this.backoff, random: this.random }));
  }

  /** The next time anything may become sendable: a stored due time, a token, a breaker's probe. */
  private scheduleWake(now: number, blocked: Map<string, number>): void {
    if (this.inFlight.size >= this.concurrency) {
      this.clearWake(); // a finishing send kicks the worker
      return;
    }
    let at = this.repo.nextDueAt(this.inFlight.keys(), blocked.keys()) ?? Infinity;
    for (const until of blocked.values()) {
      at = Math.min(at, until);
    }
    if (at === Infinity) {
      this.clearWake();
      return;
    }
    this.setWake(Math.max(at, now));
  }

  private setWake(at: number): void {
    if (this.wakeAt === at && this.wakeTimer !== undefined) {
      return;
    }
    this.clearWake();
    this.wakeAt = at;
    this.wakeTimer = this.clock.setTimer(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = undefined;
        this.tick();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private clearWake(): void {
    if (this.wakeTimer !== undefined) {
      this.clock.clearTimer(this.wakeTimer);
    }
    this.wakeTimer = undefined;
    this.wakeAt = undefined;
  }

  private prune(now: number): void {
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) {
      return;
    }
    this.lastPruneAt = now;
    this.repo.deleteFinishedBefore(now - this.retentionMs);
  }
}

function toHistory(
  r: OutboxRecord,
  attempts: AttemptRecord[],
  receipt: ReceiptRecord | undefined,
): DeliveryHistory {
  const out: DeliveryHistory = {
    key: r.key,
    channel: r.channel,
    state: r.state,
    attempts,
    createdAt: r.createdAt,
  };
  if (r.incidentId !== undefined) {
    out.incidentId = r.incidentId;
  }
  if (receipt) {
    out.receipt = receipt;
  }
  if (r.lastError !== undefined) {
    out.lastError = r.lastError;
  }
  if (r.state === "pending") {
    out.nextAttemptAt = r.nextAttemptAt;
  }
  if (r.finishedAt !== undefined) {
    out.finishedAt = r.finishedAt;
  }
  if (r.fallbackOf !== undefined) {
    out.fallbackOf = r.fallbackOf;
  }
  if (r.fallbackKey !== undefined) {
    out.fallbackKey = r.fallbackKey;
  }
  return out;
}

function parseNotification(json: string): Notification | undefined {
  try {
    const v = JSON.parse(json) as Notification;
    return typeof v === "object" && v !== null && typeof v.key === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) {
    throw OutboxErrors.invalidConfig(`outbox: ${name} must be a whole number from 1, got ${String(v)}`);
  }
  return v;
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
