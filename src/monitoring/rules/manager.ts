// Evaluates rule groups as Prometheus does (rules/group.go, rules/manager.go): each group on its
// own interval (sub-second ones too), its rules in order as instant queries at the evaluation time.
// Recording rules write their results back under the rule's name; alerting rules keep their alerts
// (alerting-rule.ts), write ALERTS and ALERTS_FOR_STATE, persist alert state after every evaluation
// that changed it (one transaction) and hand the alerts due for sending to `notify`. Series a rule
// stops producing get staleness markers. A reload keeps the state of the rules that still exist.
import type { Logger } from "pino";
import { expandAlertTemplate } from "../../model/gotemplate/index.js";
import { systemClock, type Clock, type TimerHandle } from "../../clock.js";
import type { RuleConfig, RuleGroupConfig } from "../../config/rules-schema.js";
import { labelsKey, STALE_NAN, type Labels, type Storage } from "../model.js";
import type { MetricsQuerier } from "../query.js";
import type {
  Alert,
  AlertForDispatch,
  AlertStateStore,
  ExpandTemplate,
  NotifyAlerts,
  StoredAlert,
} from "./alert.js";
import { AlertingRule, type AlertSample, type TemplateContext } from "./alerting-rule.js";
import { DEFAULT_RESTORE, restoredAlert, type RestoreOptions } from "./restore.js";

/** What the rule manager needs from the PromQL engine: a typed instant query. */
export type InstantQuery = MetricsQuerier["instant"];

export type RuleHealth = {
  name: string;
  query: string;
  labels: Labels;
  health: "ok" | "err" | "unknown";
  lastError: string;
  lastEvaluation: number | undefined;
  evaluationTimeMs: number;
  type: "recording" | "alerting";
  /** The live rule, for alerting rules: its config, state and alerts. */
  alerting?: AlertingRule;
};

export type GroupHealth = {
  name: string;
  file: string;
  intervalMs: number;
  limit: number;
  lastEvaluation: number | undefined;
  evaluationTimeMs: number;
  rules: RuleHealth[];
};

const DEFAULT_EVALUATION_LAG_MS = 100;

export type AlertingOptions = {
  /** Expands label and annotation templates (default: Go text/template with Prometheus's functions). */
  expand?: ExpandTemplate;
  /** Receives each evaluation's alerts due for sending (no-op until the dispatcher exists). */
  notify?: NotifyAlerts;
  /** Durable alert state; without it alerts live in memory only. */
  store?: AlertStateStore;
  externalLabels?: Labels;
  /**
   * lineops's external URL: $externalURL in templates and the alerts' generatorURL. A function is
   * read at each evaluation (the API's address is known only once it listens).
   */
  externalURL?: string | (() => string);
  /** rules.alert.resend-delay: 1m in Prometheus. */
  resendDelayMs?: number;
  restore?: Partial<RestoreOptions>;
  /** Evaluation timers and the time state is restored at (tests pass a manual clock). */
  clock?: Clock;
  /**
   * How long after its aligned instant a group's evaluation runs, at most (it never exceeds a tenth
   * of the interval). Scrapes of a few targets start at the same aligned instants; evaluating at the
   * instant itself would miss the sample being scraped and alert one interval late. The evaluation
   * timestamp stays the aligned instant. Default 100 ms; 0 evaluates at the instant.
   */
  evaluationLagMs?: number;
};

/**
 * Prometheus's template expansion: the Go text/template engine with Prometheus's functions, and
 * `query` answered by this engine's PromQL at the time of expansion (as Prometheus's querier).
 */
function goTemplates(query: InstantQuery, clock: Clock): ExpandTemplate {
  const templateQuery = async (expr: string) => {
    const v = await query(expr, clock.now());
    if (v.type === "vector") {
      return v.samples.map((s) => ({ labels: s.labels, value: s.v }));
    }
    return v.type === "scalar" ? [{ labels: {}, value: v.v }] : [];
  };
  return (text, name, data) => expandAlertTemplate(text, name, data, { query: templateQuery });
}

