// The deployment engine's public entry: everything main.ts, the API and the CLI may use of
// src/deployment. Lint forbids importing any other module of this folder from outside it.
export { DeploymentEngine, MAX_REPLICAS, type ScaleResult } from "./engine.js";
export type { ControlAction } from "./control.js";
export type {
  AnalysisRunner,
  ApplyResult,
  DeployRequest,
  DeploymentEngineOptions,
  FrontDoors,
  GateWaiter,
  PlanPreview,
  Release,
  ServiceStatus,
  StoredServiceSpec,
} from "./types.js";
export { DeploymentErrors } from "./errors.js";
export { loadLineFile, startOrder } from "./line.js";
export { dora, type Dora } from "./history.js";
export { REVISION_PATTERN } from "./versions.js";
export { createAnalysisRunner } from "./analysis/runner.js";
export { gateWaiter } from "./gates/waiter.js";
