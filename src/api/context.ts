// What the API layer needs from the rest of lineops: engines and repositories, passed in by main.ts.
import type { EscalationService } from "./routes/escalation.js";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { AlarmManager, AlertingService, IncidentManager, OnCallDirectory } from "../alerting/index.js";
import type { AnalyticsContext, DashboardEngine, ReportService } from "../dashboard/index.js";
import type { DeploymentEngine } from "../deployment/index.js";
import type { MonitoringEngine } from "../monitoring/index.js";
import type { DataPlaneTable } from "../runtime/index.js";
import type { Runtime } from "../runtime/types.js";
import type { AuditRepository } from "../store/audit.js";
import type { RevisionRepository } from "../store/revisions.js";
import type { SessionRepository } from "../store/sessions.js";
import type { TokenRepository } from "../store/tokens.js";
import type { UserRepository } from "../store/users.js";
import type { ServerInfo } from "./prometheus/status.js";
import type { InfrastructureView } from "./routes/infrastructure.js";
import type { OptimizerView } from "./routes/optimizer.js";
import type { ScalingView } from "./routes/scale.js";

/** What the API reads of the front doors: the data plane's routing table and where the doors listen. */
export type RoutingView = {
  table(): Promise<DataPlaneTable>;
  /** web.front_doors.host */
  frontDoorHost: string;
};

export type ApiContext = {
  version: string;
  logger: Logger;
  deployment: DeploymentEngine;
  monitoring: MonitoringEngine;
  runtime: Runtime;
  revisions: RevisionRepository;
  tokens: TokenRepository;
  /** People who sign in to the web app, and their sessions (the lineops_session cookie). */
  users: UserRepository;
  sessions: SessionRepository;
  audit: AuditRepository;
  metrics: Registry;
  /**
   * The alerting engine: when given, the Alertmanager API v2 (/api/v2/...) is served from it;
   * without it those routes do not exist (404).
   */
  alerting?: AlertingService;
  /** Incidents: when given, /api/v1/incidents... and the one-click links are served from it. */
  incidents?: IncidentManager;
  /** ISA-18.2 alarm management: when given, /api/v1/alarms/* are served from it. */
  alarms?: AlarmManager;
  /** Escalation policies and chains: when given, /api/v1/escalation-policies... are served from it. */
  escalation?: EscalationService;
  /** The line's analytics (OEE, downtime): when given, /api/v1/analytics/* are served from it. */
  analytics?: () => AnalyticsContext;
  /** Operations reports and their schedules: when given, /api/v1/reports/* are served from it. */
  reports?: ReportService;
  /** The running configuration, flags and reload state: /api/v1/status/{config,flags,runtimeinfo}. */
  server?: ServerInfo;
  /** The front doors' routing table (the data plane's): GET /api/v1/services and .../backends. */
  routing?: RoutingView;
  /** The dashboard engine: when given, live updates (/api/v1/live...) and user dashboards
   * (/api/v1/dashboards...) are served from it. */
  dashboard?: DashboardEngine;
  /** The autoscaler (P11): when given, scale and autoscaler routes are served from it. */
  scaling?: ScalingView;
  /** Infrastructure health: when given, /api/v1/infrastructure/* are served from it. */
  infrastructure?: InfrastructureView;
  /** Right-sizing and capacity planning: when given, /api/v1/infrastructure/{recommendations,capacity}. */
  optimizer?: OptimizerView;
  /** People and on-call (P10): when given, teams, schedules and contact methods are served from it. */
  oncall?: OnCallDirectory;
  /** True once the line applied at start has settled; drives /-/ready. */
  isReady(): boolean;
  /** Re-reads the configured line file and applies it (SIGHUP, POST /-/reload). */
  reload(): Promise<unknown>;
};