/** The identity of an alerting rule across reloads and restarts (Prometheus's group key + nameAndLabels). */
export function ruleKeyOf(file: string, group: string, rule: RuleConfig, occurrence: number): string {
  return JSON.stringify([file, group, rule.alert ?? rule.record ?? "", labelsKey(rule.labels), occurrence]);
}

/** Prometheus's generatorURL: externalURL + strutil.TableLinkForExpression (Go's url.QueryEscape). */
export function generatorURL(externalURL: string, expr: string): string {
  const escaped = encodeURIComponent(expr)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
  return `${externalURL}/graph?g0.expr=${escaped}&g0.tab=1`;
}

type RuleEntry = {
  health: RuleHealth;
  /** Series written at the last successful evaluation, for staleness. */
  previous: Map<string, Labels>;
  /** Alerting rules: their key in the store and the stored form of each alert (fingerprint -> JSON). */
  ruleKey?: string;
  persisted?: Map<string, string>;
  /** nameAndLabels, as Prometheus matches rules across a reload. */
  match: string;
};

type GroupContext = {
  query: InstantQuery;
  storage: Storage;
  logger: Logger;
  expand: ExpandTemplate;
  externalLabels: Labels;
  notify: NotifyAlerts;
  store: AlertStateStore | undefined;
  resendDelayMs: number;
  externalURL: () => string;
  clock: Clock;
  evaluationLagMs: number;
};

class RuleGroup {
  private timer: TimerHandle | undefined;
  private running = false;
  readonly rules: RuleEntry[];
  readonly health: GroupHealth;
  /** Series of rules that a reload removed from this group: marked stale at the first evaluation. */
  staleSeries: Labels[] = [];
  /**
   * Rule evaluations and failed ones since start (Prometheus's prometheus_rule_evaluations_total and
   * prometheus_rule_evaluation_failures_total): a failing rule is otherwise only a log line and a
   * health field nobody watches; as counters, a rule can alert on them.
   */
  readonly counts = { evaluations: 0, failures: 0 };

  constructor(
    readonly config: RuleGroupConfig,
    readonly file: string,
    readonly intervalMs: number,
    private readonly ctx: GroupContext,
  ) {
    const occurrences = new Map<string, number>();
    this.rules = config.rules.map((r): RuleEntry => {
      const labels = { ...config.labels, ...r.labels };
      const name = r.record ?? r.alert ?? "";
      const match = JSON.stringify([name, labelsKey(r.labels)]);
      const n = occurrences.get(match) ?? 0;
      occurrences.set(match, n + 1);
      const health: RuleHealth = {
        name,
        query: r.expr,
        labels,
        health: "unknown",
        lastError: "",
        lastEvaluation: undefined,
        evaluationTimeMs: 0,
        type: r.record !== undefined ? "recording" : "alerting",
      };
      if (r.alert === undefined) {
        return { health, previous: new Map(), match };
      }
      health.alerting = new AlertingRule({
        name,
        query: r.expr,
        holdMs: r.for ?? 0,
        keepFiringForMs: r.keep_firing_for ?? 0,
        labels,
        annotations: r.annotations,
      });
      return {
        health,
        previous: new Map(),
        match,
        ruleKey: ruleKeyOf(file, config.name, r, n),
        persisted: new Map(),
      };
    });
    this.health = {
      name: config.name,
      file,
      intervalMs,
      limit: config.limit,
      lastEvaluation: undefined,
      evaluationTimeMs: 0,
      rules: this.rules.map((r) => r.health),
    };
  }

  get key(): string {
    return JSON.stringify([this.file, this.config.name]);
  }

