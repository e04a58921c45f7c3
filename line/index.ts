// The sample line's public contract for lineops: which services exist, where each compiled entry
// lives (relative to dist/line/), which dependency URLs each expects, and the station routing header.

export type LineServiceName =
  "plc-gateway" | "station-controller" | "quality-inspection" | "line-controller" | "mes-connector";

export type LineService = {
  name: LineServiceName;
  /** Entry point relative to the compiled line directory (dist/line/). */
  entry: string;
  /** Runs one instance per station, each with STATION_ID set. */
  perStation: boolean;
  /** Env vars holding the front-door URLs of the services it calls; unset ones are skipped. */
  dependencies: { env: string; service: LineServiceName }[];
};

export const LINE_SERVICES: readonly LineService[] = [
  { name: "plc-gateway", entry: "services/plc-gateway.js", perStation: false, dependencies: [] },
  {
    name: "station-controller",
    entry: "services/station-controller.js",
    perStation: true,
    dependencies: [{ env: "PLC_GATEWAY_URL", service: "plc-gateway" }],
  },
  {
    name: "quality-inspection",
    entry: "services/quality-inspection.js",
    perStation: false,
    dependencies: [],
  },
  { name: "mes-connector", entry: "services/mes-connector.js", perStation: false, dependencies: [] },
  {
    name: "line-controller",
    entry: "services/line-controller.js",
    perStation: false,
    dependencies: [
      { env: "STATION_CONTROLLER_URL", service: "station-controller" },
      { env: "QUALITY_INSPECTION_URL", service: "quality-inspection" },
      { env: "MES_CONNECTOR_URL", service: "mes-connector" },
    ],
  },
];

/** The traffic generator's CLI entry (reads LINE_CONTROLLER_URL and TRAFFIC_RATE). */
export const LINE_TRAFFIC_ENTRY = "traffic/main.js";

/** line-controller sets this on calls to STATION_CONTROLLER_URL; the router picks the station by it. */
export const STATION_ROUTING_HEADER = "x-lineops-station";

/** Versions with simulated behaviour: baseline, healthy upgrade, broken release. */
export const LINE_VERSIONS = ["1.0.0", "1.1.0", "1.2.0-faulty"] as const;
