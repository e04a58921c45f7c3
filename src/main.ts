// Composition root: config -> store -> runtime -> router -> engines -> API. Starts them in
// dependency order and stops them in reverse (the order is written out at stop()). Nothing else
// happens here.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Server as TlsServer } from "node:tls";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { pino, type Logger } from "pino";
import { createMetrics } from "./api/metrics.js";
import { startDemoTraffic, type DemoTraffic } from "./demo-traffic.js";
import { routeTable, type RouteEntry } from "./api/auth.js";
import { buildServer } from "./api/server.js";
import { Autoscaler, InfrastructureHealth, ResourceOptimizer } from "./infrastructure/index.js";
import { reloadStatus } from "./api/reload-status.js";
import { TlsFiles } from "./api/tls.js";
import { checkListeners, urlHost } from "./api/transport.js";
import {
  AlarmManager,
  alarmConfigOf,
  createAlertingEngine,
  IncidentManager,
  lineStatesFromQuerier,
  loadLinkSecret,
  type AlertingEngine,
  type IncidentsConfig,
  type Topology,
} from "./alerting/index.js";
import { AlarmRepository } from "./store/alarms.js";
import { loadDashboardFiles, registerOeeSeries, ShiftCalendar, stationsOf } from "./dashboard/index.js";
import {
  alertingConfigOf,
  resolveConfig,
  type ConfigOverrides,
  type ResolvedConfig,
} from "./config/config.js";
import type { LineSpec } from "./config/line-schema.js";
import { createAnalysisRunner, DeploymentEngine, gateWaiter, loadLineFile } from "./deployment/index.js";
import { EventBus } from "./events/bus.js";
import {
  createDashboardEngine,
  PdfRenderer,
  ReportService,
  type DashboardEngine,
} from "./dashboard/index.js";
import { systemClock } from "./clock.js";
import { ReportRepository } from "./store/reports.js";
import {
  checkTsdbFormat,
  createMonitoringEngine,
  InstanceDiscovery,
  loadRuleFile,
  type MonitoringEngine,
} from "./monitoring/index.js";
import { PortAllocator } from "./runtime/process/ports.js";
import { ProcessRuntime } from "./runtime/process/runtime.js";
import { RuntimeErrors } from "./runtime/errors.js";
import { FrontDoorPorts } from "./runtime/front-door-ports.js";
import { DataPlaneClient } from "./runtime/dataplane/client.js";
import { AuditRepository } from "./store/audit.js";
import { DeploymentRepository } from "./store/deployments.js";
import { openDb } from "./store/db.js";
import { secureDataDir } from "./store/permissions.js";
import { AlertStateRepository } from "./store/alert-state.js";
import { DashboardRepository } from "./store/dashboards.js";
import { FrontDoorRepository } from "./store/front-doors.js";
import { RevisionRepository } from "./store/revisions.js";
import { SessionRepository } from "./store/sessions.js";
import { TokenRepository } from "./store/tokens.js";
import { UserRepository } from "./store/users.js";
import { OnCallDirectory } from "./alerting/index.js";
import { Delivery } from "./alerting/index.js";
import { ContactRepository } from "./store/contacts.js";
import { ScheduleRepository } from "./store/schedules.js";
import { TeamRepository } from "./store/teams.js";
import { VERSION } from "./version.js";
import { randomBytes } from "node:crypto";
import { hashPassword, verifyPassword } from "./api/password.js";

export type StartOptions = ConfigOverrides & {
  pretty?: boolean;
  /** Demo mode: traffic generator on. */
  traffic?: boolean;
  /** Called with the first admin token, the only time its plaintext exists. */
  onAdminToken?: (token: string) => void;
  logger?: Logger;
  /** How often the autoscaler decides (the HPA's sync period); default 15 s. */
  autoscalerSyncPeriodMs?: number;
  /** The web app's build to serve at / (default: the package's dist/web). */
  webDir?: string;
};