  start(): void {
    this.running = true;
    const clock = this.ctx.clock;
    const now = clock.now();
    const lag = Math.max(0, Math.min(this.ctx.evaluationLagMs, Math.floor(this.intervalMs / 10)));
    // Evaluate at aligned times so every restart evaluates at the same instants; run `lag` later so
    // a scrape that started at the same instant has committed its samples.
    let next = now - (now % this.intervalMs) + this.intervalMs;
    const tick = async () => {
      const t = next;
      try {
        await this.evaluate(t);
      } catch (err) {
        this.ctx.logger.error({ err, group: this.config.name }, "rule group failed");
      }
      if (!this.running) {
        return;
      }
      // One evaluation at a time: iterations an evaluation overran are skipped, as in Prometheus.
      next = t + this.intervalMs;
      while (next + lag <= clock.now()) {
        next += this.intervalMs;
      }
      this.timer = clock.setTimer(() => void tick(), next + lag - clock.now());
    };
    this.timer = clock.setTimer(() => void tick(), next + lag - now);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) {
      this.ctx.clock.clearTimer(this.timer);
    }
  }

  /** The evaluation in progress (or the last one): evaluations of a group never overlap. */
  private evaluating: Promise<void> = Promise.resolve();
  /** Evaluations started and not finished. */
  private pending = 0;

  get busy(): boolean {
    return this.pending > 0;
  }

  /**
   * Evaluates every rule of the group at `t`, in order (later rules see earlier results), after any
   * evaluation in progress: alert state is only ever changed by one evaluation at a time.
   */
  evaluate(t: number): Promise<void> {
    this.pending++;
    const run = this.evaluating.then(() => this.evaluateNow(t));
    this.evaluating = run.catch(() => undefined).finally(() => this.pending--);
    return run;
  }

  /** Resolves when no evaluation is in progress. */
  idle(): Promise<void> {
    return this.evaluating;
  }

  private async evaluateNow(t: number): Promise<void> {
    const t0 = performance.now();
    const evalTime = t - (this.config.query_offset ?? 0);
    const toSend: AlertForDispatch[] = [];
    const templates: TemplateContext = {
      expand: this.ctx.expand,
      externalLabels: this.ctx.externalLabels,
      externalURL: this.ctx.externalURL(),
    };
    if (this.staleSeries.length > 0) {
      this.writeStale(this.staleSeries, evalTime);
      this.staleSeries = [];
    }
    for (const entry of this.rules) {
      const rule = entry.health;
      const r0 = performance.now();
      this.counts.evaluations++;
      try {
        const value = await this.ctx.query(rule.query, evalTime);
        let samples: AlertSample[];
        if (rule.alerting) {
          samples = await rule.alerting.evaluate(value, t, this.config.limit, templates);
          // As Prometheus: what is due is sent even if writing ALERTS then fails.
          toSend.push(
            ...rule.alerting.alertsToSend(
              t,
              this.ctx.resendDelayMs,
              this.intervalMs,
              generatorURL(templates.externalURL, rule.query),
            ),
          );
        } else {
          samples = recordedSamples(value, rule.name, rule.labels, this.config.limit);
        }
        this.write(entry, samples, evalTime);
        rule.health = "ok";
        rule.lastError = "";
      } catch (err) {
        this.counts.failures++;
        rule.health = "err";
        rule.lastError = err instanceof Error ? err.message : String(err);
        this.ctx.logger.warn({ rule: rule.name, err: rule.lastError }, "rule evaluation failed");
      }
      rule.lastEvaluation = t;
      rule.evaluationTimeMs = performance.now() - r0;
    }
    this.persist(t);
    if (toSend.length > 0) {
      try {
        this.ctx.notify(toSend);
      } catch (err) {
        this.ctx.logger.error({ err, group: this.config.name }, "alert notification sink failed");
      }
    }
    this.health.lastEvaluation = t;
    this.health.evaluationTimeMs = performance.now() - t0;
  }

  /** Writes a rule's samples at `t` and staleness markers for its series that went away. */
  private write(entry: RuleEntry, samples: AlertSample[], t: number): void {
    const app = this.ctx.storage.appender();
    const written = new Map<string, Labels>();
    try {
      for (const s of samples) {
        const key = labelsKey(s.labels);
        if (written.has(key)) {
          throw new Error("vector contains metrics with the same labelset after applying rule labels");
        }
        written.set(key, s.labels);
        app.append(s.labels, t, s.v);
      }
      for (const [key, labels] of entry.previous) {
        if (!written.has(key)) {
          app.append(labels, t, STALE_NAN);
        }
      }
      app.commit();
    } catch (err) {
      app.rollback();
      throw err;
    }
    entry.previous = written;
  }

  private writeStale(series: Labels[], t: number): void {
    const app = this.ctx.storage.appender();
    for (const labels of series) {
      try {
        app.append(labels, t, STALE_NAN);
      } catch {
        // a series already written at t (the rule came back under the same name) needs no marker
      }
    }
    app.commit();
  }

  /** Marks every series this group wrote stale (the group was removed by a reload). */
  markAllStale(t: number): void {
    this.writeStale(
      this.rules.flatMap((r) => [...r.previous.values()]),
      t,
    );
  }

  /** Saves what changed in the alerts of this evaluation, in one transaction. */
  private persist(t: number): void {
    const store = this.ctx.store;
    if (!store) {
      return;
    }
    const upsert: StoredAlert[] = [];
    const remove: { ruleKey: string; fingerprint: string }[] = [];
    const after: [RuleEntry, Map<string, string>][] = [];
    for (const entry of this.rules) {
      const rule = entry.health.alerting;
      if (!rule || !entry.ruleKey || !entry.persisted) {
        continue;
      }
      const now = new Map<string, string>();
      for (const [fingerprint, alert] of rule.active) {
        const form = storedForm(alert);
        now.set(fingerprint, form);
        // Pending alerts are written every evaluation: their last evaluation is when `for`
        // progress stopped if lineops goes down (what Prometheus reads from ALERTS_FOR_STATE).
        if (entry.persisted.get(fingerprint) !== form || alert.state === "pending") {
          upsert.push({ ...alert, ruleKey: entry.ruleKey, fingerprint, lastEvalAt: t });
        }
      }
      for (const fingerprint of entry.persisted.keys()) {
        if (!now.has(fingerprint)) {
          remove.push({ ruleKey: entry.ruleKey, fingerprint });
        }
      }
      after.push([entry, now]);
    }
    if (upsert.length === 0 && remove.length === 0) {
      return;
    }
    try {
      store.save({ upsert, remove });
      for (const [entry, now] of after) {
        entry.persisted = now;
      }
    } catch (err) {
      // Kept in memory and retried with the next evaluation's changes.
      this.ctx.logger.error({ err, group: this.config.name }, "saving alert state failed");
    }
  }

  /**
   * Takes over the state of the same group before a reload (Prometheus's CopyState): rules matched
   * by name and labels, in order, keep their alerts and series; series of unmatched old rules are
   * marked stale at the first evaluation. Returns the old rules that found no successor.
   */
  copyState(from: RuleGroup): RuleEntry[] {
    this.health.lastEvaluation = from.health.lastEvaluation;
    this.health.evaluationTimeMs = from.health.evaluationTimeMs;
    // Counters stay monotonic across a reload, so rate() sees no reset.
    this.counts.evaluations = from.counts.evaluations;
    this.counts.failures = from.counts.failures;
    const byMatch = new Map<string, RuleEntry[]>();
    for (const r of from.rules) {
      byMatch.set(r.match, [...(byMatch.get(r.match) ?? []), r]);
    }
    for (const r of this.rules) {
      const old = byMatch.get(r.match)?.shift();
      if (!old) {
        continue;
      }
      r.previous = old.previous;
      if (r.health.alerting && old.health.alerting) {
        for (const [k, a] of old.health.alerting.active) {
          r.health.alerting.active.set(k, a);
        }
        // The store holds them under the old key: rewritten under the new one if it changed.
        r.persisted = r.ruleKey === old.ruleKey ? old.persisted : new Map();
      }
    }
    this.staleSeries = [...from.staleSeries];
    const gone = [...byMatch.values()].flat();
    for (const r of gone) {
      this.staleSeries.push(...r.previous.values());
    }
    return gone;
  }

  /**
   * The resolves of the alerts these rules (removed by a reload) had notified: Prometheus just stops
   * sending them and Alertmanager keeps them firing until their endsAt runs out (minutes, and a
   * repeat may go out meanwhile); the rule is gone, so its alerts end now.
   */
  resolvesOf(entries: RuleEntry[], now: number): AlertForDispatch[] {
    const url = this.ctx.externalURL();
    return entries.flatMap((entry) =>
      [...(entry.health.alerting?.active.values() ?? [])]
        .filter((a) => a.lastSentAt !== undefined)
        .map((a) => ({
          labels: { ...a.labels },
          annotations: { ...a.annotations },
          startsAt: a.firedAt ?? a.activeAt,
          endsAt: Math.min(a.resolvedAt ?? now, now),
          generatorURL: generatorURL(url, entry.health.query),
        })),
    );
  }

  /** Resumes the stored alerts of rules that have none in memory (at start). */
  restore(stored: Map<string, StoredAlert[]>, now: number, o: RestoreOptions): void {
    for (const entry of this.rules) {
      const rule = entry.health.alerting;
      if (!rule || !entry.ruleKey || !entry.persisted || rule.active.size > 0) {
        continue;
      }
      for (const s of stored.get(entry.ruleKey) ?? []) {
        entry.persisted.set(s.fingerprint, storedForm(s));
        const alert = restoredAlert(s, rule.config.holdMs, now, o);
        if (alert) {
          rule.active.set(s.fingerprint, alert);
        }
      }
    }
  }
}

