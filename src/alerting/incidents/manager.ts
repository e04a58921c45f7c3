// The incident manager: alerts (as the dispatcher sees them, after silences and inhibition) become
// incidents — deduplicated by fingerprint, correlated by topology and group_by — which people
// acknowledge, snooze, reassign, annotate and resolve. Every state change, its timeline entries and
// the notifications it causes are written in one SQLite transaction, so a crash never leaves a
// change without its record or its page; open incidents are read back at start.
import type { Clock, TimerHandle } from "../../clock.js";
import { systemClock } from "../../clock.js";
import type { EventBus } from "../../events/bus.js";
import type { Labels } from "../../model/labels.js";
import {
  IncidentRepository,
  type IncidentAlertRecord,
  type IncidentRecord,
  type IncidentStatus,
  type TimelineEntry,
} from "../../store/incidents.js";
import type { Db } from "../../store/db.js";
import type { Notification, NotificationEvent, Receipt } from "../notify/channel.js";
import { webhookPayload } from "../notify/payload.js";
import { AckLinks, type LinkAction } from "./ack-links.js";
import { belongs, groupKeyOf, priorityOf, rootCauseOf, severityOf, titleOf } from "./correlate.js";
import { IncidentErrors } from "./errors.js";
import { TopologyIndex, type Topology } from "./topology.js";

/** An alert as the alerting engine hands it over. */
export type ObservedAlert = {
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  status: "firing" | "resolved";
  generatorURL?: string;
};

/**
 * Where an incident's notifications go: the durable outbox (src/alerting/notify/outbox/). enqueue is
 * called inside the manager's transaction, so it must write to the same database synchronously.
 */
export interface NotificationSink {
  enqueue(items: Notification[]): void;
}

export type IncidentsConfig = {
  /** Labels that group alerts no topology relates (Alertmanager's group_by; "..." = all in one). */
  groupBy: string[];
  /** An alert joins an open incident only if that incident took an alert within this long before it. */
  correlationWindowMs: number;
  /** An alert starting within this long after a deployment of its service or a dependency is linked to it. */
  deploymentWindowMs: number;
  /** Request the rollback of such a deployment: never, for every service, or for these services. */
  rollback: boolean | readonly string[];
  /** How long a one-click link in a notification works. */
  ackLinkTtlMs: number;
};

export const DEFAULT_INCIDENTS_CONFIG: IncidentsConfig = {
  groupBy: ["alertname"],
  correlationWindowMs: 30 * 60_000,
  deploymentWindowMs: 10 * 60_000,
  rollback: false,
  ackLinkTtlMs: 24 * 3_600_000,
};

export type IncidentManagerOptions = {
  db: Db;
  clock?: Clock;
  logger: {
    info(o: object, m?: string): void;
    warn(o: object, m?: string): void;
    error(o: object, m?: string): void;
  };
  config?: Partial<IncidentsConfig>;
  /** The line's services, dependencies, stations and devices, read at each correlation. */
  topology?: () => Topology;
  /** Publishes incident changes and rollback requests; deployment.started is read from it. */
  bus?: EventBus;
  sink?: NotificationSink;
  /** The link secret (ack-links.ts loadLinkSecret). */
  linkSecret: Buffer;
  /** lineops's API address, for links in notifications. */
  externalURL: () => string;
};

export type IncidentAlertView = IncidentAlertRecord & {
  status: "firing" | "resolved";
  /** root: the probable root cause; child: a symptom correlated to it; member: no root cause named. */
  role: "root" | "child" | "member";
};

export type IncidentSummary = IncidentRecord & { alertCount: number; firingCount: number };
export type IncidentDetail = IncidentSummary & { alerts: IncidentAlertView[]; timeline: TimelineEntry[] };

/** Who did it, for the timeline: the acting principal or lineops itself. */
export type Actor = string;
const LINEOPS: Actor = "lineops";

type Open = {
  record: IncidentRecord;
  members: Map<string, IncidentAlertRecord>;
  lastJoinAt: number;
  deployments: Set<string>;
};

type RecentDeployment = { id: string; service: string; at: number };

