// The alerting engine: Alertmanager's side of alerting inside lineops. It takes alerts (POSTed to
// the v2 API, or from lineops's own alerting rules), keeps them durably, groups them by route,
// suppresses what inhibition, time intervals and silences say, and notifies every receiver channel,
// remembering what it sent so neither a reload nor a restart repeats or loses a notification.
import type { Clock, TimerHandle } from "../clock.js";
import { systemClock } from "../clock.js";
import { AlertRepository } from "../store/alerts.js";
import type { Db } from "../store/db.js";
import { NotificationLogRepository } from "../store/notification-log.js";
import { SilenceRepository } from "../store/silences.js";
import { routeTreeOf, type AlertingConfig } from "./config/load.js";
import type { WebhookConfig } from "./config/schema.js";
import { AlertStore, isResolved, prepareAlerts, type HeldAlert } from "./dispatch/alert-store.js";
import { alertingConfigYaml } from "./dispatch/config-yaml.js";
import { Dispatcher } from "./dispatch/dispatcher.js";
import { buildIntegrations, closeIntegrations, type ReceiverIntegrations } from "./dispatch/integrations.js";
import { inhibitingFingerprint, notificationPipeline } from "./dispatch/pipeline.js";
import { compareAlerts, compareGroups } from "./dispatch/sort.js";
import { NotificationLog } from "./nflog/nflog.js";
import { httpClientConfigOf } from "./notify/channels/config.js";
import { WebhookNotifier } from "./notify/webhook.js";
import { Inhibitor } from "./routing/inhibit.js";
import { matchesAll } from "./routing/matchers.js";
import type { Route } from "./routing/route-tree.js";
import { isActive } from "./routing/time-intervals.js";
import { Silences } from "./silences/silences.js";
import type { ObservedAlert } from "./incidents/manager.js";
import type { Receipt } from "./notify/channel.js";
import type { AlertGroupView, AlertingService, AlertQuery, AlertView, IncomingAlert } from "./types.js";

/**
 * An alert of lineops's own rules, as the rule manager hands it over (monitoring's AlertForDispatch,
 * restated here so alerting does not import monitoring: main.ts passes `notify` across).
 */
export type RuleAlert = {
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
};

export type AlertingLogger = {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type AlertingEngineOptions = {
  config: AlertingConfig;
  db: Db;
  clock?: Clock;
  logger: AlertingLogger;
  /** lineops's API address: the notifications' externalURL. Read at each notification. */
  externalURL: () => string;
  /** How often resolved alerts whose resolve went out are deleted. Default 30 min (Alertmanager's --alerts.gc-interval). */
  alertGcIntervalMs?: number;
  /**
   * Incidents (alerting/incidents): every alert the dispatcher takes, firing or resolved, silenced
   * and inhibited ones left out, is handed over as it arrives; alerts that resolve by timing out are
   * handed over by a sweep every `incidentSweepMs` (default 10 s).
   */
  incidents?: IncidentObserver;
  incidentSweepMs?: number;
  /** Retry backoff of deliveries; tests shorten it. Defaults are deliver()'s (500 ms, max 60 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told about every notification a receiver confirmed (see Receipt). */
  onReceipt?: (receipt: Receipt) => void;
  /**
   * Alarm management (alarms/, ISA-18.2): sees every alert change, and keeps shelved, suppressed
   * by design and flood-covered alarms from notifying, as silences do.
   */
  alarms?: AlarmHook;
};

/** What the engine asks of alarm management (AlarmManager fits). */
export type AlarmHook = {
  observe(alerts: readonly HeldAlert[]): void;
  mutes(labels: Readonly<Record<string, string>>, now: number): boolean;
};

export interface AlertingEngine extends AlertingService {
  /** What lineops's own alerting rules call (createMonitoringEngine's `alerting.notify`); never throws. */
  readonly notify: (alerts: RuleAlert[]) => void;
  /** Builds the groups of every stored alert and starts notifying and garbage collection. */
  start(): void;
  /** Stops timers and deliveries in flight (waits for them); alerts, silences and the log stay in the store. */
  stop(): Promise<void>;
  /** Takes a new (validated) configuration; alerts, silences and the notification log are kept. */
  reload(config: AlertingConfig): void;
  /** Resolves once the notifications being sent now are done (delivered, failed or cut short). */
  whenIdle(): Promise<void>;
}

export const DEFAULT_ALERT_GC_INTERVAL_MS = 30 * 60_000;
const DEFAULT_INCIDENT_SWEEP_MS = 10_000;

/** What the engine feeds incidents (IncidentManager.observe). */
export type IncidentObserver = { observe(alerts: ObservedAlert[]): void };

/** The webhook notifier of one <webhook_config>. */
export function webhookNotifierOf(w: WebhookConfig): WebhookNotifier {
  return new WebhookNotifier({
    ...(w.url !== undefined ? { url: w.url } : {}),
    ...(w.url_file !== undefined ? { urlFile: w.url_file } : {}),
    sendResolved: w.send_resolved,
    maxAlerts: w.max_alerts,
    timeoutMs: w.timeout,
    ...(w.http_config !== undefined ? { httpConfig: httpClientConfigOf(w.http_config) } : {}),
  });
}

/** An alert of lineops's own rules as the API would take it (Prometheus's notifier sends the same fields). */
export function incomingAlertOf(a: RuleAlert): IncomingAlert {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    generatorURL: a.generatorURL,
  };
}

