// The schema of line.yaml: the services of a manufacturing line, how to run and check them,
// and how they depend on each other.
import { z } from "zod";
import { duration } from "./duration.js";

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

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
    name: z.string().regex(NAME, "must be lowercase letters, digits and dashes, starting with a letter"),
    version: z.string().min(1),
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
    stations: z.array(z.string().min(1)).min(1).optional(),
    dependsOn: z.array(z.string()).default([]),
    readiness: probe.optional(),
    liveness: probe.optional(),
    metrics: z.strictObject({ path: z.string().startsWith("/").default("/metrics") }).prefault({}),
    resources: z
      .strictObject({
        /** CPU hint in cores or millicores ("250m"), for right-sizing and scheduling. */
        cpu: z.union([z.number().positive(), z.string().regex(/^\d+m$/)]).optional(),
        /** Memory hint in bytes or with a unit ("128Mi"). */
        memory: z.union([z.number().int().positive(), z.string().regex(/^\d+(Ki|Mi|Gi)$/)]).optional(),
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
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
