// The escalation runner: the incident manager's notification sink. A triggered incident starts its
// policy's chain at level 1; each level pages its targets (people through the channel matching their
// contact methods, receivers through their channels) and waits its timeout for an acknowledgement
// before the next; after the last level the chain starts over `repeat` more times. Acknowledging or
// resolving stops it (and tells the channels already paged); an acknowledgement holds `ack_timeout`,
// then the incident is triggered again and the chain restarts.
//
// Crash safety: a step's outbox rows, its timeline entry and the chain's new position are written in
// one transaction, and the next step's due time is stored, not held in a timer: after a restart the
// timer is recomputed from the stored time and an overdue step fires at once. Keys name the incident,
// trigger cycle, repeat, level and channel, so a step retried after a crash finds its rows already
// stored (the outbox ignores a known key): nothing is sent twice, nothing is skipped.
import { systemClock, type Clock, type TimerHandle } from "../../clock.js";
import type { Db } from "../../store/db.js";
import { EscalationStateRepository, type EscalationRow } from "../../store/escalation.js";
import type { Notification } from "../notify/channel.js";
import type { OutboxItem } from "../notify/outbox/outbox.js";
import type { NotifyTarget, Person } from "../oncall/directory.js";
import { selectPolicy, type Policy, type PolicyLevel } from "./policy.js";

/** What the runner writes to and asks of the incident manager. */
export type EscalationIncidents = {
  recordEscalation(id: number, message: string, data?: unknown): void;
  /** Used for the acknowledgement timeout: acknowledged until then, triggered again after. */
  snooze(id: number, until: number, actor: string): unknown;
  get(id: number): { status: string; snoozedUntil?: number };
};

export type EscalationRunnerOptions = {
  db: Db;
  outbox: { enqueue(items: readonly OutboxItem[]): number };
  /** Users, schedules (who is on call at the step's time) and teams to people. */
  people: { resolve(targets: NotifyTarget[], at: number): Person[] };
  /** The stored policies, read at each trigger. */
  policies: () => readonly Policy[];
  /** The channels of a configured receiver (channelsOfReceiver). */
  receiverChannels: (receiver: string) => string[];
  /** The channels that reach a person through their contact methods (PersonChannels.namesFor). */
  personChannels: (person: Person) => string[];
  /** An acknowledgement's validity when the policy gives none; undefined: it holds until resolved. */
  defaultAckTimeoutMs?: number;
  clock?: Clock;
  logger?: { warn(o: object, m?: string): void; error(o: object, m?: string): void };
};

const ACTOR = "lineops (acknowledgement timeout)";
const MAX_TIMER_MS = 2 ** 31 - 1;

export class EscalationRunner {
  private readonly repo: EscalationStateRepository;
  private readonly clock: Clock;
  private incidents: EscalationIncidents | undefined;
  private timer: TimerHandle | undefined;
  private running = false;
  private kickPending = false;
  /** Incidents acknowledged in a transaction that may still be open: their timeout is armed after it. */
  private toArm = new Set<number>();

  constructor(private readonly o: EscalationRunnerOptions) {
    this.repo = new EscalationStateRepository(o.db);
    this.clock = o.clock ?? systemClock;
  }

  /** The manager is built with this runner as its sink, so it is handed over after. */
  attach(incidents: EscalationIncidents): void {
    this.incidents = incidents;
  }

  /** Fires overdue steps, hands unarmed acknowledgement timeouts to the incidents, sets the timer. */
  start(): void {
    this.running = true;
    for (const r of this.repo.unarmedAckTimeouts()) {
      this.toArm.add(r.incidentId);
    }
    this.kick();
  }

  stop(): void {
    this.running = false;
    this.clearTimer();
  }

  /**
   * The NotificationSink: called inside the incident manager's transaction with the notifications of
   * one change. Everything written here commits or rolls back with that change.
   */
  enqueue(items: Notification[]): void {
    const now = this.clock.now();
    for (const n of items) {
      const id = Number(n.incident?.id);
      if (!Number.isSafeInteger(id)) {
        continue;
      }
      if (n.event === "trigger") {
        this.startChain(id, n, now);
      } else if (n.event === "acknowledge" || n.event === "resolve") {
        this.stopChain(id, n, now);
      }
    }
    this.kick();
  }

  /** The chain of an incident as stored (for the API and tests). */
  state(incidentId: number): EscalationRow | undefined {
    return this.repo.get(incidentId);
  }

  private timeline(): EscalationIncidents {
    if (this.incidents === undefined) {
      throw new Error("escalation runner: attach(incidents) was not called");
    }
    return this.incidents;
  }

