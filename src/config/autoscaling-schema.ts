// The `autoscaling` block of a line.yaml service: the Kubernetes HorizontalPodAutoscaler v2 spec
// (minReplicas, maxReplicas, metrics, behavior) with lineops's metric sources — resource
// utilisation against the service's `resources` requests, or a per-instance PromQL average.
import { z } from "zod";
import { duration } from "../model/duration.js";

const policy = z.strictObject({
  /** Pods: at most `value` instances per period; Percent: at most `value` % of the count at the period's start. */
  type: z.enum(["Pods", "Percent"]),
  value: z.number().int().min(1),
  /** The window the policy looks back over (the HPA's periodSeconds, 1 s to 30 min). */
  period: duration().refine((ms) => ms >= 1000 && ms <= 1_800_000, "must be from 1s to 30m"),
});

const rules = z.strictObject({
  /** Recommendations of this long ago still count (scale-down: the highest wins; scale-up: the lowest). */
  stabilizationWindow: duration()
    .refine((ms) => ms <= 3_600_000, "must be at most 1h")
    .optional(),
  /** Max: the policy that allows the biggest change; Min: the smallest; Disabled: no change this way. */
  selectPolicy: z.enum(["Max", "Min", "Disabled"]).default("Max"),
  policies: z.array(policy).min(1).max(10).optional(),
});

/** What the HPA defaults to (SetDefaults_HorizontalPodAutoscalerBehavior): filled in by behaviorOf. */
export type ScalingRules = z.infer<typeof rules>;

const resourceMetric = z.strictObject({
  type: z.literal("resource"),
  /** cpu or memory, measured per instance by lineops's process collector. */
  name: z.enum(["cpu", "memory"]),
  /** Percent of the instance's request (`resources.cpu` / `resources.memory`), averaged over instances. */
  targetUtilization: z.number().positive().max(1000).optional(),
  /** Or an average per instance in the resource's unit (cores, bytes). */
  targetAverageValue: z.number().positive().optional(),
});

const podsMetric = z.strictObject({
  type: z.literal("pods"),
  /** A name for decisions and metrics (e.g. requests_per_second). */
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/, "must be a metric-style name"),
  /**
   * PromQL giving one value per instance, each series carrying the instance's `instance_id` label
   * (e.g. `sum by (instance_id) (rate(http_requests_total{service="x"}[1m]))`).
   */
  query: z.string().min(1).max(4000),
  /** The per-instance average to hold (the HPA's AverageValue target). */
  targetAverageValue: z.number().positive(),
});

export const autoscalingSchema = z
  .strictObject({
    /** false keeps the block but stops the autoscaler (then `lineops scale` may go beyond maxReplicas). */
    enabled: z.boolean().default(true),
    minReplicas: z.number().int().min(1).max(64).default(1),
    maxReplicas: z.number().int().min(1).max(64),
    /** No change while every metric's ratio to its target is within 1 ± tolerance. */
    tolerance: z.number().min(0).max(1).default(0.1),
    metrics: z
      .array(z.discriminatedUnion("type", [resourceMetric, podsMetric]))
      .min(1)
      .max(10),
    behavior: z.strictObject({ scaleUp: rules.optional(), scaleDown: rules.optional() }).prefault({}),
  })
  .superRefine((a, ctx) => {
    if (a.minReplicas > a.maxReplicas) {
      ctx.addIssue({
        code: "custom",
        path: ["minReplicas"],
        message: `minReplicas (${a.minReplicas}) must not exceed maxReplicas (${a.maxReplicas})`,
      });
    }
    a.metrics.forEach((m, i) => {
      if (
        m.type === "resource" &&
        (m.targetUtilization === undefined) === (m.targetAverageValue === undefined)
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["metrics", i],
          message: "a resource metric needs exactly one of targetUtilization or targetAverageValue",
        });
      }
    });
  });

export type AutoscalingSpec = z.infer<typeof autoscalingSchema>;
export type AutoscalingMetric = AutoscalingSpec["metrics"][number];
