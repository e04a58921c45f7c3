// The host stage's public surface: the collector and the metadata of what it emits.
export { DEFAULT_DISK_DEVICES_EXCLUDE, HostCollector } from "./collector.js";
export type { HostCollectorOptions, ProcessTarget } from "./collector.js";
export { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from "./filesystem.js";
export { hostMetricMetadata, hostMetricMetadataFor } from "./metadata.js";
export type { MetricMetadata } from "./metadata.js";
export type { HostSample } from "./sample.js";
export { HostErrors } from "./errors.js";