  private startChain(id: number, n: Notification, now: number): void {
    const prev = this.repo.get(id);
    const policy = selectPolicy(this.o.policies(), factsOf(n));
    if (policy === undefined) {
      this.timeline().recordEscalation(id, "no escalation policy matches this incident: nobody is paged");
      return;
    }
    const ackTimeoutMs = policy.ack_timeout ?? this.o.defaultAckTimeoutMs;
    const row: EscalationRow = {
      incidentId: id,
      policy: policy.name,
      levels: policy.levels,
      repeatLimit: policy.repeat,
      ...(ackTimeoutMs !== undefined ? { ackTimeoutMs } : {}),
      state: "active",
      cycle: (prev?.cycle ?? 0) + 1,
      level: 0,
      repeat: 0,
      nextAt: now,
      ackTimeoutArmed: false,
      notification: JSON.stringify(n),
      notified: [],
      updatedAt: now,
    };
    this.timeline().recordEscalation(
      id,
      `escalation policy ${policy.name} started${row.cycle > 1 ? ` again (trigger ${row.cycle})` : ""}`,
      { policy: policy.name, cycle: row.cycle },
    );
    this.fireDue(row, now);
  }

  private stopChain(id: number, n: Notification, now: number): void {
    const row = this.repo.get(id);
    if (row === undefined) {
      return;
    }
    const acknowledged = n.event === "acknowledge";
    const wasRunning = row.state === "active";
    const next: EscalationRow = {
      ...row,
      state: acknowledged ? "acknowledged" : "resolved",
      ackTimeoutArmed: false,
      updatedAt: now,
    };
    delete next.nextAt;
    delete next.ackTimeoutAt;
    if (acknowledged && row.ackTimeoutMs !== undefined) {
      next.ackTimeoutAt = now + row.ackTimeoutMs;
      this.toArm.add(id);
    }
    this.repo.save(next);
    // The channels already paged hear of it too: PagerDuty acknowledges/resolves, boards change colour.
    this.o.outbox.enqueue(
      row.notified.map((channel) => ({
        channel,
        notification: { ...n, key: `${n.key}/${channel}` },
        incidentId: String(id),
      })),
    );
    if (wasRunning || row.notified.length > 0) {
      this.timeline().recordEscalation(
        id,
        `escalation stopped: ${acknowledged ? "acknowledged" : "resolved"}${
          next.ackTimeoutAt !== undefined
            ? `; the acknowledgement holds until ${new Date(next.ackTimeoutAt).toISOString()}`
            : ""
        }${row.notified.length > 0 ? `; told ${row.notified.join(", ")}` : ""}`,
        {
          state: next.state,
          ...(next.ackTimeoutAt !== undefined ? { ackTimeoutAt: next.ackTimeoutAt } : {}),
        },
      );
    }
  }

  /** Takes every step of one chain due at `now` (a level with nobody to page moves on at once). */
  private fireDue(start: EscalationRow, now: number): void {
    let row = start;
    for (
      let i = 0;
      i < 1000 && row.state === "active" && row.nextAt !== undefined && row.nextAt <= now;
      i++
    ) {
      row = this.fire(row);
    }
    this.repo.save(row);
  }

  /** One level's pages and the chain's next position; the caller saves the row. */
  private fire(row: EscalationRow): EscalationRow {
    const levels = row.levels as PolicyLevel[];
    const level = levels[row.level];
    const at = row.nextAt ?? this.clock.now();
    if (level === undefined) {
      const done = { ...row, state: "exhausted" as const, updatedAt: at };
      delete done.nextAt;
      return done;
    }
    const template = JSON.parse(row.notification) as Notification;
    const { channels, people, unreachable } = this.channelsOf(level, at);
    const prefix = `escalation/${row.incidentId}/${row.cycle}/${row.repeat}/${row.level + 1}`;
    this.o.outbox.enqueue(
      channels.map((channel) => ({
        channel,
        notification: { ...template, event: "trigger" as const, key: `${prefix}/${channel}` },
        incidentId: String(row.incidentId),
      })),
    );
    const where = `level ${row.level + 1} of ${levels.length}${
      row.repeat > 0 ? ` (repeat ${row.repeat} of ${row.repeatLimit})` : ""
    }`;
    this.timeline().recordEscalation(
      row.incidentId,
      channels.length > 0
        ? `${where}: paged ${channels.join(", ")}${unreachable.length > 0 ? `; no contact method for ${unreachable.join(", ")}` : ""}`
        : `${where}: nobody to page${unreachable.length > 0 ? ` (no contact method for ${unreachable.join(", ")})` : ""}, moving on`,
      { cycle: row.cycle, level: row.level + 1, repeat: row.repeat, channels, people },
    );
    // Nobody paged: waiting the timeout would only delay the next level (as OnCall skips an empty step).
    const nextAt = channels.length > 0 ? at + level.timeout : at;
    const notified = [...new Set([...row.notified, ...channels])];
    let next: EscalationRow = { ...row, level: row.level + 1, nextAt, notified, updatedAt: at };
    if (next.level >= levels.length) {
      if (row.repeat < row.repeatLimit) {
        next = { ...next, level: 0, repeat: row.repeat + 1 };
      } else {
        next = { ...next, state: "exhausted" };
        delete next.nextAt;
      }
    }
    return next;
  }