const MAX_RECENT_DEPLOYMENTS = 200;
/** Alerts of a manually resolved incident still firing are kept out of new incidents this long at most. */
const CLOSED_MEMORY_MS = 7 * 86_400_000;
const NOTE_MAX = 4000;
const ASSIGNEE_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._@+-]{0,99}$/u;

export class IncidentManager {
  readonly config: IncidentsConfig;
  private readonly repo: IncidentRepository;
  private readonly clock: Clock;
  private readonly links: AckLinks;
  private open = new Map<number, Open>();
  private byFingerprint = new Map<string, number>();
  /** Alerts still firing on incidents someone resolved by hand: they do not open a new one until they resolve. */
  private closed = new Map<string, number>();
  private readonly recent: RecentDeployment[] = [];
  private readonly rollbacksRequested = new Set<string>();
  private snoozeTimer: TimerHandle | undefined;
  private offs: (() => void)[] = [];
  /** Bus events to publish once the transaction that caused them committed. */
  private pending: Parameters<EventBus["emit"]>[] = [];

  constructor(private readonly o: IncidentManagerOptions) {
    this.config = { ...DEFAULT_INCIDENTS_CONFIG, ...o.config };
    this.repo = new IncidentRepository(o.db);
    this.clock = o.clock ?? systemClock;
    this.links = new AckLinks(o.linkSecret);
    this.load();
  }

  /** Reads open incidents back from the store (at start, and after a failed transaction). */
  private load(): void {
    this.open = new Map();
    this.byFingerprint = new Map();
    for (const record of this.repo.open()) {
      const members = new Map(this.repo.alerts(record.id).map((a) => [a.fingerprint, a]));
      this.open.set(record.id, {
        record,
        members,
        lastJoinAt: Math.max(record.createdAt, ...[...members.values()].map((m) => m.joinedAt)),
        deployments: new Set(),
      });
      for (const fp of members.keys()) {
        this.byFingerprint.set(fp, record.id);
      }
    }
    this.closed = new Map(
      this.repo
        .firingOnResolved(this.clock.now() - CLOSED_MEMORY_MS)
        .map((r) => [r.fingerprint, r.incidentId]),
    );
  }

  /** Subscribes to deployments and starts the snooze timer (expired snoozes end at once). */
  start(): void {
    if (this.o.bus !== undefined && this.offs.length === 0) {
      this.offs.push(
        this.o.bus.on("deployment.started", (e) => {
          this.recent.push({ id: e.id, service: e.service, at: e.at });
          if (this.recent.length > MAX_RECENT_DEPLOYMENTS) {
            this.recent.shift();
          }
        }),
      );
    }
    this.scheduleSnoozes();
  }

  stop(): void {
    this.offs.forEach((off) => off());
    this.offs = [];
    if (this.snoozeTimer !== undefined) {
      this.clock.clearTimer(this.snoozeTimer);
      this.snoozeTimer = undefined;
    }
  }

  /** Records a deployment start directly (tests, and callers without a bus). */
  deploymentStarted(e: RecentDeployment): void {
    this.recent.push(e);
  }

  // ---- alerts in ----

  /** Takes firing and resolved alerts; never throws (a failure is logged and the state re-read). */
  observe(alerts: readonly ObservedAlert[]): void {
    if (alerts.length === 0) {
      return;
    }
    this.mutate(() => {
      const topology = new TopologyIndex(this.o.topology?.() ?? { services: [] });
      for (const a of alerts) {
        if (a.status === "firing") {
          this.firing(a, topology);
        } else {
          this.resolvedAlert(a);
        }
      }
    }, "observing alerts");
  }

