// The public entry of infrastructure: everything outside src/infrastructure/ imports it through
// this file. Today: the infrastructure health summary (host, node targets, runtime, instances).
export * from "./health/index.js";
export * from "./autoscaler/index.js";
