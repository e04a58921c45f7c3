// The public entry of the dashboard engine (OperationsDashboardEngine): everything outside
// src/dashboard/ imports it through this file.
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
