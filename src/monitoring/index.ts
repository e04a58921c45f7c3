// The public entry of monitoring: everything outside src/monitoring/ imports monitoring through
// this file only (eslint enforces it). Other engines read metrics through MetricsQuerier.
export { MonitoringEngine, type MonitoringOptions } from "./engine.js";
export { queryProblem, type MetricsQuerier, type QueryValue, type Sample, type Series } from "./query.js";
export {
  InstanceDiscovery,
  type DiscoveredInstance,
  type InstanceSource,
} from "./scrape/instance-discovery.js";
export { loadRuleFile } from "./rules/files.js";
// For the HTTP API: Prometheus's number format and response body, its parameters and errors, and
// the trend analyses it serves.
export { formatFloat, prometheusResponseJson } from "./promql/format.js";
export { parseDurationParam, parseTimeParam } from "./params.js";
export { MonitoringErrors } from "./errors.js";
export { anomaly, changeAround, forecast, seasonal, type RangeQuery } from "./trends/analysis.js";
