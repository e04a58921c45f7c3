// A scrape target: where to scrape, how often, and the labels its samples carry. Targets come from
// two sources: every runtime instance of the line, and the static scrape_configs of lineops.yaml.
import type { ScrapeConfig } from "../../config/scrape-schema.js";
import type { Labels } from "../model.js";
import { compileRelabel, relabel } from "./relabel.js";
import { formatDuration } from "../../model/duration.js";

export type ScrapeTarget = {
  /** Identity: the same key across syncs means the same loop keeps running. */
  key: string;
  job: string;
  url: string;
  /** Labels every sample of this target gets (job, instance, and discovered labels). */
  labels: Labels;
  /** Labels before relabel_configs, shown by /api/v1/targets as discoveredLabels. */
  discoveredLabels: Labels;
  intervalMs: number;
  timeoutMs: number;
  honorLabels: boolean;
  honorTimestamps: boolean;
  sampleLimit: number;
  bodySizeLimitBytes: number;
  metricRelabel: ReturnType<typeof compileRelabel>;
  /** Prometheus's tls_config.insecure_skip_verify: only lineops's own HTTPS listener uses it. */
  insecureSkipVerify?: boolean;
};

export type ScrapeDefaults = {
  intervalMs: number;
  timeoutMs: number;
  bodySizeLimitBytes: number;
  sampleLimit: number;
};

/** One runtime instance, as the composition root describes it to monitoring. */
export type InstanceTarget = {
  service: string;
  instanceId: string;
  host: string;
  port: number;
  metricsPath: string;
  revision: string;
  version: string;
  station?: string;
  /** The line the instance belongs to (label `line`). */
  line?: string;
};

/** The labels every sample scraped from one runtime instance carries (job, instance, service, ...). */
export function instanceTargetLabels(i: InstanceTarget): Record<string, string> {
  const labels: Record<string, string> = {
    job: i.service,
    instance: `${i.host}:${i.port}`,
    service: i.service,
    revision: i.revision,
    version: i.version,
  };
  if (i.station !== undefined) {
    labels.station = i.station;
  }
  if (i.line !== undefined && i.line !== "") {
    labels.line = i.line;
  }
  return labels;
}

/**
 * The labels of one instance's process series (lineops_instance_*): its scrape's own labels, so
 * they join with what the instance exports (`up`, its request counters) on job and instance, plus
 * `instance_id`, the runtime's id, which the API and the pages name instances by. An instance's
 * address may be reused by its replacement; the id never is.
 */
export function instanceProcessLabels(i: InstanceTarget): Record<string, string> {
  return { ...instanceTargetLabels(i), instance_id: i.instanceId };
}

export function instanceScrapeTarget(i: InstanceTarget, d: ScrapeDefaults): ScrapeTarget {
  const labels = instanceTargetLabels(i);
  const instance = labels.instance ?? `${i.host}:${i.port}`;
  return {
    key: `line/${i.instanceId}/${instance}`,
    job: i.service,
    url: `http://${instance}${i.metricsPath}`,
    labels,
    discoveredLabels: {
      ...labels,
      __address__: instance,
      __metrics_path__: i.metricsPath,
      __scheme__: "http",
    },
    intervalMs: d.intervalMs,
    timeoutMs: Math.min(d.timeoutMs, d.intervalMs),
    honorLabels: false,
    honorTimestamps: true,
    sampleLimit: d.sampleLimit,
    bodySizeLimitBytes: d.bodySizeLimitBytes,
    metricRelabel: [],
  };
}

/** Expands static scrape_configs into targets, applying relabel_configs as Prometheus does. */
export function staticScrapeTargets(configs: readonly ScrapeConfig[], d: ScrapeDefaults): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  for (const c of configs) {
    const intervalMs = c.scrape_interval ?? d.intervalMs;
    const timeoutMs = Math.min(c.scrape_timeout ?? Math.min(d.timeoutMs, intervalMs), intervalMs);
    const targetRelabel = compileRelabel(c.relabel_configs);
    const metricRelabel = compileRelabel(c.metric_relabel_configs);
    for (const group of c.static_configs) {
      for (const address of group.targets) {
        const discovered: Record<string, string> = {
          ...group.labels,
          job: c.job_name,
          __address__: address,
          __metrics_path__: c.metrics_path,
          __scheme__: c.scheme,
          __scrape_interval__: formatDuration(intervalMs),
          __scrape_timeout__: formatDuration(timeoutMs),
        };
        for (const [k, v] of Object.entries(c.params ?? {})) {
          if (v[0] !== undefined) {
            discovered[`__param_${k}`] = v[0];
          }
        }
        const relabeled = relabel(discovered, targetRelabel);
        if (!relabeled || !relabeled.__address__) {
          continue; // dropped by relabel_configs
        }
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(relabeled)) {
          if (!k.startsWith("__")) {
            labels[k] = v;
          }
        }
        labels.instance ??= relabeled.__address__;
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(relabeled)) {
          if (k.startsWith("__param_")) {
            params.set(k.slice("__param_".length), v);
          }
        }
        const query = params.size > 0 ? `?${params.toString()}` : "";
        const url = `${relabeled.__scheme__ ?? c.scheme}://${relabeled.__address__}${relabeled.__metrics_path__ ?? c.metrics_path}${query}`;
        targets.push({
          key: `static/${c.job_name}/${url}`,
          job: c.job_name,
          url,
          labels,
          discoveredLabels: discovered,
          intervalMs,
          timeoutMs,
          honorLabels: c.honor_labels,
          honorTimestamps: c.honor_timestamps,
          sampleLimit: c.sample_limit,
          bodySizeLimitBytes: c.body_size_limit || d.bodySizeLimitBytes,
          metricRelabel,
        });
      }
    }
  }
  return targets;
}