export type Lineops = {
  config: ResolvedConfig;
  url: string;
  logger: Logger;
  tokens: TokenRepository;
  /** Web app users and their sign-in sessions. */
  users: UserRepository;
  sessions: SessionRepository;
  /** People and on-call: contact methods, teams, schedules; resolve() for escalation. */
  oncall: OnCallDirectory;
  deployment: DeploymentEngine;
  monitoring: MonitoringEngine;
  /** Alertmanager's side: alerts from lineops's rules and the v2 API, routed to receivers. */
  alerting: AlertingEngine;
  /** Incidents: correlated alerts with root cause, timeline and one-click links. */
  incidents: IncidentManager;
  /** ISA-18.2 alarm management over the alerts: history, shelving, floods, KPIs. */
  alarms: AlarmManager;
  runtime: ProcessRuntime;
  /** The autoscaler (P11): decisions per service, and the guarded scale operation. */
  autoscaler: Autoscaler;
  /** The data plane's client: the front doors' routing table as the data plane holds it. */
  frontDoors: DataPlaneClient;
  /** What the engines publish: instance changes, deployments and their every event. */
  bus: EventBus;
  /** The web dashboard's server side: live streams (SSE) and query subscriptions. */
  dashboard: DashboardEngine;
  /** Resolves once the line applied at start has settled (every service ready or failed). */
  settled: Promise<void>;
  /** Re-reads lineops.yaml's rule files and alerting config, then the line file, and applies them (SIGHUP). */
  reload(): Promise<unknown>;
  /** The API's route table: every route with its role and accepted body types. */
  routes: readonly RouteEntry[];
  /** Calls the API in this process, without a socket (Fastify's inject): tests of route behaviour. */
  inject(request: InjectOptions): Promise<LightMyRequestResponse>;
  /**
   * Stops lineops. `stopLine` (default true, as tests and the demo want) also stops the line's
   * instances and front doors; `lineops serve` passes false unless --stop-line, so the line keeps
   * running and the next start re-adopts it. Rollouts in progress stop where they are, persisted.
   */
  stop(opts?: { stopLine?: boolean }): Promise<void>;
};

export function createLogger(level: ResolvedConfig["logging"]["level"], pretty: boolean): Logger {
  return pretty
    ? pino({ level, transport: { target: "pino-pretty", options: { destination: 2 } } })
    : pino({ level }, pino.destination({ dest: 1, sync: false }));
}

/** How long requests in flight may take to finish when lineops stops. */
const STOP_GRACE_MS = 5_000;

