// A real Prometheus (Debian's) with lineops as its Alertmanager: its alerting rule fires, it POSTs
// the alert to lineops's /api/v2/alerts with an operator token (alerting.alertmanagers[].authorization),
// and lineops routes it to a webhook — an external Prometheus sends to lineops as to Alertmanager.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../main.js";
import { startPrometheus, type RunningPrometheus } from "../monitoring/test-support/prometheus.js";
import { waitFor } from "../test-support/wait.js";
import type { WebhookPayload } from "./notify/payload.js";
import { startReceiver, type TestReceiver } from "./notify/test-support/receiver.js";

let lineops: Lineops | undefined;
let prometheus: RunningPrometheus | undefined;
let hook: TestReceiver | undefined;

afterAll(async () => {
  await prometheus?.stop();
  await lineops?.stop();
  await hook?.close();
});

describe("a real Prometheus sending to lineops as its Alertmanager", () => {
  it("delivers the Prometheus rule's alert to lineops's webhook receiver", async () => {
    hook = await startReceiver();
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-prom-am-"));
    writeFileSync(
      path.join(dir, "lineops.yaml"),
      `monitoring:
  host: {enabled: false}
alerting:
  route:
    receiver: hook
    group_wait: 0s
    group_interval: 1s
    group_by: [alertname]
  receivers:
    - name: hook
      webhook_configs:
        - url: ${hook.url}
`,
    );
    lineops = await startLineops({
      dataDir: path.join(dir, "data"),
      port: 0,
      configFile: path.join(dir, "lineops.yaml"),
      logger: pino({ level: "silent" }),
    });
    const sender = lineops.tokens.create("prometheus", "operator").token;
    const lineopsPort = new URL(lineops.url).port;
    const rules = path.join(dir, "prom-rules.yml");
    writeFileSync(
      rules,
      `groups:
  - name: from-prometheus
    rules:
      - alert: PressOverheating
        expr: vector(92)
        labels: {severity: critical, station: press-1}
        annotations: {summary: "press at {{ $value }} °C"}
`,
    );
    prometheus = await startPrometheus({
      // Its first send can precede the discovery of its alertmanager (then dropped); it re-sends
      // firing alerts every resend delay, 1m by default.
      extraArgs: ["--rules.alert.resend-delay=1s"],
      configYaml: `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [${rules}]
alerting:
  alertmanagers:
    - api_version: v2
      authorization: { credentials: ${sender} }
      static_configs: [{ targets: ["127.0.0.1:${lineopsPort}"] }]
`,
    });

    const body = await waitFor(
      () => hook?.requests[0]?.body,
      30_000,
      "Prometheus's alert through lineops to the webhook",
    ).catch((err: unknown) => {
      const diag = `lineops alerts: ${JSON.stringify(lineops?.alerting.alerts())}`;
      throw new Error(`${String(err)}\n${diag}\nPrometheus log:\n${prometheus?.logTail() ?? ""}`);
    });
    const payload = JSON.parse(body) as WebhookPayload;
    expect(payload).toMatchObject({
      version: "4",
      receiver: "hook",
      status: "firing",
      groupLabels: { alertname: "PressOverheating" },
      alerts: [
        {
          status: "firing",
          labels: { alertname: "PressOverheating", severity: "critical", station: "press-1" },
          annotations: { summary: "press at 92 °C" },
        },
      ],
    });
    // Prometheus's own generatorURL came through, and lineops lists the alert as Alertmanager would.
    expect(payload.alerts[0]?.generatorURL).toContain(`:${prometheus.port}/graph?g0.expr=`);
    expect(lineops.alerting.alerts().map((a) => a.labels.alertname)).toEqual(["PressOverheating"]);
  }, 60_000);
});