/** The fields whose change is worth a write (value and annotations ride along with them). */
function storedForm(a: Alert): string {
  return JSON.stringify([
    labelsKey(a.labels),
    a.state,
    a.activeAt,
    a.firedAt,
    a.resolvedAt,
    a.lastSentAt,
    a.keepFiringSince,
    a.validUntil,
  ]);
}

function recordedSamples(
  value: Awaited<ReturnType<InstantQuery>>,
  name: string,
  labels: Labels,
  limit: number,
): AlertSample[] {
  const samples: AlertSample[] = [];
  if (value.type === "vector") {
    for (const s of value.samples) {
      samples.push({ labels: { ...s.labels, ...labels, __name__: name }, v: s.v });
    }
  } else if (value.type === "scalar") {
    samples.push({ labels: { ...labels, __name__: name }, v: value.v });
  }
  if (limit > 0 && samples.length > limit) {
    throw new Error(`exceeded limit of ${limit} with ${samples.length} series`);
  }
  return samples;
}

export class RuleManager {
  private groups: RuleGroup[] = [];
  private running = false;
  private readonly ctx: GroupContext;
  private readonly restoreOptions: RestoreOptions;

  constructor(
    query: InstantQuery,
    storage: Storage,
    logger: Logger,
    private readonly defaultIntervalMs: number,
    alerting: AlertingOptions = {},
  ) {
    const url = alerting.externalURL ?? "";
    const externalURL = typeof url === "function" ? url : () => url;
    this.ctx = {
      query,
      storage,
      logger,
      expand: alerting.expand ?? goTemplates(query, alerting.clock ?? systemClock),
      externalLabels: alerting.externalLabels ?? {},
      notify: alerting.notify ?? (() => undefined),
      store: alerting.store,
      resendDelayMs: alerting.resendDelayMs ?? 60_000,
      externalURL,
      clock: alerting.clock ?? systemClock,
      evaluationLagMs: alerting.evaluationLagMs ?? DEFAULT_EVALUATION_LAG_MS,
    };
    this.restoreOptions = { ...DEFAULT_RESTORE, ...alerting.restore };
  }

