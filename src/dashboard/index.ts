// The public entry of the dashboard engine (OperationsDashboardEngine): everything outside
// src/dashboard/ imports it through this file.
import { DashboardEngine, type DashboardEngineOptions } from "./engine.js";

export { DashboardErrors } from "./errors.js";
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
export { dashboardSeriesIndex } from "./dashboards/series-index.js";
// Analytics: OEE by shift or day, the downtime Pareto, the shift calendar, the OEE series.
export * from "./analytics/index.js";
// Live updates (the SSE hub and query subscriptions).

export { DashboardEngine, type DashboardEngineOptions };
export { LIVE_HUB_DEFAULTS, type LiveHub, type LiveHubOptions } from "./live/hub.js";
export {
  LIVE_QUERIES_DEFAULTS,
  type LiveQueries,
  type LiveQueriesOptions,
  type LiveQuerySpec,
} from "./live/queries.js";
export type { LiveService } from "./live/live.js";
export { TOPICS, type LiveStream, type StreamSink, type Topic } from "./live/stream.js";
export { MAX_POINTS } from "./live/step.js";

/** Builds the dashboard engine; start() subscribes it to the bus, stop() closes its streams. */
export function createDashboardEngine(o: DashboardEngineOptions): DashboardEngine {
  return new DashboardEngine(o);
}