export async function startLineops(opts: StartOptions): Promise<Lineops> {
  const config = resolveConfig(opts);
  // Validate the line before anything starts: bad input must leave nothing running.
  const initialLine: LineSpec | undefined = config.lineFile ? loadLineFile(config.lineFile) : undefined;
  const ruleFiles = config.ruleFiles.map((file) => ({ file, groups: loadRuleFile(file).groups }));
  const dashboardFiles = loadDashboardFiles(config.dashboardFiles, Date.now());
  const alertingConfig = alertingConfigOf(config);
  /** This API's address once it listens: alerts' generatorURL and templates' $externalURL. */
  let externalURL = "";
  const { web } = config;
  // Certificate, key and the bind rule are checked before anything starts, like the line.
  const tlsFiles = web.tls_server_config
    ? new TlsFiles({ certFile: web.tls_server_config.cert_file, keyFile: web.tls_server_config.key_file })
    : undefined;
  const insecure = checkListeners(
    [
      { what: "the API", host: config.server.host, tls: tlsFiles !== undefined },
      { what: "the front doors", host: web.front_doors.host, tls: web.front_doors.tls },
    ],
    web.allow_insecure,
  );
  const logger =
    opts.logger ?? createLogger(config.logging.level, opts.pretty ?? process.stdout.isTTY === true);
  for (const warning of insecure) {
    logger.warn(warning);
  }

  // The TSDB creates its directory with default modes; made here first, it starts out private.
  const modes = secureDataDir(config.dataDir, ["tsdb"]);
  if (modes.changed.length > 0) {
    logger.warn(
      { paths: modes.changed },
      "tightened permissions in the data dir (directories 0700, files 0600)",
    );
  }
  if (modes.failed.length > 0) {
    logger.error(
      { paths: modes.failed },
      "cannot tighten permissions in the data dir: other users may read lineops state",
    );
  }
  // A downgrade is refused before anything is written: the TSDB's format, then the store's schema.
  checkTsdbFormat(path.join(config.dataDir, "tsdb"));
  const db = openDb(config.dataDir);
  const tokens = new TokenRepository(db);
  const users = new UserRepository(db);
  const sessions = new SessionRepository(db, {
    idleMs: web.sessions.idle_timeout,
    absoluteMs: web.sessions.max_lifetime,
  });
  const audit = new AuditRepository(db);
  // People and on-call: who is to be notified (escalation resolves schedules and teams through it).
  const oncall = new OnCallDirectory({
    users,
    contacts: new ContactRepository(db),
    teams: new TeamRepository(db),
    schedules: new ScheduleRepository(db),
  });
  const revisions = new RevisionRepository(db);
  // ISA-18.2 alarm management over the alerts (docs/alarms.md); flood summaries go to the log until
  // the notification outbox takes them (FloodSummarySink, NotificationEvent "flood").
  const alarms = new AlarmManager({
    repo: new AlarmRepository(db),
    config: alarmConfigOf(),
    clock: systemClock,
    logger,
    audit,
    floodSink: {
      floodSummary: (summary) => logger.warn({ summary }, `alarm ${summary.event} at ${summary.position}`),
    },
    lineStates: { states: (now) => lineStatesFromQuerier(monitoring.querier).states(now) },
  });
  // Alerts, silences and the notification log are read back from the store here; notifying starts
  // once the API listens (externalURL is known), before the rules evaluate.
  const bus = new EventBus((err, topic) => logger.error({ err, topic }, "event subscriber failed"));
  // Incidents: correlated over the line's topology (read from the deployment engine below, kept
  // current on line and deployment events); deployments and rollback requests go over the bus.
  let topology: Topology = { services: [] };
  // Escalation and the outbox (built below, once /metrics exists) are the incidents' sink; the
  // manager enqueues nothing before it starts, by which time `delivery` is set.
  // eslint-disable-next-line prefer-const
  let delivery: Delivery;
  const incidents = new IncidentManager({
    sink: { enqueue: (items) => delivery.runner.enqueue(items) },
    db,
    logger,
    bus,
    linkSecret: loadLinkSecret(config.dataDir),
    externalURL: () => externalURL,
    topology: () => topology,
    config: incidentsConfigOf(config.incidents),
  });
  // Alarm KPIs take their MTTA from incident acknowledgements.
  alarms.acknowledgements = incidents;
  const alerting = createAlertingEngine({
    config: alertingConfig,
    db,
    logger,
    externalURL: () => externalURL,
    incidents,
    alarms,
  });
  // One pool for instances (always on loopback) and front doors (on web.front_doors.host): a port is
  // handed out only if it is free on both. It once test-bound on the API's host instead.
  const ports = new PortAllocator(["127.0.0.1", web.front_doors.host]);
  // Front-door ports are allocated once and kept in the store: a service keeps its address across
  // restarts. Reserved before any instance starts or is adopted, so no instance takes one.
  const frontDoorPorts = new FrontDoorPorts(new FrontDoorRepository(db), ports);
  frontDoorPorts.reserveAll();
  const runtime = new ProcessRuntime({
    dataDir: config.dataDir,
    logger,
    ports,
    restart: {
      initialBackoffMs: config.runtime.restart.initialBackoff,
      maxBackoffMs: config.runtime.restart.maxBackoff,
      crashLoop: {
        maxRestarts: config.runtime.restart.crashLoop.maxRestarts,
        windowMs: config.runtime.restart.crashLoop.window,
      },
    },
    logs: config.runtime.logs,
    stopTimeoutMs: config.runtime.stopTimeout,
  });
  // lineops's own /metrics; its closures read engines built below, only when /metrics is scraped.
  const metrics = createMetrics(
    () => runtime,
    () => ({
      headSeries: () => monitoring.storage.stats(0).numSeries,
      samplesAppended: () => monitoring.samplesAppended,
      tsdbRejected: () => monitoring.storage.rejectedCounts(),
      ingestRejected: () => monitoring.rejectedSamples(),
      quarantinedBlocks: () => monitoring.storage.repaired.blocks.length,
      ruleEvaluations: () => monitoring.rules.evaluationCounts(),
    }),
    { routerMetrics: false, events: bus },
  );
  const monitoring = await createMonitoringEngine({
    dataDir: config.dataDir,
    config: config.monitoring,
    scrapeConfigs: config.scrape_configs,
    ruleFiles,
    logger,
    // Alerting rules: state in the store (a restart keeps firing alerts firing and `for` progress),
    // templates expanded by the Go text/template engine, generatorURL on this API; their alerts go
    // to the alerting engine's dispatcher, as an external Prometheus's would.
    alerting: {
      store: new AlertStateRepository(db),
      externalURL: () => externalURL,
      notify: alerting.notify,
    },
  });
  // The front doors live in the data plane, a process of their own that outlives lineops: found
  // running (and re-adopted) or started here; configured over its local socket. Its router metrics
  // are appended to lineops's /metrics (job="lineops"). Opened after the TSDB took the data dir's
  // lock, so a second lineops on the same data dir never reconfigures this one's front doors.
  let frontDoors: DataPlaneClient;
  try {
    frontDoors = await DataPlaneClient.open({
      dataDir: config.dataDir,
      host: web.front_doors.host,
      logger,
      ...(tlsFiles && web.front_doors.tls ? { tls: tlsFiles.paths } : {}),
      portFor: (service, requested) => frontDoorPorts.portFor(service, requested),
    });
  } catch (err) {
    await monitoring.stop();
    db.close();
    throw err;
  }
  const deployment = new DeploymentEngine({
    runtime,
    frontDoorPorts,
    deployments: new DeploymentRepository(db),
    // Gates and analyses read the line's metrics through monitoring's typed query interface.
    gates: gateWaiter(monitoring.querier),
    analysis: createAnalysisRunner({ querier: monitoring.querier }),
    frontDoors,
    revisions,
    bus,
    logger,
    stopTimeoutMs: config.runtime.stopTimeout,
    readyTimeoutMs: config.runtime.readyTimeout,
    ...(config.lineFile ? { lineFile: config.lineFile } : {}),
  });

  const refreshTopology = () => {
    topology = lineTopology(deployment);
  };
  bus.on("line.applied", refreshTopology);
  bus.on("deployment.finished", refreshTopology);

  // OEE: the shift calendar (re-read on reload) and the series oee.rules.yml needs from the config.
  let shifts = new ShiftCalendar(config.shifts);
  registerOeeSeries(metrics.registry, {
    line: () => deployment.line().name,
    calendar: () => shifts,
    stations: () => stationsOf(deployment),
  });

  // Every live instance of the line is a scrape target (monitoring's instance discovery).
  const discovery = new InstanceDiscovery({
    source: runtime,
    sink: (targets, pids) => monitoring.setInstances(targets, pids),
    metricsPath: (service) => deployment.metricsPath(service),
    line: () => deployment.line().name,
    logger,
  });

  // The web dashboard's server side: live updates (bus events, alerts and subscribed queries, pushed
  // after commits) and user dashboards (stored, and provisioned from dashboard_files).
  const dashboard = createDashboardEngine({
    bus,
    monitoring,
    alerting,
    logger,
    registry: metrics.registry,
    dashboards: new DashboardRepository(db),
    provisioned: dashboardFiles,
  });
  dashboard.start();

  let ready = false;
  delivery = new Delivery({ db, config: alertingConfig, oncall, logger, registry: metrics.registry });
  delivery.attach(incidents);
  // What /api/v1/status/config shows: the config last loaded successfully.
  const loaded = { config };
  const reloadConfig = async () => {
    // A bad certificate on reload throws here and keeps the running one (and the running line).
    const tls = tlsFiles?.reload();
    if (tls) {
      logger.info({ fingerprint: tls.fingerprint, validTo: tls.validTo }, "TLS certificate reloaded");
    }
    // lineops.yaml's rule_files, read again; a bad file throws before anything changes, and alerts
    // whose rule still exists keep their state.
    // The alerting configuration too, read and checked before either changes: a bad one (a route
    // naming an unknown receiver) throws and the running one stays. Alerts, silences and the
    // notification log are kept.
    const fresh = resolveConfig(opts);
    const files = fresh.ruleFiles.map((file) => ({ file, groups: loadRuleFile(file).groups }));
    const nextAlerting = alertingConfigOf(fresh);
    const nextDashboards = loadDashboardFiles(fresh.dashboardFiles, Date.now());
    await monitoring.reloadRules(files);
    logger.info({ files: files.map((f) => f.file) }, "rule files reloaded");
    delivery.reload(nextAlerting);
    alerting.reload(nextAlerting);
    dashboard.dashboards.setProvisioned(nextDashboards);
    shifts = new ShiftCalendar(fresh.shifts);
    loaded.config = fresh;
    return deployment.reloadLine();
  };
  // Reloads run one at a time; the last one's outcome is on /metrics.
  const reloads = reloadStatus(metrics.registry);
  const reload = () => reloads.run(reloadConfig);
  // Analytics over weeks read the downsampled tiers (docs/monitoring.md).
  const analytics = () => ({
    line: deployment.line().name,
    calendar: shifts,
    querier: monitoring.tieredQuerier,
    slo: loaded.config.slo,
    services: deployment.line().order.flat(),
  });
  // Operations reports on request and on schedules (docs/reports.md); files in <dataDir>/reports.
  const reports = new ReportService({
    sources: {
      analytics,
      rawQuerier: monitoring.querier,
      deployments: () => deployment.deployments(),
      revisions,
    },
    repository: new ReportRepository(db),
    dir: path.join(config.dataDir, "reports"),
    config: () => loaded.config.reports,
    clock: systemClock,
    pdf: new PdfRenderer(),
    logger: logger.child({ component: "reports" }),
  });
  // Infrastructure health (host, node targets, runtime, instances): the Infrastructure page's summary.
  const infrastructure = new InfrastructureHealth({
    querier: monitoring.querier,
    instances: () => runtime.list(),
    staleAfterMs: 3 * config.monitoring.host.interval,
  });
  const infrastructureHealth = { health: (nowMs: number) => infrastructure.summary(nowMs) };
  // Right-sizing and capacity planning (docs/right-sizing.md): a week of per-instance series, so tiered.
  const optimizer = new ResourceOptimizer({
    querier: monitoring.tieredQuerier,
    services: () =>
      deployment
        .line()
        .order.flat()
        .filter((n) => deployment.hasService(n))
        .map((n) => deployment.service(n).spec),
    instances: () => runtime.list(),
  });
  // The autoscaler scales through the deployment engine's scale seam (it never imports deployment).
  const autoscaler = new Autoscaler({
    target: deployment,
    querier: monitoring.querier,
    instances: (service) => runtime.list({ service }),
    bus,
    logger: logger.child({ component: "autoscaler" }),
    registry: metrics.registry,
    ...(opts.autoscalerSyncPeriodMs === undefined ? {} : { syncPeriodMs: opts.autoscalerSyncPeriodMs }),
  });
  const app = await buildServer(
    {
      version: VERSION,
      logger,
      deployment,
      monitoring,
      runtime,
      revisions,
      tokens,
      users,
      sessions,
      audit,
      oncall,
      metrics: metrics.registry,
      isReady: () => ready,
      reload,
      analytics,
      reports,
      server: {
        config: () => loaded.config,
        flags: opts,
        startTime: Date.now() - process.uptime() * 1000,
        lastReload: () => reloads.last(),
        alertingYaml: () => alerting.status().configYaml,
      },
      routing: { table: () => frontDoors.table(), frontDoorHost: web.front_doors.host },
      infrastructure: infrastructureHealth,
      optimizer,
      scaling: autoscaler,
      // The Alertmanager API v2 (/api/v2/...): amtool, Prometheus and lineops's CLI talk to it.
      alerting,
      incidents,
      alarms,
      escalation: delivery,
      dashboard,
    },
    {
      bodyLimitBytes: config.server.bodyLimitBytes,
      metrics,
      moreMetrics: () => frontDoors.metricsText(),
      policy: {
        listenHost: config.server.host,
        allowedHosts: web.allowed_hosts,
        tls: tlsFiles !== undefined,
      },
      ...(tlsFiles ? { https: tlsFiles.current.options } : {}),
      ...(opts.webDir === undefined ? {} : { webDir: opts.webDir }),
    },
  );

  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    // A failed start leaves a running line as it is; a data plane it just spawned for nothing goes.
    const doors = await frontDoors.table().then(
      (t) => Object.keys(t.services).length,
      () => Infinity, // unknown: keep it
    );
    await (frontDoors.connection?.spawned && doors === 0 ? frontDoors.shutdown() : frontDoors.detach());
    await monitoring.stop();
    db.close();
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw RuntimeErrors.portInUse(
        `API port ${config.server.port} on ${config.server.host} is already in use (set --port or LINEOPS_PORT)`,
      );
    }
    throw err;
  }
  // Only now, with the port ours, is a first admin token worth minting: it is shown once.
  if (tokens.count() === 0) {
    const { token } = tokens.create("admin", "admin");
    opts.onAdminToken?.(token);
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.server.port;
  if (tlsFiles) {
    tlsFiles.use(app.server as unknown as TlsServer);
    if (web.front_doors.tls) {
      tlsFiles.use(frontDoors);
    }
  }
  const url = `${tlsFiles ? "https" : "http"}://${urlHost(config.server.host)}:${port}`;
  externalURL = url;
  logger.info({ url, dataDir: config.dataDir, version: VERSION }, "lineops API listening");

  // The line outlives lineops: instances a previous lineops left running (stopped gracefully, or
  // killed) are taken over without a restart when their pidfile's identity checks out; the
  // deployment engine then reconciles on them as on its own, replacing only what is gone.
  const adoption = await runtime.adopt();
  if (
    adoption.adopted.length + adoption.gone.length + adoption.foreign.length + adoption.stopped.length >
    0
  ) {
    logger.info(
      {
        adopted: adoption.adopted.map((i) => i.id),
        gone: adoption.gone,
        foreign: adoption.foreign,
        stopped: adoption.stopped,
      },
      `re-adopted ${adoption.adopted.length} running instances`,
    );
  }

  let traffic: DemoTraffic | undefined;
  incidents.start();
  delivery.start();
  alerting.start();
  alarms.start();
  await monitoring.start();
  await monitoring.setSelfTarget(config.server.host, port, tlsFiles ? "https" : "http");
  discovery.start();
  reports.start(); // after monitoring: a run missed while lineops was down reads the TSDB
  let stopping: Promise<void> | undefined;
  const settled = (async () => {
    await deployment.start();
    if (initialLine) {
      await deployment.applyLine(initialLine);
    }
    ready = true;
    if (!stopping) {
      autoscaler.start();
    }
    const target = deployment.hasService(config.traffic.service)
      ? deployment.service(config.traffic.service).status.url
      : undefined;
    if ((opts.traffic ?? config.traffic.enabled) && target && !stopping) {
      traffic = startDemoTraffic(target, config.traffic.ratePerSecond, logger);
      logger.info({ target, ratePerSecond: config.traffic.ratePerSecond }, "traffic generator started");
    }
  })();
  settled.catch((err: unknown) => logger.error({ err }, "applying the line failed"));

  // Start order: 1 store (db), alerting built (alerts, silences, nflog loaded) -> 2 runtime, router
  // (built) -> 3 monitoring (TSDB open) -> 4 deployment (built) -> 5 API listening -> 6 running
  // instances re-adopted -> 7a alert dispatcher started (stored alerts regrouped) -> 7 monitoring
  // started (scrape, rules, host) -> 8 instance discovery -> 9 deployment started, line applied,
  // ready, traffic. Stop runs it backwards: 9 -> 1. The one exception is the API: it is how work enters lineops,
  // so it stops accepting calls first; it listens as early as 5 because its port is what keeps a
  // second lineops from adopting this one's instances (6).
  const stop = (opts: { stopLine?: boolean } = {}) =>
    (stopping ??= (async () => {
      const stopLine = opts.stopLine ?? true;
      ready = false;
      // 5, first: no API call may start work while the rest stops (live streams end in its preClose).
      // Requests in flight get a bounded grace; then every connection is cut, including ones that
      // never sent a request, which Fastify's idle-close does not count as idle and would wait on.
      const grace = setTimeout(() => app.server.closeAllConnections(), STOP_GRACE_MS);
      await app.close();
      clearTimeout(grace);
      dashboard.stop();
      await reports.stop();
      // 9: rollouts stop where they are (a line apply at start may wait on a paused one), then
      // nothing is left half-started.
      await autoscaler.stop();
      await deployment.detachRollouts();
      await settled.catch(() => undefined);
      await traffic?.stop();
      await deployment.stop({ stopLine });
      await discovery.stop(); // 8
      await monitoring.stop(); // 7 and 3: scrape, rules and host metrics, then the TSDB
      await alarms.stop(); // a tick in flight ends before the store closes
      await alerting.stop(); // 7a: deliveries in flight end before the store closes
      await delivery.stop(); // 7b: no new escalation steps; pages in flight get their grace
      incidents.stop();
      // 2. Without stopLine the front doors keep serving their last table and the instances keep
      // running with their pidfiles: the next start re-adopts both.
      await (stopLine ? frontDoors.shutdown() : frontDoors.detach());
      await (stopLine ? runtime.close() : runtime.detach());
      db.close(); // 1
      logger.info("lineops stopped");
      logger.flush();
    })());

  const routes = routeTable(app);
  const inject = (request: InjectOptions) => app.inject(request);
  return {
    config,
    url,
    logger,
    tokens,
    users,
    sessions,
    oncall,
    deployment,
    monitoring,
    alerting,
    incidents,
    alarms,
    runtime,
    autoscaler,
    frontDoors,
    bus,
    dashboard,
    settled,
    reload,
    routes,
    inject,
    stop,
  };
}