  private firing(a: ObservedAlert, topology: TopologyIndex): void {
    const now = this.clock.now();
    if (this.closed.has(a.fingerprint)) {
      return;
    }
    const id = this.byFingerprint.get(a.fingerprint);
    if (id !== undefined) {
      const inc = this.open.get(id) as Open;
      const m = inc.members.get(a.fingerprint) as IncidentAlertRecord;
      if (m.endsAt !== undefined) {
        const back = { ...m, endsAt: undefined, startsAt: a.startsAt };
        delete back.endsAt;
        inc.members.set(a.fingerprint, back);
        this.repo.putAlert(back);
        this.timeline(id, now, "alert.refired", `${describe(a.labels)} fires again`, undefined, {
          fingerprint: a.fingerprint,
        });
        this.touch(inc, now, "alert.refired");
      }
      return; // deduplicated by fingerprint
    }
    const candidates = [...this.open.values()].filter(
      (inc) =>
        inc.lastJoinAt >= a.startsAt - this.config.correlationWindowMs &&
        belongs(a, [...inc.members.values()], inc.record.groupKey, this.config.groupBy, topology) !==
          undefined,
    );
    let target: Open;
    if (candidates.length === 0) {
      target = this.create(a, now);
    } else {
      target = candidates[0] as Open;
      for (const other of candidates.slice(1)) {
        this.merge(other, target, now);
      }
      const how = belongs(
        a,
        [...target.members.values()],
        target.record.groupKey,
        this.config.groupBy,
        topology,
      );
      this.join(target, a, now, how === "topology" ? "related by topology" : "same group");
    }
    this.recompute(target, topology, now);
    this.linkDeployments(target, a, topology, now);
  }

  private create(a: ObservedAlert, now: number): Open {
    const record: Omit<IncidentRecord, "id"> = {
      title: describe(a.labels),
      status: "triggered",
      severity: a.labels.severity ?? "none",
      priority: "low",
      groupKey: groupKeyOf(a.labels, this.config.groupBy),
      createdAt: now,
      updatedAt: now,
    };
    const id = this.repo.insert(record);
    const inc: Open = {
      record: { ...record, id },
      members: new Map(),
      lastJoinAt: now,
      deployments: new Set(),
    };
    this.open.set(id, inc);
    this.timeline(id, now, "triggered", `incident opened by ${describe(a.labels)}`, LINEOPS);
    this.join(inc, a, now, undefined);
    this.notifyLater(inc, "trigger");
    this.pendingChange(inc, "triggered", LINEOPS, now);
    return inc;
  }

  private join(inc: Open, a: ObservedAlert, now: number, why: string | undefined): void {
    const member: IncidentAlertRecord = {
      incidentId: inc.record.id,
      fingerprint: a.fingerprint,
      labels: { ...a.labels },
      annotations: { ...a.annotations },
      startsAt: a.startsAt,
      joinedAt: now,
    };
    inc.members.set(a.fingerprint, member);
    inc.lastJoinAt = now;
    this.byFingerprint.set(a.fingerprint, inc.record.id);
    this.repo.putAlert(member);
    this.timeline(
      inc.record.id,
      now,
      "alert.joined",
      `${describe(a.labels)} joined${why === undefined ? "" : ` (${why})`}`,
      undefined,
      { fingerprint: a.fingerprint, labels: a.labels, startsAt: a.startsAt },
    );
    if (why !== undefined) {
      this.pendingChange(inc, "alert.joined", LINEOPS, now);
    }
  }

  /** Moves `from`'s alerts into `into` and closes `from` as merged: a late upstream alert tied them together. */
  private merge(from: Open, into: Open, now: number): void {
    this.repo.moveAlerts(from.record.id, into.record.id);
    for (const [fp, m] of from.members) {
      if (!into.members.has(fp)) {
        into.members.set(fp, { ...m, incidentId: into.record.id });
      }
      this.byFingerprint.set(fp, into.record.id);
    }
    from.members.clear();
    this.timeline(
      into.record.id,
      now,
      "merged",
      `incident ${from.record.id} merged in (a common cause tied them)`,
      LINEOPS,
      {
        incidentId: from.record.id,
      },
    );
    this.timeline(from.record.id, now, "merged", `merged into incident ${into.record.id}`, LINEOPS, {
      incidentId: into.record.id,
    });
    from.record = {
      ...from.record,
      status: "resolved",
      resolvedAt: now,
      resolvedBy: `lineops (merged into ${into.record.id})`,
      updatedAt: now,
    };
    delete from.record.snoozedUntil;
    this.repo.update(from.record);
    this.open.delete(from.record.id);
    this.pendingChange(from, "merged", LINEOPS, now);
  }

