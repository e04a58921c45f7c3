// What the API layer needs from the rest of lineops: engines and repositories, passed in by main.ts.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { AlertingService } from "../alerting/index.js";
import type { DashboardEngine } from "../dashboard/index.js";
import type { DeploymentEngine } from "../deployment/index.js";
import type { MonitoringEngine } from "../monitoring/index.js";
import type { Runtime } from "../runtime/types.js";
import type { AuditRepository } from "../store/audit.js";
import type { RevisionRepository } from "../store/revisions.js";
import type { TokenRepository } from "../store/tokens.js";

export type ApiContext = {
  version: string;
  logger: Logger;
  deployment: DeploymentEngine;
  monitoring: MonitoringEngine;
  runtime: Runtime;
  revisions: RevisionRepository;
  tokens: TokenRepository;
  audit: AuditRepository;
  metrics: Registry;
  /**
   * The alerting engine: when given, the Alertmanager API v2 (/api/v2/...) is served from it;
   * without it those routes do not exist (404).
   */
  alerting?: AlertingService;
  /** The dashboard engine: when given, live updates (/api/v1/live...) are served from it. */
  dashboard?: DashboardEngine;
  /** True once the line applied at start has settled; drives /-/ready. */
  isReady(): boolean;
  /** Re-reads the configured line file and applies it (SIGHUP, POST /-/reload). */
  reload(): Promise<unknown>;
};
