// The data plane's control protocol, shared by the data plane and its client: where its files
// live, the protocol version, and the schema of every request body and of the routing table.
// HTTP/1.1 + JSON over a unix socket; paths are versioned (/v1/...) so a newer lineops can tell
// an older data plane apart and keep it running, or hand over, instead of speaking past it.
import path from "node:path";
import { z } from "zod";

/** Bumped on any incompatible change of a path or body; the client refuses other versions. */
export const PROTOCOL_VERSION = 1;

/** Request bodies above this are refused with 413 (a table of hundreds of backends is a few KiB). */
export const MAX_BODY_BYTES = 1 << 20;

/** drain() waits at most this long; the control request is bounded by it plus a margin. */
export const MAX_DRAIN_MS = 10 * 60_000;

export type DataPlanePaths = {
  /** <D>/run: pidfile and socket sit beside the instances' pidfiles. */
  runDir: string;
  socket: string;
  pidfile: string;
  /** The last routing table, reloaded when the data plane starts. */
  table: string;
  /** Where the spawner points the data plane's stdout and stderr. */
  log: string;
};

export function dataPlanePaths(dataDir: string): DataPlanePaths {
  const runDir = path.join(dataDir, "run");
  return {
    runDir,
    socket: path.join(runDir, "dataplane.sock"),
    pidfile: path.join(runDir, "dataplane.json"),
    table: path.join(runDir, "dataplane", "table.json"),
    log: path.join(dataDir, "logs", "dataplane", "output.log"),
  };
}

// Same rule as line.yaml's service names (config/ is not importable from runtime/).
const serviceName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, "must be lowercase letters, digits and dashes, starting with a letter");
const label = z.string().min(1).max(128);

export const backendSchema = z.strictObject({
  instanceId: label,
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  weight: z.number().finite().min(0).max(1_000_000).optional(),
  station: label.optional(),
  group: label.optional(),
  revision: label.optional(),
});

const weightsSchema = z.record(label, z.number());
const stickinessSchema = z.strictObject({ header: label.optional(), cookie: label.optional() });

/** One service's front door as the data plane keeps (and persists) it. */
export const serviceEntrySchema = z.strictObject({
  /** Absent until lineops asked for the door to be opened. */
  port: z.number().int().min(0).max(65535).optional(),
  backends: z.array(backendSchema).max(10_000),
  weights: weightsSchema.optional(),
  stickiness: stickinessSchema.optional(),
  /** Instances drained (out of rotation) and still listed: they stay drained after a restart. */
  draining: z.array(label).max(10_000),
});
export type ServiceEntry = z.infer<typeof serviceEntrySchema>;

/** The routing table: what GET /v1/table answers and what table.json holds (with `format`). */
export const tableSchema = z.strictObject({
  services: z.record(serviceName, serviceEntrySchema),
});
export type Table = z.infer<typeof tableSchema>;

export const TABLE_FORMAT = 1;
export const tableFileSchema = tableSchema.extend({ format: z.literal(TABLE_FORMAT) });

export const requests = {
  listen: z.strictObject({ port: z.number().int().min(0).max(65535) }),
  backends: z.strictObject({ backends: z.array(backendSchema).max(10_000) }),
  weights: z.strictObject({ weights: weightsSchema.nullable() }),
  stickiness: z.strictObject({ stickiness: stickinessSchema.nullable() }),
  drain: z.strictObject({ instanceId: label, timeoutMs: z.number().int().min(0).max(MAX_DRAIN_MS) }),
  tlsReload: z.strictObject({
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
  }),
  empty: z.strictObject({}),
  /** Start `entry` (in `cwd`) as this data plane's successor and hand it the front doors. */
  handover: z.strictObject({ entry: z.array(z.string().min(1)).min(1).max(32), cwd: z.string().min(1) }),
  serviceName,
} as const;

export type Info = {
  protocol: number;
  build: string;
  pid: number;
  /** /proc/<pid>/stat field 22: with pid, identifies this process (a recycled pid has another). */
  startTime: number | null;
  uptimeSeconds: number;
  host: string;
  tls: { fingerprint: string; validTo: string } | null;
};

export type HandoverAnswer = { pid: number };
export type ListenAnswer = { host: string; port: number; url: string };
export type DrainAnswer = { inFlight: number; completed: boolean };

/** The JSON error body of every non-2xx answer (the API's envelope, plus the stable code). */
export type ErrorBody = { status: "error"; errorType: string; error: string; code?: string };

/** "backends[0].port: expected number" — zod issues as the field at fault and what is wrong. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const at = i.path
        .map((p, n) => (typeof p === "number" ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`))
        .join("");
      return `${at === "" ? "body" : at}: ${i.message}`;
    })
    .join("; ");
}