  /** Root cause, title, severity and priority from the members now. */
  private recompute(inc: Open, topology: TopologyIndex, now: number): void {
    const members = [...inc.members.values()];
    const before = inc.record.rootCause?.fingerprint;
    const rootCause = rootCauseOf(members, topology);
    const next: IncidentRecord = {
      ...inc.record,
      title: titleOf(members, rootCause),
      severity: severityOf(members),
      priority: priorityOf(members),
      updatedAt: now,
    };
    if (rootCause === undefined) {
      delete next.rootCause;
    } else {
      next.rootCause = rootCause;
    }
    inc.record = next;
    this.repo.update(next);
    if (rootCause !== undefined && rootCause.fingerprint !== before && members.length > 1) {
      this.timeline(
        inc.record.id,
        now,
        "root_cause",
        `probable root cause: ${rootCause.service} — ${rootCause.reason}`,
        LINEOPS,
        rootCause,
      );
    }
  }

  /** Links the deployments that started within the window before this alert, and requests rollbacks where configured. */
  private linkDeployments(inc: Open, a: ObservedAlert, topology: TopologyIndex, now: number): void {
    const scope = topology.scope(a.labels);
    const own = a.labels.service ?? a.labels.job;
    const services = new Set<string>(
      scope ? [...scope.services, ...topology.upstreamOfAll(scope.services)] : own ? [own] : [],
    );
    for (const d of this.recent) {
      if (
        !services.has(d.service) ||
        a.startsAt < d.at ||
        a.startsAt > d.at + this.config.deploymentWindowMs
      ) {
        continue;
      }
      if (inc.deployments.has(d.id)) {
        continue;
      }
      inc.deployments.add(d.id);
      const after = Math.round((a.startsAt - d.at) / 1000);
      const relation = own === d.service ? "its service" : "a dependency";
      this.timeline(
        inc.record.id,
        now,
        "deployment",
        `${describe(a.labels)} started ${after} s after deployment ${d.id} of ${d.service} (${relation})`,
        LINEOPS,
        { deploymentId: d.id, service: d.service, deployedAt: d.at },
      );
      const rb = this.config.rollback;
      if (
        (rb === true || (Array.isArray(rb) && rb.includes(d.service))) &&
        !this.rollbacksRequested.has(d.id)
      ) {
        this.rollbacksRequested.add(d.id);
        const reason = `incident ${inc.record.id}: ${describe(a.labels)} started ${after} s after it`;
        this.timeline(
          inc.record.id,
          now,
          "rollback.requested",
          `rollback of deployment ${d.id} (${d.service}) requested`,
          LINEOPS,
          {
            deploymentId: d.id,
            service: d.service,
          },
        );
        this.pending.push([
          "deployment.rollback.requested",
          { deploymentId: d.id, service: d.service, incidentId: inc.record.id, reason, at: now },
        ] as Parameters<EventBus["emit"]>);
      }
    }
  }

  private resolvedAlert(a: ObservedAlert): void {
    const now = this.clock.now();
    const closedOn = this.closed.get(a.fingerprint);
    if (closedOn !== undefined) {
      this.closed.delete(a.fingerprint);
      const m = this.repo.alerts(closedOn).find((x) => x.fingerprint === a.fingerprint);
      if (m !== undefined) {
        this.repo.putAlert({ ...m, endsAt: a.endsAt });
      }
      return;
    }
    const id = this.byFingerprint.get(a.fingerprint);
    if (id === undefined) {
      return;
    }
    const inc = this.open.get(id) as Open;
    const m = inc.members.get(a.fingerprint) as IncidentAlertRecord;
    if (m.endsAt !== undefined) {
      return;
    }
    const done = { ...m, endsAt: a.endsAt };
    inc.members.set(a.fingerprint, done);
    this.repo.putAlert(done);
    this.timeline(id, now, "alert.resolved", `${describe(a.labels)} resolved`, undefined, {
      fingerprint: a.fingerprint,
    });
    if ([...inc.members.values()].every((x) => x.endsAt !== undefined)) {
      this.close(inc, now, LINEOPS, "every alert resolved");
    } else {
      this.touch(inc, now, "alert.resolved");
    }
  }

  // ---- people ----

