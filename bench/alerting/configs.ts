// The same target, rule and receiver for both systems, at the same scrape and evaluation interval.
// group_by [round]: every round is its own alert group, so with group_wait 0 its first notification
// goes out at once (no batching with earlier rounds' groups).

export const ALERT_NAME = "BenchValueHigh";

export function rulesYaml(intervalMs: number): string {
  return `groups:
  - name: bench
    interval: ${intervalMs}ms
    rules:
      - alert: ${ALERT_NAME}
        expr: bench_value > 0.5
        for: 0s
        annotations:
          summary: "bench round {{ $labels.round }}"
`;
}

/** `extraConfigs`: more configs of the receiver (lineops's other channels), at its indentation. */
function routeYaml(hookUrl: string, indent: string, extraConfigs = ""): string {
  return `route:
  receiver: hook
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  group_by: [round]
receivers:
  - name: hook
    webhook_configs:
      - url: ${hookUrl}
        send_resolved: false
${extraConfigs}`
    .split("\n")
    .map((l) => (l ? indent + l : l))
    .join("\n");
}

export function lineopsYaml(o: {
  targetPort: number;
  intervalMs: number;
  rulesFile: string;
  /** The receiver's other channel configs (channels.ts configsYaml("    ")). */
  extraConfigs?: string;
}): string {
  return `monitoring:
  host:
    enabled: false
  scrapeInterval: ${o.intervalMs}ms
  scrapeTimeout: ${o.intervalMs}ms
  evaluationInterval: ${o.intervalMs}ms
rule_files: [${JSON.stringify(o.rulesFile)}]
scrape_configs:
  - job_name: bench
    scrape_interval: ${o.intervalMs}ms
    scrape_timeout: ${o.intervalMs}ms
    metrics_path: /metrics/lineops
    static_configs:
      - targets: ["127.0.0.1:${o.targetPort}"]
alerting:
${routeYaml(`http://127.0.0.1:${o.targetPort}/hook/lineops`, "  ", o.extraConfigs)}`;
}

export function prometheusYaml(o: {
  targetPort: number;
  intervalMs: number;
  rulesFile: string;
  alertmanagerPort: number;
}): string {
  return `global:
  scrape_interval: ${o.intervalMs}ms
  scrape_timeout: ${o.intervalMs}ms
  evaluation_interval: ${o.intervalMs}ms
rule_files: [${JSON.stringify(o.rulesFile)}]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:${o.alertmanagerPort}"]
scrape_configs:
  - job_name: bench
    metrics_path: /metrics/baseline
    static_configs:
      - targets: ["127.0.0.1:${o.targetPort}"]
`;
}

export function alertmanagerYaml(targetPort: number): string {
  return routeYaml(`http://127.0.0.1:${targetPort}/hook/baseline`, "");
}
