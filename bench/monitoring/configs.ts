// The two systems' configs for the same targets: one job, one interval, timeout = interval.

/** Prometheus's scrape_timeout may not exceed its interval; 10 s is its default cap. */
function timeoutMs(intervalMs: number): number {
  return Math.min(intervalMs, 10_000);
}

function targetsYaml(instances: string[], indent: string): string {
  return instances.map((i) => `${indent}- "${i}"`).join("\n");
}

export function prometheusConfig(instances: string[], intervalMs: number): string {
  return `global:
  scrape_interval: ${intervalMs}ms
  scrape_timeout: ${timeoutMs(intervalMs)}ms
scrape_configs:
  - job_name: sim
    static_configs:
      - targets:
${targetsYaml(instances, "          ")}
`;
}

export function lineopsConfig(instances: string[], intervalMs: number): string {
  // Host metrics off: only the simulated load counts.
  return `monitoring:
  host:
    enabled: false
scrape_configs:
  - job_name: sim
    scrape_interval: ${intervalMs}ms
    scrape_timeout: ${timeoutMs(intervalMs)}ms
    static_configs:
      - targets:
${targetsYaml(instances, "          ")}
`;
}
