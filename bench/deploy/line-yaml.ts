// The line the deploy benchmark runs: the five sample services of examples/line.yaml, at one
// version each, with absolute paths so the YAML works from a temp dir and through POST /api/v1/line.
import path from "node:path";

export const SERVICES = [
  "plc-gateway",
  "station-controller",
  "quality-inspection",
  "mes-connector",
  "line-controller",
] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * The analysis the faulty canary scenario runs: the canary revision's share of 5xx answers at
 * line-controller's front door, from the router's own metrics (lineops scrapes itself every 5 s).
 * No traffic on the canary means no denominator: inconclusive, never a pass.
 */
const canary = (code: string) =>
  `sum(rate(lineops_router_requests_total{service="line-controller",revision="{{args.revision}}"${code}}[20s]))`;
const ERROR_RATE_TEMPLATE = [
  "analysisTemplates:",
  "  - name: error-rate",
  "    metrics:",
  "      - name: errors",
  `        query: '(${canary(',code=~"5.."')} or vector(0)) / ${canary("")}'`,
  "        interval: 2s",
  "        count: 8",
  "        inconclusiveLimit: 6",
  "        successCondition: result < 0.05",
];

export function lineYaml(root: string, versions: Partial<Record<ServiceName, string>> = {}): string {
  const v = (s: ServiceName) => JSON.stringify(versions[s] ?? "1.0.0");
  const common = (s: ServiceName) =>
    [
      `  - name: ${s}`,
      `    version: ${v(s)}`,
      `    command: node`,
      `    args: [${JSON.stringify(path.join("dist/line/services", `${s}.js`))}]`,
      `    cwd: ${JSON.stringify(root)}`,
      `    readiness: { type: http, path: /readyz, interval: 500ms, timeout: 1s }`,
      `    liveness: { type: http, path: /healthz, interval: 5s, timeout: 2s, initialDelay: 5s, failureThreshold: 3 }`,
    ].join("\n");
  return [
    "line:",
    "  name: bench-deploy-line",
    ...ERROR_RATE_TEMPLATE,
    "services:",
    common("plc-gateway"),
    common("station-controller"),
    `    stations: ["1", "2", "3", "4"]`,
    `    dependsOn: [plc-gateway]`,
    common("quality-inspection"),
    common("mes-connector"),
    common("line-controller"),
    `    replicas: 2`,
    `    env: { STATION_COUNT: "4" }`,
    `    dependsOn: [station-controller, quality-inspection, mes-connector]`,
    "",
  ].join("\n");
}
