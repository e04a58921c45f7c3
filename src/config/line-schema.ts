// The schema of line.yaml: the services of a manufacturing line, how to run and check them,
// and how they depend on each other.
import { z } from "zod";
import { analysisTemplateSchema, gatesSchema, strategySchema } from "./deploy-schema.js";
import { duration } from "../model/duration.js";
import { autoscalingSchema } from "./autoscaling-schema.js";

/** Service names are label values, DNS labels and file names: lowercase, digits and dashes. */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/**
 * What a version may look like, at the API and in line.yaml: semver-like ("1.2.0", "v2.0.0-rc.1",
 * "2024.06.1+build.7"), starting with a letter or digit, at most 64 characters. Versions become
 * label values, file names of staged artifacts and process arguments: no "/", quotes, spaces or
 * control characters, and ".." cannot start one.
 */
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$/;
/** Station ids become label values and a regex alternation ({{args.stations}}): no metacharacters. */
export const STATION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const serviceName = z
  .string()
  .regex(SERVICE_NAME_PATTERN, "must be lowercase letters, digits and dashes, starting with a letter");
export const versionString = z
  .string()
  .regex(
    VERSION_PATTERN,
    "must be 1-64 letters, digits and . _ + - starting with a letter or digit (e.g. 1.2.0, v2.0.0-rc.1)",
  );
export const stationName = z
  .string()
  .regex(STATION_PATTERN, "must be 1-63 letters, digits and . _ - starting with a letter or digit");

const probe = z.strictObject({
  type: z.enum(["http", "tcp", "exec"]),
  /** http: the path to GET on the instance's port. */
  path: z.string().startsWith("/").optional(),
  /** exec: the command and its arguments. */
  command: z.array(z.string()).min(1).optional(),
  interval: duration().default(1000),
  timeout: duration().default(1000),
  initialDelay: duration().default(0),
  successThreshold: z.number().int().min(1).default(1),
  failureThreshold: z.number().int().min(1).default(3),
});

const serviceSpec = z
  .strictObject({
    name: serviceName,
    version: versionString,
    /** The program to run; "node" means the Node.js that runs lineops. */
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    /** Working directory, relative to the line file's directory. */
    cwd: z.string().optional(),
    /** The service's stable front-door port on loopback; omitted = allocated at start. */
    port: z.number().int().min(1).max(65535).optional(),
    replicas: z.number().int().min(0).max(64).default(1),
    /** One instance per listed station (STATION_ID is set); replicas is then ignored. */
    stations: z.array(stationName).min(1).optional(),
    /**
     * OEE's ideal cycle time: the fastest a station can finish one unit (docs/oee.md), for every
     * station of the service; idealCycleTimes overrides it per station. Per-station services only.
     */
    idealCycleTime: duration().optional(),
    idealCycleTimes: z.record(stationName, duration()).optional(),
    dependsOn: z.array(z.string()).default([]),
    /**
     * The plant the service serves besides its own stations: stations and devices (PLCs, cameras)
     * whose alerts incident correlation traces to it. No default, so specs without it keep their hash.
     */
    serves: z
      .strictObject({
        stations: z.array(stationName).optional(),
        devices: z
          .array(z.string().regex(STATION_PATTERN, "a device id (letters, digits, . _ -)"))
          .optional(),
      })
      .optional(),
    /** Versions this service needs of its dependencies, e.g. { plc-gateway: ">=1.1" }. */
    requires: z.record(z.string(), z.string().min(1)).default({}),
    readiness: probe.optional(),
    liveness: probe.optional(),
    metrics: z.strictObject({ path: z.string().startsWith("/").default("/metrics") }).prefault({}),
    /** How a new version replaces the running one; default rolling, one at a time, never below desired. */
    strategy: strategySchema.default({ type: "rolling", maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0 }),
    /** A deployment that makes no progress for this long (an instance never ready) is rolled back. */
    progressDeadline: duration().default(600_000),
    /** Gates for deployments of this service, on top of the line's. */
    gates: gatesSchema.optional(),
    resources: z
      .strictObject({
        /** CPU hint in cores or millicores ("250m"), for right-sizing and scheduling. */
        cpu: z.union([z.number().positive(), z.string().regex(/^\d+m$/)]).optional(),
        /** Memory hint in bytes or with a unit ("128Mi"). */
        memory: z.union([z.number().int().positive(), z.string().regex(/^\d+(Ki|Mi|Gi)$/)]).optional(),
      })
      .optional(),
    /**
     * The autoscaler of this service (the HPA's spec). Like replicas it is not part of a revision:
     * changing it never starts a rollout. No default, so specs without it keep their hash.
     */
    autoscaling: autoscalingSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.stations === undefined) {
      for (const key of ["idealCycleTime", "idealCycleTimes"] as const) {
        if (s[key] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `${key} needs a service that runs per station (stations:)`,
          });
        }
      }
    }
    if (s.autoscaling && s.stations) {
      ctx.addIssue({
        code: "custom",
        path: ["autoscaling"],
        message: "a per-station service runs one instance per station; it cannot be autoscaled",
      });
    }
    s.autoscaling?.metrics.forEach((m, i) => {
      if (m.type === "resource" && m.targetUtilization !== undefined && s.resources?.[m.name] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["autoscaling", "metrics", i, "targetUtilization"],
          message: `a ${m.name} utilisation target needs resources.${m.name} (the request it is a percentage of)`,
        });
      }
    });
    if (s.idealCycleTime === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["idealCycleTime"],
        message: "an ideal cycle time must be above 0",
      });
    }
    for (const [station, ms] of Object.entries(s.idealCycleTimes ?? {})) {
      if (s.stations !== undefined && !s.stations.includes(station)) {
        ctx.addIssue({
          code: "custom",
          path: ["idealCycleTimes", station],
          message: `station ${station} is not one of the service's stations (${s.stations.join(", ")})`,
        });
      } else if (ms === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["idealCycleTimes", station],
          message: "an ideal cycle time must be above 0",
        });
      }
    }
    for (const [key, p] of [
      ["readiness", s.readiness],
      ["liveness", s.liveness],
    ] as const) {
      if (p?.type === "http" && p.path === undefined) {
        ctx.addIssue({ code: "custom", path: [key, "path"], message: "an http probe needs a path" });
      }
      if (p?.type === "exec" && p.command === undefined) {
        ctx.addIssue({ code: "custom", path: [key, "command"], message: "an exec probe needs a command" });
      }
    }
  });

