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
export { DataPlaneClient } from "./dataplane/client.js";
export type { DataPlaneClientOptions, Recovery } from "./dataplane/client.js";
export { connectOrSpawn, defaultEntry } from "./dataplane/spawn.js";
export type { DataPlaneConnection, SpawnOptions } from "./dataplane/spawn.js";
export { dataPlanePaths } from "./dataplane/protocol.js";
export type { Table as DataPlaneTable } from "./dataplane/protocol.js";
export { registerRouterRequestMetrics } from "./router/request-metrics.js";