/** What the engine builds from one configuration; replaced whole on reload. */
type Running = {
  config: AlertingConfig;
  tree: Route;
  receivers: ReceiverIntegrations;
  inhibitor: Inhibitor;
  /** The store's change count the inhibitor was last fed at. */
  inhibitorAt: number;
};

export function createAlertingEngine(options: AlertingEngineOptions): AlertingEngine {
  const clock = options.clock ?? systemClock;
  const { logger } = options;
  const store = new AlertStore(new AlertRepository(options.db), clock, logger);
  const silences = new Silences(new SilenceRepository(options.db), { clock, logger });
  const nflog = new NotificationLog(new NotificationLogRepository(options.db), { clock, logger });
  const startedAt = clock.now();
  let running = build(options.config);
  let dispatcher: Dispatcher | undefined;
  let gcTimer: TimerHandle | undefined;
  let sweepTimer: TimerHandle | undefined;

  function build(config: AlertingConfig): Running {
    const tree = routeTreeOf(config);
    return {
      config,
      tree,
      receivers: buildIntegrations(config, { now: () => clock.now() }),
      inhibitor: new Inhibitor(config.inhibit_rules),
      inhibitorAt: -1,
    };
  }

  /** The inhibitor over the alerts held now (re-indexed only when they changed). */
  function inhibitor(): Inhibitor {
    if (running.inhibitorAt !== store.changes) {
      running.inhibitor.setAlerts(store.all());
      running.inhibitorAt = store.changes;
    }
    return running.inhibitor;
  }

  function newDispatcher(r: Running): Dispatcher {
    const pipeline = notificationPipeline({
      clock,
      receivers: r.receivers,
      timeIntervals: r.config.timeIntervals,
      inhibitor,
      silences,
      ...(options.alarms !== undefined ? { alarms: options.alarms } : {}),
      nflog,
      externalURL: options.externalURL,
      logger,
      ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
      ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
      ...(options.onReceipt !== undefined ? { onReceipt: options.onReceipt } : {}),
    });
    const d = new Dispatcher(r.tree, clock, pipeline, logger);
    // Every held alert is grouped again: after a restart the stored ones, after a reload all of
    // them under the new routes. The notification log keeps this from repeating notifications.
    for (const a of store.all()) {
      d.process(a);
    }
    return d;
  }

  function receive(alerts: IncomingAlert[]): void {
    const records = prepareAlerts(alerts, clock.now(), running.config.global.resolve_timeout);
    const held = store.put(records);
    options.alarms?.observe(held);
    for (const a of held) {
      dispatcher?.process(a);
    }
    observeIncidents(held);
  }

  /**
   * Hands alerts to incidents as the dispatcher sees them: a firing alert a silence or an inhibition
   * mutes is left out (it pages nobody, so it opens nothing); resolved alerts always go, so an
   * incident holding one learns it ended. Never throws: incidents must not stop alert intake.
   */
  function observeIncidents(held: readonly HeldAlert[]): void {
    const incidents = options.incidents;
    if (incidents === undefined || held.length === 0) {
      return;
    }
    try {
      const now = clock.now();
      const inhibiting = inhibitor();
      const out: ObservedAlert[] = [];
      for (const a of held) {
        const resolved = isResolved(a, now);
        if (
          !resolved &&
          (silences.mutes(a.labels, now).length > 0 ||
            inhibitingFingerprint(inhibiting, a.labels, now) !== undefined)
        ) {
          continue;
        }
        out.push({
          fingerprint: a.fingerprint,
          labels: a.labels,
          annotations: a.annotations,
          startsAt: a.startsAt,
          endsAt: a.endsAt,
          status: resolved ? "resolved" : "firing",
          ...(a.generatorURL !== "" ? { generatorURL: a.generatorURL } : {}),
        });
      }
      incidents.observe(out);
    } catch (err) {
      logger.error({ err }, `incidents refused alerts: ${(err as Error).message}`);
    }
  }

  /** Alerts that resolved by timing out (no resolve was sent) reach incidents here. */
  function scheduleIncidentSweep(): void {
    if (options.incidents === undefined) {
      return;
    }
    sweepTimer = clock.setTimer(() => {
      const now = clock.now();
      observeIncidents(store.all().filter((a) => isResolved(a, now)));
      scheduleIncidentSweep();
    }, options.incidentSweepMs ?? DEFAULT_INCIDENT_SWEEP_MS);
  }

  /** Live status, as Alertmanager's API computes it on each GET: silences and inhibition now. */
  function view(a: HeldAlert, now: number): AlertView {
    const routes = running.tree.match(a.labels);
    const silencedBy = silences.mutes(a.labels, now);
    const inhibiting = inhibitingFingerprint(inhibitor(), a.labels, now);
    const inhibitedBy = inhibiting === undefined ? [] : [inhibiting];
    const mutedBy = [
      ...new Set(
        routes.flatMap((r) => [
          ...r.opts.muteTimeIntervals.filter((n) => isActive(running.config.timeIntervals.get(n) ?? [], now)),
          ...(r.opts.activeTimeIntervals.length > 0 &&
          !r.opts.activeTimeIntervals.some((n) => isActive(running.config.timeIntervals.get(n) ?? [], now))
            ? r.opts.activeTimeIntervals
            : []),
        ]),
      ),
    ];
    return {
      fingerprint: a.fingerprint,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      updatedAt: a.updatedAt,
      ...(a.generatorURL !== "" ? { generatorURL: a.generatorURL } : {}),
      receivers: routes.map((r) => r.opts.receiver),
      status: {
        state: silencedBy.length > 0 || inhibitedBy.length > 0 ? "suppressed" : "active",
        silencedBy,
        inhibitedBy,
        mutedBy,
      },
    };
  }

  /** Alertmanager's alertFilter: resolved alerts never show; then state, silenced, inhibited, matchers. */
  function passes(v: AlertView, q: AlertQuery, now: number): boolean {
    if (isResolved(v, now)) {
      return false;
    }
    if (q.active === false && v.status.state === "active") {
      return false;
    }
    if (q.unprocessed === false && v.status.state === "unprocessed") {
      return false;
    }
    if (q.silenced === false && v.status.silencedBy.length > 0) {
      return false;
    }
    if (q.inhibited === false && v.status.inhibitedBy.length > 0) {
      return false;
    }
    return matchesAll(q.filter ?? [], v.labels);
  }

  function alerts(q: AlertQuery = {}): AlertView[] {
    const now = clock.now();
    return store
      .all()
      .map((a) => view(a, now))
      .filter((v) => (q.receiver === undefined || v.receivers.some(q.receiver)) && passes(v, q, now))
      .sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : x.fingerprint > y.fingerprint ? 1 : 0));
  }

  function groups(q: AlertQuery = {}): AlertGroupView[] {
    const now = clock.now();
    const out: AlertGroupView[] = [];
    for (const g of dispatcher?.groups() ?? []) {
      const receiver = g.route.opts.receiver;
      if (q.receiver !== undefined && !q.receiver(receiver)) {
        continue;
      }
      const shown = [...g.alerts.values()]
        .sort(compareAlerts)
        .map((a) => view(a, now))
        .filter((v) => passes(v, q, now));
      if (shown.length > 0) {
        out.push({ labels: g.labels, receiver, alerts: shown });
      }
    }
    return out.sort(compareGroups);
  }

  const notify = (list: RuleAlert[]): void => {
    try {
      receive(list.map(incomingAlertOf));
    } catch (err) {
      // A rule's alert the dispatcher refuses (a rule without alertname is impossible, but a
      // label value may be) must not stop rule evaluation: it is logged and dropped.
      logger.error({ err }, `alerts of lineops's rules refused: ${(err as Error).message}`);
    }
  };

  function scheduleGc(): void {
    gcTimer = clock.setTimer(() => {
      try {
        const n = store.gc((fp) => dispatcher?.holds(fp) ?? false);
        if (n > 0) {
          logger.debug({ deleted: n }, "resolved alerts garbage-collected");
        }
      } catch (err) {
        logger.warn({ err }, `alert garbage collection failed: ${(err as Error).message}`);
      }
      scheduleGc();
    }, options.alertGcIntervalMs ?? DEFAULT_ALERT_GC_INTERVAL_MS);
  }

  return {
    receive,
    alerts,
    groups,
    silences,
    notify,
    receivers: () => running.config.receivers.map((r) => r.name),
    status: () => ({ configYaml: alertingConfigYaml(running.config), startedAt }),
    whenIdle: async () => {
      await dispatcher?.whenIdle();
    },
    start() {
      if (dispatcher !== undefined) {
        return;
      }
      for (const w of running.config.warnings) {
        logger.warn({}, w);
      }
      dispatcher = newDispatcher(running);
      silences.startMaintenance();
      nflog.startMaintenance();
      scheduleGc();
      // After a restart the stored alerts are handed over again: incidents deduplicate them.
      observeIncidents(store.all());
      scheduleIncidentSweep();
      logger.info({ alerts: store.size, groups: dispatcher.groups().length }, "alert dispatcher started");
    },
    async stop() {
      silences.stopMaintenance();
      nflog.stopMaintenance();
      if (gcTimer !== undefined) {
        clock.clearTimer(gcTimer);
        gcTimer = undefined;
      }
      if (sweepTimer !== undefined) {
        clock.clearTimer(sweepTimer);
        sweepTimer = undefined;
      }
      const d = dispatcher;
      dispatcher = undefined;
      await d?.stop();
      await closeNotifiers(running, logger);
    },
    reload(config) {
      const next = build(config);
      const old = running;
      const oldDispatcher = dispatcher;
      running = next;
      if (oldDispatcher !== undefined) {
        // As Alertmanager's reload: the old dispatcher stops (deliveries in flight are cut short and
        // retried by the new groups), the new one groups every held alert under the new routes.
        dispatcher = newDispatcher(next);
        void oldDispatcher.stop().then(() => closeNotifiers(old, logger));
      } else {
        void closeNotifiers(old, logger);
      }
      for (const w of config.warnings) {
        logger.warn({}, w);
      }
      logger.info({ receivers: config.receivers.length }, "alerting configuration reloaded");
    },
  };
}

/** Closes a replaced or stopped configuration's channels (SMTP pools, MQTT clients, keep-alive sockets). */
function closeNotifiers(r: Running, logger?: AlertingLogger): Promise<void> {
  return closeIntegrations(r.receivers, (key, err) =>
    logger?.warn({ integration: key, err: (err as Error).message }, "closing a notification channel failed"),
  );
}
