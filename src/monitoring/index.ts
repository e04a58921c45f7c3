// The public entry of monitoring: everything outside src/monitoring/ imports monitoring through
// this file only (eslint enforces it). Other engines read metrics through MetricsQuerier.
import type { MonitoringEngine, MonitoringOptions } from "./engine.js";
import type { ImportResult } from "./remote/backfill.js";
import type { BackfillFileOptions } from "./remote/backfill-file.js";

export type { MonitoringEngine, MonitoringOptions };

/**
 * Builds the MonitoringEngine (opening its TSDB). The engine's module graph (TSDB, scrape, host
 * metrics, remote write) loads only here, so light users of this entry (deployment's template
 * checks, the CLI's offline `check`) do not pay for it at startup.
 */
export async function createMonitoringEngine(o: MonitoringOptions): Promise<MonitoringEngine> {
  const { MonitoringEngine } = await import("./engine.js");
  return new MonitoringEngine(o);
}
export {
  queryInputs,
  queryProblem,
  type MetricsQuerier,
  type QueryInputs,
  type QueryValue,
  type Sample,
  type Series,
} from "./query.js";
export type { CommitListener, SamplesCommit } from "./commits.js";
export {
  InstanceDiscovery,
  type DiscoveredInstance,
  type InstanceSource,
} from "./scrape/instance-discovery.js";
export { loadRuleFile } from "./rules/files.js";
export type {
  AlertForDispatch,
  AlertStateStore,
  AlertTemplateData,
  ExpandTemplate,
  NotifyAlerts,
  StoredAlert,
} from "./rules/alert.js";
export type { AlertingOptions } from "./rules/manager.js";
export type {
  AlertsData,
  ApiAlert,
  ApiAlertingRule,
  ApiRecordingRule,
  ApiRuleGroup,
  RulesData,
} from "./rules/json.js";

/** `lineops tsdb import`: backfills an OpenMetrics file into a stopped server's TSDB directory. */
export async function backfillFile(
  tsdbDir: string,
  file: string,
  o: BackfillFileOptions,
): Promise<ImportResult> {
  const m = await import("./remote/backfill-file.js");
  return m.backfillFile(tsdbDir, file, o);
}
// For the HTTP API: Prometheus's number format and response body, its parameters and errors, and
// the trend analyses it serves.
export { formatFloat, prometheusResponseJson } from "./promql/format.js";
// format_query and parse_query: Prometheus's pretty printer and its UI's syntax-tree JSON.
export { formatQuery } from "./promql/printer.js";
export { parseQueryJson, type AstJson } from "./promql/ast-json.js";
export type { TargetMetadataEntry } from "./engine.js";
export { parseDurationParam, parseTimeParam } from "./params.js";
export { MonitoringErrors } from "./errors.js";
export { anomaly, changeAround, forecast, seasonal, type RangeQuery } from "./trends/analysis.js";
// Refuses a TSDB written by a newer lineops; main.ts checks it before the store records this version.
export { checkFormat as checkTsdbFormat } from "./tsdb/format.js";
