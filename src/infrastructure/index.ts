// The public entry of infrastructure: everything outside src/infrastructure/ imports it through
// this file. The infrastructure health summary (host, node targets, runtime, instances) and the
// optimizer (right-sizing recommendations, capacity planning).
export * from "./health/index.js";
export * from "./optimizer/index.js";
export * from "./autoscaler/index.js";