export const lineSchema = z
  .strictObject({
    line: z.strictObject({ name: z.string().min(1).default("line") }).prefault({}),
    services: z.array(serviceSpec).min(1),
    analysisTemplates: z.array(analysisTemplateSchema).default([]),
    /** Gates for every deployment of the line. */
    gates: gatesSchema.optional(),
  })
  .superRefine((l, ctx) => {
    const names = new Map<string, number>();
    l.services.forEach((s, i) => {
      if (names.has(s.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["services", i, "name"],
          message: `duplicate service "${s.name}"`,
        });
      }
      names.set(s.name, i);
    });
    const templates = new Set(l.analysisTemplates.map((t) => t.name));
    l.services.forEach((s, i) => {
      const refs: { path: (string | number)[]; names: string[] }[] = [];
      if (s.strategy.type === "canary") {
        s.strategy.steps.forEach((step, k) => {
          if ("analysis" in step) {
            refs.push({
              path: ["strategy", "steps", k, "analysis", "templates"],
              names: step.analysis.templates,
            });
          }
          if ("setStations" in step) {
            const unknown = step.setStations.filter((st) => !(s.stations ?? []).includes(st));
            if (unknown.length > 0) {
              ctx.addIssue({
                code: "custom",
                path: ["services", i, "strategy", "steps", k, "setStations"],
                message: s.stations
                  ? `station ${unknown.join(", ")} is not one of the service's stations (${s.stations.join(", ")})`
                  : "setStations needs a service that runs per station (stations:)",
              });
            }
          }
        });
        if (s.strategy.analysis) {
          refs.push({ path: ["strategy", "analysis", "templates"], names: s.strategy.analysis.templates });
        }
      }
      if (s.strategy.type === "blueGreen" && s.strategy.prePromotionAnalysis) {
        refs.push({
          path: ["strategy", "prePromotionAnalysis", "templates"],
          names: s.strategy.prePromotionAnalysis.templates,
        });
      }
      for (const r of refs) {
        r.names.forEach((n, k) => {
          if (!templates.has(n)) {
            ctx.addIssue({
              code: "custom",
              path: ["services", i, ...r.path, k],
              message: `unknown analysis template "${n}" (define it under analysisTemplates)`,
            });
          }
        });
      }
    });
    l.services.forEach((s, i) =>
      s.dependsOn.forEach((d, j) => {
        if (!names.has(d)) {
          ctx.addIssue({
            code: "custom",
            path: ["services", i, "dependsOn", j],
            message: `unknown service "${d}"`,
          });
        } else if (d === s.name) {
          ctx.addIssue({
            code: "custom",
            path: ["services", i, "dependsOn", j],
            message: `service "${d}" cannot depend on itself`,
          });
        }
      }),
    );
  });

export type LineSpec = z.output<typeof lineSchema>;
export type ServiceSpec = LineSpec["services"][number];
export type ProbeConfig = z.output<typeof probe>;