  acknowledge(id: number, actor: Actor): IncidentDetail {
    this.mutate(() => {
      const inc = this.requireOpen(id, "acknowledge");
      if (inc.record.status === "acknowledged" && inc.record.snoozedUntil === undefined) {
        throw IncidentErrors.badTransition(
          `incident ${id} is already acknowledged (by ${inc.record.acknowledgedBy ?? "someone"})`,
        );
      }
      const now = this.clock.now();
      inc.record = {
        ...inc.record,
        status: "acknowledged",
        acknowledgedAt: now,
        acknowledgedBy: actor,
        updatedAt: now,
      };
      delete inc.record.snoozedUntil;
      this.repo.update(inc.record);
      this.timeline(id, now, "acknowledged", `acknowledged by ${actor}`, actor);
      this.notifyLater(inc, "acknowledge");
      this.pendingChange(inc, "acknowledged", actor, now);
    });
    this.scheduleSnoozes();
    return this.get(id);
  }

  resolve(id: number, actor: Actor, why = "resolved by hand"): IncidentDetail {
    this.mutate(() => {
      const inc = this.requireOpen(id, "resolve");
      this.close(inc, this.clock.now(), actor, why);
    });
    this.scheduleSnoozes();
    return this.get(id);
  }

  /** Acknowledged until `until`; then triggered again and notified (PagerDuty's snooze). */
  snooze(id: number, until: number, actor: Actor): IncidentDetail {
    const now = this.clock.now();
    if (!Number.isSafeInteger(until) || until <= now) {
      throw IncidentErrors.invalid(`snooze until ${String(until)}: must be in the future`);
    }
    if (until > now + 30 * 86_400_000) {
      throw IncidentErrors.invalid("snooze: at most 30 days");
    }
    this.mutate(() => {
      const inc = this.requireOpen(id, "snooze");
      inc.record = {
        ...inc.record,
        status: "acknowledged",
        snoozedUntil: until,
        acknowledgedAt: inc.record.acknowledgedAt ?? now,
        acknowledgedBy: inc.record.acknowledgedBy ?? actor,
        updatedAt: now,
      };
      this.repo.update(inc.record);
      this.timeline(id, now, "snoozed", `snoozed by ${actor} until ${new Date(until).toISOString()}`, actor, {
        until,
      });
      this.pendingChange(inc, "snoozed", actor, now);
    });
    this.scheduleSnoozes();
    return this.get(id);
  }

  reassign(id: number, assignee: string, actor: Actor): IncidentDetail {
    if (!ASSIGNEE_PATTERN.test(assignee)) {
      throw IncidentErrors.invalid(
        `assignee ${JSON.stringify(assignee.slice(0, 120))}: a user, team or schedule name (letters, digits, space . _ @ + -, at most 100)`,
      );
    }
    this.mutate(() => {
      const inc = this.requireOpen(id, "reassign");
      const now = this.clock.now();
      const from = inc.record.assignee;
      inc.record = { ...inc.record, assignee, updatedAt: now };
      this.repo.update(inc.record);
      this.timeline(
        id,
        now,
        "reassigned",
        `reassigned by ${actor} to ${assignee}${from ? ` (was ${from})` : ""}`,
        actor,
        {
          assignee,
          ...(from ? { from } : {}),
        },
      );
      this.pendingChange(inc, "reassigned", actor, now);
    });
    return this.get(id);
  }

  /** A note on any incident, resolved ones too. */
  note(id: number, text: string, actor: Actor): IncidentDetail {
    const body = text.trim();
    if (body === "" || body.length > NOTE_MAX) {
      throw IncidentErrors.invalid(`note: 1 to ${NOTE_MAX} characters`);
    }
    this.mutate(() => {
      const record = this.requireRecord(id);
      const now = this.clock.now();
      this.timeline(id, now, "note", body, actor);
      this.pending.push([
        "incident.changed",
        {
          id,
          change: "note",
          status: record.status,
          title: record.title,
          priority: record.priority,
          actor,
          at: now,
        },
      ] as Parameters<EventBus["emit"]>);
    });
    return this.get(id);
  }

  // ---- one-click links ----

  /** A signed link acting on the incident once, until it expires. */
  link(
    id: number,
    action: LinkAction,
    ttlMs = this.config.ackLinkTtlMs,
  ): { url: string; token: string; expiresAt: number } {
    this.requireRecord(id);
    const expiresAt = this.clock.now() + ttlMs;
    const token = this.links.sign(id, action, expiresAt);
    return { token, url: `${this.o.externalURL()}/api/v1/incident-links/${token}`, expiresAt };
  }

