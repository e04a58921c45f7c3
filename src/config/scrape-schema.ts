// The `scrape_configs` section of lineops.yaml, in Prometheus's own syntax (snake_case keys), so
// an existing prometheus.yml scrape job can be pasted in unchanged.
import { z } from "zod";
import { compileRegex } from "../model/regexp.js";
import { duration } from "../model/duration.js";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A regex as Prometheus writes it (RE2, anchored at both ends when used): compiled as relabelling will. */
const regex = z.string().superRefine((s, ctx) => {
  try {
    compileRegex(s);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

export const relabelConfigSchema = z
  .strictObject({
    source_labels: z.array(z.string().regex(LABEL_NAME, "invalid label name")).default([]),
    separator: z.string().default(";"),
    regex: regex.default("(.*)"),
    modulus: z.number().int().positive().optional(),
    target_label: z.string().optional(),
    replacement: z.string().default("$1"),
    action: z
      .enum([
        "replace",
        "keep",
        "drop",
        "keepequal",
        "dropequal",
        "hashmod",
        "labelmap",
        "labeldrop",
        "labelkeep",
        "lowercase",
        "uppercase",
      ])
      .default("replace"),
  })
  .superRefine((r, ctx) => {
    const needsTarget = ["replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal"];
    if (needsTarget.includes(r.action) && r.target_label === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["target_label"],
        message: `relabel action ${r.action} needs target_label`,
      });
    }
    if (r.action === "hashmod" && r.modulus === undefined) {
      ctx.addIssue({ code: "custom", path: ["modulus"], message: "relabel action hashmod needs modulus" });
    }
  });

export type RelabelConfig = z.output<typeof relabelConfigSchema>;

const target = z.string().regex(/^[^\s/]+:\d+$/, "a target is host:port");

export const scrapeConfigSchema = z.strictObject({
  job_name: z.string().min(1),
  scrape_interval: duration().optional(),
  scrape_timeout: duration().optional(),
  metrics_path: z.string().startsWith("/").default("/metrics"),
  scheme: z.enum(["http", "https"]).default("http"),
  params: z.record(z.string(), z.array(z.string())).optional(),
  honor_labels: z.boolean().default(false),
  honor_timestamps: z.boolean().default(true),
  /** Scrapes with more samples than this fail (0 = no limit). */
  sample_limit: z.number().int().min(0).default(0),
  /** Bodies larger than this (bytes, uncompressed) fail the scrape (0 = the global default). */
  body_size_limit: z.number().int().min(0).default(0),
  static_configs: z
    .array(
      z.strictObject({
        targets: z.array(target).default([]),
        labels: z.record(z.string().regex(LABEL_NAME, "invalid label name"), z.string()).default({}),
      }),
    )
    .default([]),
  relabel_configs: z.array(relabelConfigSchema).default([]),
  metric_relabel_configs: z.array(relabelConfigSchema).default([]),
});

export type ScrapeConfig = z.output<typeof scrapeConfigSchema>;
