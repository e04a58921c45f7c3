// The autoscaler's public entry (re-exported by src/infrastructure/index.ts).
export {
  Autoscaler,
  DECISIONS_KEPT,
  DEFAULT_SYNC_PERIOD_MS,
  parseQuantity,
  type AutoscalerOptions,
  type AutoscalerStatus,
} from "./autoscaler.js";
export { AutoscalerErrors } from "./errors.js";
export type { AutoscalerDecision, MetricDecision, ScaleTarget } from "./types.js";
