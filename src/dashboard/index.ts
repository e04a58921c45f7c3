// The dashboard engine's public entry: main.ts, the API and tests import src/dashboard only here.
import { DashboardEngine, type DashboardEngineOptions } from "./engine.js";

export { DashboardEngine, type DashboardEngineOptions };
export { DashboardErrors } from "./errors.js";
export { LIVE_HUB_DEFAULTS, type LiveHub, type LiveHubOptions } from "./live/hub.js";
export {
  LIVE_QUERIES_DEFAULTS,
  type LiveQueries,
  type LiveQueriesOptions,
  type LiveQuerySpec,
} from "./live/queries.js";
export type { LiveService } from "./live/live.js";
export type { RangeAnswer, RangeRequest } from "./live/range-batch.js";
export { TOPICS, type LiveStream, type StreamSink, type Topic } from "./live/stream.js";
export { MAX_POINTS } from "./live/step.js";

/** Builds the dashboard engine; start() subscribes it to the bus, stop() closes its streams. */
export function createDashboardEngine(o: DashboardEngineOptions): DashboardEngine {
  return new DashboardEngine(o);
}
export { dashboardSchema, type Dashboard, type Panel, type DashboardVariable } from "./dashboards/model.js";
export {
  DashboardService,
  type DashboardSummary,
  type ProvisionedDashboard,
  type StoredDashboard,
} from "./dashboards/service.js";
export { importGrafanaDashboard, GrafanaImportError, type GrafanaImport } from "./dashboards/grafana.js";
export { loadDashboardFiles } from "./dashboards/files.js";
export type { SeriesIndex } from "./dashboards/variable-query.js";

// Analytics: OEE by shift or day, the downtime Pareto, the shift calendar, the OEE series.
export * from "./analytics/index.js";

// Operations reports: HTML, CSV and PDF, on request and on schedules.
export * from "./reports/index.js";
