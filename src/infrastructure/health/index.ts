// The infrastructure health stage's public surface: the summary and its disk forecasts.
export { InfrastructureHealth, MAX_ROWS, NOT_DISK_FSTYPES, DISK_TREND_WINDOW } from "./health.js";
export type {
  DiskHealth,
  InfrastructureHealthOptions,
  InfrastructureHealthSummary,
  InstanceResources,
  NetworkHealth,
  NodeHealth,
  RuntimeHealth,
} from "./health.js";
export { holtSecondsUntilEmpty, secondsUntilEmpty } from "./disk-forecast.js";
