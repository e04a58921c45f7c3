// The schema of lineops.yaml, the control plane's own configuration. Every key has a default,
// so an empty file (or none at all) is a valid configuration.
import { z } from "zod";
import { alertingConfigSchema } from "../alerting/index.js";
import { duration } from "../model/duration.js";
import { scrapeConfigSchema } from "./scrape-schema.js";
import { shiftsSchema } from "./shifts-schema.js";
import { reportsSchema, sloSchema } from "./slo-schema.js";

export const DEFAULT_PORT = 9470;

const server = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(DEFAULT_PORT),
    /** Largest request body the API accepts, in bytes. */
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
  })
  .prefault({});

// Transport security of the API and the front doors; names follow Prometheus's web-config file.
const web = z
  .strictObject({
    /** Serve the API (and, with front_doors.tls, the front doors) over HTTPS; files re-read on reload. */
    tls_server_config: z
      .strictObject({
        /** PEM certificate (chain), relative to this file. */
        cert_file: z.string().min(1),
        /** PEM private key, unencrypted, relative to this file. */
        key_file: z.string().min(1),
      })
      .optional(),
    /** Host header names the API answers to besides loopback and its listen address (DNS rebinding). */
    allowed_hosts: z.array(z.string().min(1)).default([]),
    /** Listen beyond loopback without TLS anyway (a loud warning is logged at start). */
    allow_insecure: z.boolean().default(false),
    front_doors: z
      .strictObject({
        /** Where the services' front doors listen; beyond loopback needs TLS or allow_insecure. */
        host: z.string().min(1).default("127.0.0.1"),
        /** Serve the front doors over HTTPS with tls_server_config's certificate. */
        tls: z.boolean().default(false),
      })
      .prefault({}),
    /** Web app sign-in sessions (docs/security.md): both limits end a session, whichever comes first. */
    sessions: z
      .strictObject({
        /** A session unused this long ends (Grafana's login_maximum_inactive_lifetime_duration). */
        idle_timeout: duration().default(12 * 3600_000),
        /** A session ends this long after sign-in, however busy (Grafana's login_maximum_lifetime_duration). */
        max_lifetime: duration().default(7 * 24 * 3600_000),
      })
      .refine((s) => s.idle_timeout <= s.max_lifetime, {
        message: "idle_timeout must not exceed max_lifetime",
        path: ["idle_timeout"],
      })
      .prefault({}),
  })
  .refine((w) => !w.front_doors.tls || w.tls_server_config !== undefined, {
    message: "front_doors.tls needs tls_server_config (cert_file and key_file)",
    path: ["front_doors", "tls"],
  })
  .prefault({});

const runtime = z
  .strictObject({
    restart: z
      .strictObject({
        initialBackoff: duration().default(500),
        maxBackoff: duration().default(30_000),
        crashLoop: z
          .strictObject({
            maxRestarts: z.number().int().min(1).default(5),
            window: duration().default(60_000),
          })
          .prefault({}),
      })
      .prefault({}),
    logs: z
      .strictObject({
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .default(5 * 1024 * 1024),
        files: z.number().int().min(1).max(20).default(3),
      })
      .prefault({}),
    /** How long an instance may take to finish in-flight work after SIGTERM before SIGKILL. */
    stopTimeout: duration().default(10_000),
    /** How long a service may take to become ready before dependents start anyway. */
    readyTimeout: duration().default(30_000),
  })
  .prefault({});