  /** What a link would do (the confirm page), or why it will not: invalid, expired, used, incident gone. */
  inspectLink(token: string): { incident: IncidentSummary; action: LinkAction; expiresAt: number } {
    const claims = this.links.verify(token, this.clock.now());
    if (this.repo.linkUsed(claims.nonce)) {
      throw IncidentErrors.linkUsed("this link was used already: it works once");
    }
    return {
      incident: this.summary(this.requireRecord(claims.incidentId)),
      action: claims.action,
      expiresAt: claims.expiresAt,
    };
  }

  /** Acts on a link, once: its use is recorded in the transaction that acts. */
  useLink(token: string, actor: Actor): IncidentDetail {
    const now = this.clock.now();
    const claims = this.links.verify(token, now);
    this.mutate(() => {
      if (!this.repo.useLink(claims.nonce, claims.incidentId, now, claims.expiresAt)) {
        throw IncidentErrors.linkUsed("this link was used already: it works once");
      }
      const inc = this.requireOpen(claims.incidentId, claims.action);
      if (claims.action === "acknowledge") {
        if (inc.record.status === "acknowledged" && inc.record.snoozedUntil === undefined) {
          throw IncidentErrors.badTransition(
            `incident ${inc.record.id} is already acknowledged (by ${inc.record.acknowledgedBy ?? "someone"})`,
          );
        }
        inc.record = {
          ...inc.record,
          status: "acknowledged",
          acknowledgedAt: now,
          acknowledgedBy: actor,
          updatedAt: now,
        };
        delete inc.record.snoozedUntil;
        this.repo.update(inc.record);
        this.timeline(
          inc.record.id,
          now,
          "acknowledged",
          `acknowledged by ${actor} through a one-click link`,
          actor,
        );
        this.notifyLater(inc, "acknowledge");
        this.pendingChange(inc, "acknowledged", actor, now);
      } else {
        this.close(inc, now, actor, "resolved through a one-click link");
      }
    });
    this.scheduleSnoozes();
    return this.get(claims.incidentId);
  }

  // ---- what the outbox and escalation write ----

  /** A receipt from a channel (HTTP 2xx, SMTP 250, MQTT PUBACK, dedup_key): shown in the timeline. */
  recordReceipt(incidentId: number, receipt: Receipt): void {
    this.record(
      incidentId,
      "receipt",
      `${receipt.channel} (${receipt.type}) confirmed: ${receipt.detail}`,
      LINEOPS,
      receipt,
    );
  }

  /** An escalation step taken (level, targets), or a delivery failure worth showing. */
  recordEscalation(incidentId: number, message: string, data?: unknown): void {
    this.record(incidentId, "escalation", message, LINEOPS, data);
  }

  /** Notifications enqueued by others (escalation's pages): shown in the timeline. */
  recordNotification(incidentId: number, message: string, data?: unknown): void {
    this.record(incidentId, "notification", message, LINEOPS, data);
  }

  private record(incidentId: number, kind: string, message: string, actor: Actor, data: unknown): void {
    this.requireRecord(incidentId);
    this.repo.append({
      incidentId,
      at: this.clock.now(),
      kind,
      actor,
      message: message.slice(0, NOTE_MAX),
      ...(data === undefined ? {} : { data }),
    });
  }

  // ---- reads ----

  list(opts: { statuses?: readonly IncidentStatus[]; limit?: number } = {}): IncidentSummary[] {
    return this.repo
      .list({
        ...(opts.statuses ? { statuses: opts.statuses } : {}),
        limit: Math.min(Math.max(opts.limit ?? 100, 1), 1000),
      })
      .map((r) => this.summary(r));
  }

  get(id: number, timelineLimit = 1000): IncidentDetail {
    const record = this.requireRecord(id);
    const alerts = this.repo.alerts(id);
    const root = record.rootCause?.fingerprint;
    return {
      ...this.summary(record, alerts),
      alerts: alerts.map((a) => ({
        ...a,
        status: a.endsAt === undefined ? "firing" : "resolved",
        role: root === undefined ? "member" : a.fingerprint === root ? "root" : "child",
      })),
      timeline: this.repo.timeline(id, timelineLimit),
    };
  }