  private channelsOf(
    level: PolicyLevel,
    at: number,
  ): { channels: string[]; people: string[]; unreachable: string[] } {
    const channels: string[] = [];
    const people: string[] = [];
    const unreachable: string[] = [];
    for (const t of level.targets) {
      if (t.kind === "receiver") {
        channels.push(...this.o.receiverChannels(t.name));
        continue;
      }
      for (const p of this.o.people.resolve([{ kind: t.kind, name: t.name }], at)) {
        const mine = this.o.personChannels(p);
        people.push(p.name);
        if (mine.length === 0) {
          unreachable.push(p.name);
        }
        channels.push(...mine);
      }
    }
    return { channels: [...new Set(channels)], people: [...new Set(people)], unreachable };
  }

  /** After the current synchronous work (the caller's transaction): arm timeouts, fire due steps, set the timer. */
  private kick(): void {
    if (!this.running || this.kickPending) {
      return;
    }
    this.kickPending = true;
    setImmediate(() => {
      this.kickPending = false;
      this.tick();
    });
  }

  private tick(): void {
    if (!this.running) {
      return;
    }
    try {
      this.armAckTimeouts();
      const now = this.clock.now();
      for (const row of this.repo.due(now)) {
        this.repo.transaction(() => {
          // Read again inside the transaction: an acknowledgement may have landed since.
          const fresh = this.repo.get(row.incidentId);
          if (fresh?.state === "active" && fresh.nextAt !== undefined && fresh.nextAt <= now) {
            this.fireDue(fresh, now);
          }
        });
      }
      this.schedule();
    } catch (err) {
      this.o.logger?.error({ err: String(err) }, "escalation: a step failed; retrying in 1 s");
      this.setTimer(1000);
    }
  }

  /** An acknowledgement with a timeout becomes a snooze of the incident until then (persisted by it). */
  private armAckTimeouts(): void {
    const ids = [...this.toArm];
    this.toArm.clear();
    for (const id of ids) {
      const row = this.repo.get(id);
      if (row?.state !== "acknowledged" || row.ackTimeoutAt === undefined || row.ackTimeoutArmed) {
        continue;
      }
      try {
        const incident = this.timeline().get(id);
        if (incident.status === "acknowledged" && incident.snoozedUntil === undefined) {
          this.timeline().snooze(id, Math.max(row.ackTimeoutAt, this.clock.now() + 1000), ACTOR);
        }
        const armed = this.repo.get(id);
        if (armed?.state === "acknowledged" && armed.ackTimeoutAt === row.ackTimeoutAt) {
          this.repo.save({ ...armed, ackTimeoutArmed: true });
        }
      } catch (err) {
        this.o.logger?.warn(
          { err: String(err), incident: id },
          "escalation: arming the acknowledgement timeout failed",
        );
      }
    }
  }

  private schedule(): void {
    const at = this.repo.nextDueAt();
    if (at === undefined) {
      this.clearTimer();
      return;
    }
    this.setTimer(Math.min(Math.max(0, at - this.clock.now()), MAX_TIMER_MS));
  }

  private setTimer(ms: number): void {
    this.clearTimer();
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.tick();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
  }
}

/** Priority and labels to pick a policy by: the root cause's alert, else the labels all alerts share. */
function factsOf(n: Notification): {
  priority: NonNullable<Notification["incident"]>["priority"];
  labels: Record<string, string>;
} {
  const root = n.incident?.rootCause?.service;
  const rootAlert =
    root === undefined
      ? undefined
      : n.payload.alerts.find((a) => a.labels.service === root || a.labels.job === root);
  return {
    priority: n.incident?.priority ?? "medium",
    labels: { ...n.payload.commonLabels, ...(rootAlert?.labels ?? {}) },
  };
}