  /**
   * Replaces the groups with these (from loaded, validated rule files). Groups and rules that still
   * exist keep their state; alerts of rules that are gone are dropped from the store; series of
   * removed groups are marked stale. Alerts stored by an earlier run are resumed (see restore.ts).
   * Running groups keep running under the new configuration.
   */
  load(files: { file: string; groups: RuleGroupConfig[] }[]): void {
    const wasRunning = this.running;
    this.stop();
    if (this.groups.some((g) => g.busy)) {
      // An evaluation still running would change alerts this load is taking over.
      throw new Error("rule groups are being evaluated: reload with reload(), which waits for them");
    }
    const old = new Map(this.groups.map((g) => [g.key, g]));
    const next = files.flatMap(({ file, groups }) =>
      groups.map((g) => new RuleGroup(g, file, g.interval ?? this.defaultIntervalMs, this.ctx)),
    );
    const now = this.ctx.clock.now();
    // A rule moved to another group or file starts over there (as in Prometheus) but goes on
    // sending the same alerts: resolving them would only make the receiver see them flap.
    const stillThere = new Set(next.flatMap((g) => g.rules.map((r) => r.match)));
    const gone: { group: RuleGroup; rules: RuleEntry[] }[] = [];
    for (const g of next) {
      const before = old.get(g.key);
      if (before) {
        gone.push({ group: before, rules: g.copyState(before) });
        old.delete(g.key);
      }
    }
    for (const removed of old.values()) {
      removed.markAllStale(now);
      gone.push({ group: removed, rules: removed.rules });
    }
    const resolves = gone.flatMap(({ group, rules }) =>
      group.resolvesOf(
        rules.filter((r) => !stillThere.has(r.match)),
        now,
      ),
    );
    const store = this.ctx.store;
    if (store) {
      const keys = next.flatMap((g) => g.rules.flatMap((r) => (r.ruleKey ? [r.ruleKey] : [])));
      store.retainRules(keys);
      const stored = new Map<string, StoredAlert[]>();
      for (const a of store.load()) {
        stored.set(a.ruleKey, [...(stored.get(a.ruleKey) ?? []), a]);
      }
      for (const g of next) {
        g.restore(stored, now, this.restoreOptions);
      }
    }
    this.groups = next;
    if (resolves.length > 0) {
      try {
        this.ctx.notify(resolves);
      } catch (err) {
        this.ctx.logger.error({ err }, "alert notification sink failed");
      }
    }
    if (wasRunning) {
      this.start();
    }
  }

  /**
   * load() for running groups (SIGHUP, POST /-/reload): waits for evaluations in progress, so none
   * changes an alert after its state was taken over, then loads and restarts the groups.
   */
  async reload(files: { file: string; groups: RuleGroupConfig[] }[]): Promise<void> {
    const wasRunning = this.running;
    this.stop();
    await Promise.all(this.groups.map((g) => g.idle()));
    this.running = wasRunning;
    this.load(files);
  }

  start(): void {
    this.running = true;
    this.groups.forEach((g) => g.start());
  }

  stop(): void {
    this.running = false;
    this.groups.forEach((g) => g.stop());
  }

  groupHealth(): GroupHealth[] {
    return this.groups.map((g) => g.health);
  }

  /** Each group's evaluation counters, labelled as Prometheus does (rule_group="<file>;<name>"). */
  evaluationCounts(): { ruleGroup: string; evaluations: number; failures: number }[] {
    return this.groups.map((g) => ({ ruleGroup: `${g.file};${g.config.name}`, ...g.counts }));
  }

  /** Evaluates every group once at `t` (tests, and `lineops` after a reload). */
  async evaluateAll(t: number): Promise<void> {
    for (const g of this.groups) {
      await g.evaluate(t);
    }
  }
}