  /** When the alarm `fingerprint` activated at `activatedAt` was acknowledged (alarm management's MTTA). */
  acknowledgedAt(fingerprint: string, activatedAt: number): number | undefined {
    return this.repo.acknowledgedAt(fingerprint, activatedAt);
  }

  /** The open incident an alert belongs to, if any. */
  incidentOf(fingerprint: string): number | undefined {
    return this.byFingerprint.get(fingerprint);
  }

  private summary(r: IncidentRecord, alerts = this.repo.alerts(r.id)): IncidentSummary {
    return {
      ...r,
      alertCount: alerts.length,
      firingCount: alerts.filter((a) => a.endsAt === undefined).length,
    };
  }

  // ---- internals ----

  private requireRecord(id: number): IncidentRecord {
    const r = this.open.get(id)?.record ?? this.repo.get(id);
    if (r === undefined) {
      throw IncidentErrors.notFound(`incident ${id} not found`);
    }
    return r;
  }

  private requireOpen(id: number, what: string): Open {
    const inc = this.open.get(id);
    if (inc === undefined) {
      const r = this.requireRecord(id);
      throw IncidentErrors.badTransition(
        `cannot ${what} incident ${id}: it is ${r.status}${r.resolvedBy ? ` (by ${r.resolvedBy})` : ""}`,
      );
    }
    return inc;
  }

  private close(inc: Open, now: number, actor: Actor, why: string): void {
    inc.record = { ...inc.record, status: "resolved", resolvedAt: now, resolvedBy: actor, updatedAt: now };
    delete inc.record.snoozedUntil;
    this.repo.update(inc.record);
    this.timeline(inc.record.id, now, "resolved", `resolved by ${actor}: ${why}`, actor);
    this.open.delete(inc.record.id);
    for (const [fp, m] of inc.members) {
      this.byFingerprint.delete(fp);
      if (m.endsAt === undefined) {
        this.closed.set(fp, inc.record.id);
      }
    }
    this.notifyLater(inc, "resolve");
    this.pendingChange(inc, "resolved", actor, now);
  }

  private touch(inc: Open, now: number, change: string): void {
    inc.record = { ...inc.record, updatedAt: now };
    this.repo.update(inc.record);
    this.pendingChange(inc, change, LINEOPS, now);
  }

  private timeline(
    incidentId: number,
    at: number,
    kind: string,
    message: string,
    actor?: Actor,
    data?: unknown,
  ): number {
    return this.repo.append({
      incidentId,
      at,
      kind,
      ...(actor === undefined ? {} : { actor }),
      message,
      ...(data === undefined ? {} : { data }),
    });
  }

  private pendingChange(inc: Open, change: string, actor: Actor, at: number): void {
    const r = inc.record;
    this.pending.push([
      "incident.changed",
      {
        id: r.id,
        change,
        status: r.status,
        title: r.title,
        priority: r.priority,
        ...(r.rootCause ? { rootCause: r.rootCause.service } : {}),
        actor,
        at,
      },
    ] as Parameters<EventBus["emit"]>);
  }

  /**
   * A notification for the incident, enqueued in this transaction. Built from the incident as it
   * stands when the transaction ends (root cause and title may still change within it).
   */
  private notifyLater(inc: Open, event: NotificationEvent): void {
    if (this.o.sink === undefined) {
      return;
    }
    this.notifications.push({ inc, event });
  }

  private notifications: { inc: Open; event: NotificationEvent }[] = [];

  private flushNotifications(): void {
    const items = this.notifications;
    this.notifications = [];
    if (this.o.sink === undefined || items.length === 0) {
      return;
    }
    const now = this.clock.now();
    const built = items.map(({ inc, event }) => this.notification(inc, event, now));
    this.o.sink.enqueue(built);
  }