const monitoring = z
  .strictObject({
    /** How often rule groups are evaluated unless a group sets its own interval. */
    evaluationInterval: duration().default(60_000),
    /** Default scrape interval of every target (line instances and scrape_configs). */
    scrapeInterval: duration().default(5000),
    /** Default scrape timeout; never more than the interval. */
    scrapeTimeout: duration().default(4000),
    /** Largest uncompressed scrape body, in bytes. */
    bodySizeLimitBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** Scrapes of line instances with more samples than this fail (0 = no limit). */
    sampleLimit: z.number().int().min(0).default(50_000),
    tsdb: z
      .strictObject({
        /** Samples older than this are deleted (whole blocks). */
        retention: duration().default(15 * 24 * 3600_000),
        /** Delete the oldest blocks when the TSDB (blocks, WAL and head) exceeds this many bytes (0 = no limit). */
        retentionBytes: z.number().int().min(0).default(0),
        /** How often appended samples are flushed to the write-ahead log; a SIGKILL loses at most this much. */
        walFlushInterval: duration().default(1000),
        /** Span of the in-memory head before it is persisted as a block. */
        blockDuration: duration().default(2 * 3600_000),
      })
      .prefault({}),
    query: z
      .strictObject({
        timeout: duration().default(120_000),
        /** Samples one query may hold (Prometheus: 50M); see DEFAULT_MAX_SAMPLES in promql/engine.ts. */
        maxSamples: z.number().int().positive().default(10_000_000),
        /** Queries evaluating at once (Prometheus: 20); 4 x maxSamples is what a 2-core box can hold. */
        maxConcurrent: z.number().int().positive().default(4),
        lookbackDelta: duration().default(300_000),
      })
      .prefault({}),
    host: z
      .strictObject({
        enabled: z.boolean().default(true),
        interval: duration().default(5000),
      })
      .prefault({}),
  })
  .prefault({});

export const configSchema = z.strictObject({
  /** Where state lives; overridden by --data-dir / LINEOPS_DATA_DIR. Relative to the working directory. */
  dataDir: z.string().min(1).default(".lineops"),
  server,
  web,
  line: z
    .strictObject({
      /** The line.yaml applied at start; relative paths are relative to this config file. */
      file: z.string().min(1).optional(),
    })
    .prefault({}),
  /** The line's shift calendar: OEE's planned production time (docs/oee.md). */
  shifts: shiftsSchema,
  /** Availability objectives per service (docs/reports.md). */
  slo: sloSchema,
  /** Scheduled operations reports: how long generated files are kept (docs/reports.md). */
  reports: reportsSchema,
  logging: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    })
    .prefault({}),
  runtime,
  monitoring,
  /** Prometheus rule files (recording rules), relative to this file; globs are not expanded. */
  rule_files: z.array(z.string().min(1)).default([]),
  /**
   * Alertmanager's configuration (route tree, receivers, inhibit_rules, time_intervals), inline; see
   * docs/alerting-configuration.md. Without it and alerting_file, alerts are kept and shown but sent nowhere.
   */
  alerting: alertingConfigSchema.optional(),
  /** An Alertmanager configuration file instead of the inline section, relative to this file. */
  alerting_file: z.string().min(1).optional(),
  /** Incidents (docs/incidents.md): how alerts are correlated into incidents. */
  incidents: z
    .strictObject({
      /** Labels that group alerts no topology relates, as Alertmanager's group_by ("..." = all in one). */
      group_by: z
        .array(z.string().regex(/^([A-Za-z_][A-Za-z0-9_]*|\.\.\.)$/, "a label name or ..."))
        .default(["alertname"]),
      /** An alert joins an open incident only if it took an alert within this long. */
      correlation_window: duration().default(30 * 60_000),
      /** An alert starting within this long after a deployment of its service or a dependency is linked to it. */
      deployment_window: duration().default(10 * 60_000),
      /** Request that deployment's rollback: false, true (every service) or a list of services. */
      rollback: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
      /** How long one-click links in notifications work. */
      ack_link_ttl: duration().default(24 * 3600_000),
    })
    .prefault({}),
  /** Provisioned dashboards (YAML or JSON, docs/dashboards.md), relative to this file; read-only in the UI. */
  dashboard_files: z.array(z.string().min(1)).default([]),
  /** Extra scrape jobs, in Prometheus's syntax (e.g. a node_exporter). */
  scrape_configs: z.array(scrapeConfigSchema).default([]),
  traffic: z
    .strictObject({
      /** The demo's work-order generator; `lineops demo` turns it on. */
      enabled: z.boolean().default(false),
      ratePerSecond: z.number().positive().max(1000).default(2),
      /** The service the generator sends work orders to. */
      service: z.string().default("line-controller"),
    })
    .prefault({}),
});

export type LineopsConfig = z.output<typeof configSchema>;
