// Public surface of the runtime layer: the contract plus the process backend, probes and router.
export type * from "./types.js";
export { RuntimeErrors } from "./errors.js";
export { ProcessRuntime } from "./process/runtime.js";
export type { AdoptResult, ProcessRuntimeOptions, RestartPolicy } from "./process/runtime.js";
export { PortAllocator } from "./process/ports.js";
export { Prober, runProbe } from "./health/probe.js";
export type { ProbeResult, ProbeTarget } from "./health/probe.js";
export { INSTANCE_HEADER, Router, STATION_HEADER } from "./router/router.js";
export type { Backend, RouterAddress, RouterOptions } from "./router/router.js";
