// The optimizer's public surface: right-sizing (the VPA recommender) and capacity planning.
export {
  ResourceOptimizer,
  DEFAULT_WINDOW_MS,
  DEFAULT_STEP_MS,
  MAX_LINES,
  MAX_PACKED_INSTANCES,
  OptimizerErrors,
  type CapacityOptions,
  type CapacityReport,
  type OptimizerOptions,
  type PackingSummary,
  type RecommendationReport,
  type ServiceRecommendation,
  type ServiceResources,
} from "./optimizer.js";
export {
  bestFitDecreasing,
  firstFitDecreasing,
  type NodeSize,
  type PackItem,
  type PackResult,
} from "./binpack.js";
export { cpuCores, memoryBytes } from "./quantity.js";
export type { Verdict } from "./recommender.js";