  private notification(inc: Open, event: NotificationEvent, now: number): Notification {
    const r = inc.record;
    const members = [...inc.members.values()];
    const entry = this.timeline(r.id, now, "notification", `${event} notification enqueued`, LINEOPS, {
      event,
    });
    const root = members.find((m) => m.fingerprint === r.rootCause?.fingerprint) ?? members[0];
    const payload = webhookPayload(
      {
        receiver: "incidents",
        groupKey: `incident:${r.id}`,
        groupLabels: {},
        externalURL: this.o.externalURL(),
        alerts: members.map((m) => ({
          labels: m.labels,
          annotations: m.annotations,
          startsAt: m.startsAt,
          ...(m.endsAt === undefined ? {} : { endsAt: m.endsAt }),
        })),
      },
      { now },
    );
    const ack = r.status === "triggered" ? this.link(r.id, "acknowledge") : undefined;
    const base = this.o.externalURL();
    return {
      key: `incident/${r.id}/${entry}`,
      event,
      // webhookPayload returns null only with sendResolved false, which is not asked for here.
      payload: payload as NonNullable<typeof payload>,
      incident: {
        id: String(r.id),
        title: r.title,
        status: r.status,
        priority: r.priority,
        url: `${base}/incidents/${r.id}`,
        ...(ack ? { ackUrl: ack.url } : {}),
        ...(r.rootCause ? { rootCause: { service: r.rootCause.service, reason: r.rootCause.reason } } : {}),
      },
      ...(root?.labels.line !== undefined ? { line: root.labels.line } : {}),
      ...(root?.labels.station !== undefined ? { station: root.labels.station } : {}),
    };
  }

  /**
   * Runs a change in one transaction with its timeline and notifications; publishes its bus events
   * after the commit. A failed change rolls back and the in-memory state is read again from the store.
   */
  private mutate(fn: () => void, what?: string): void {
    this.pending = [];
    this.notifications = [];
    try {
      this.repo.transaction(() => {
        fn();
        this.flushNotifications();
      });
    } catch (err) {
      this.pending = [];
      this.notifications = [];
      this.load();
      if (what === undefined) {
        throw err;
      }
      this.o.logger.error({ err }, `incidents: ${what} failed: ${(err as Error).message}`);
      return;
    }
    const events = this.pending;
    this.pending = [];
    for (const [topic, payload] of events) {
      this.o.bus?.emit(topic, payload as never);
    }
  }

  /** One timer for the earliest snooze to end; ended snoozes trigger again and notify. */
  private scheduleSnoozes(): void {
    if (this.snoozeTimer !== undefined) {
      this.clock.clearTimer(this.snoozeTimer);
      this.snoozeTimer = undefined;
    }
    const now = this.clock.now();
    const due = [...this.open.values()].filter(
      (i) => i.record.snoozedUntil !== undefined && i.record.snoozedUntil <= now,
    );
    if (due.length > 0) {
      this.mutate(() => {
        for (const inc of due) {
          inc.record = { ...inc.record, status: "triggered", updatedAt: now };
          delete inc.record.snoozedUntil;
          delete inc.record.acknowledgedAt;
          delete inc.record.acknowledgedBy;
          this.repo.update(inc.record);
          this.timeline(inc.record.id, now, "snooze.ended", "snooze ended: triggered again", LINEOPS);
          this.notifyLater(inc, "trigger");
          this.pendingChange(inc, "triggered", LINEOPS, now);
        }
      }, "ending snoozes");
    }
    const next = Math.min(...[...this.open.values()].map((i) => i.record.snoozedUntil ?? Infinity));
    if (Number.isFinite(next)) {
      // Timers past 2^31 ms overflow to 1 ms: long snoozes wake up early and re-arm.
      this.snoozeTimer = this.clock.setTimer(
        () => this.scheduleSnoozes(),
        Math.min(Math.max(next - now, 0), 2 ** 31 - 1),
      );
    }
  }
}

/** "PLCDisconnected (job=plc-gateway, station=3)": how the timeline names an alert. */
export function describe(labels: Labels): string {
  const where = ["service", "job", "station", "device", "line", "instance"]
    .filter((k) => labels[k] !== undefined)
    .filter((k) => !(k === "job" && labels.service !== undefined))
    .slice(0, 3)
    .map((k) => `${k}=${labels[k]}`);
  return `${labels.alertname ?? "alert"}${where.length > 0 ? ` (${where.join(", ")})` : ""}`;
}