/** Reads the demo file written by `lineops demo`: where the API is and a token for it. */
export function readDemoFile(
  dataDir: string,
): { url: string; token: string; user?: string; password?: string } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, "demo.json"), "utf8")) as {
      url: string;
      token: string;
      user?: string;
      password?: string;
    };
  } catch {
    return undefined;
  }
}

/**
 * The demo's web sign-in: user `demo` (operator) with a random password, created on the first demo
 * run; later runs keep it while demo.json still holds its password.
 */
export async function demoUser(
  lineops: Pick<Lineops, "users">,
  previous: { user?: string; password?: string } | undefined,
): Promise<{ user: string; password: string }> {
  const user = "demo";
  const existing = lineops.users.credentials(user);
  if (existing && previous?.user === user && previous.password !== undefined) {
    if (await verifyPassword(existing.passwordHash, previous.password)) {
      return { user, password: previous.password };
    }
  }
  const password = randomBytes(12).toString("base64url");
  const hash = await hashPassword(password);
  if (existing) {
    lineops.users.setPassword(user, hash);
  } else {
    lineops.users.create(user, "operator", hash);
  }
  return { user, password };
}

function incidentsConfigOf(c: ResolvedConfig["incidents"]): Partial<IncidentsConfig> {
  return {
    groupBy: c.group_by,
    correlationWindowMs: c.correlation_window,
    deploymentWindowMs: c.deployment_window,
    rollback: c.rollback,
    ackLinkTtlMs: c.ack_link_ttl,
  };
}

/** The line as incident correlation sees it: services, dependsOn, stations and devices served. */
function lineTopology(deployment: DeploymentEngine): Topology {
  return {
    line: deployment.line().name,
    services: deployment.status().map((s) => {
      const serves = deployment.service(s.name).spec.serves;
      return {
        name: s.name,
        dependsOn: s.dependsOn,
        stations: [...(s.stations ?? []), ...(serves?.stations ?? [])],
        devices: serves?.devices ?? [],
      };
    }),
  };
}
