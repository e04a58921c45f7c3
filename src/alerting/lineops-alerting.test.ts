// lineops's own alerting rules feeding the alerting engine in a whole lineops started in-process:
// lineops.yaml names a rule file and has an `alerting:` section that routes to a test webhook.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../main.js";
import { waitFor } from "../test-support/wait.js";
import { startReceiver, type TestReceiver } from "./notify/test-support/receiver.js";
import type { WebhookPayload } from "./notify/payload.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    await c();
  }
});

const RULES = `groups:
  - name: self
    interval: 200ms
    rules:
      - alert: LineopsAlive
        expr: vector(1)
        labels: {severity: info}
        annotations: {summary: "value {{ $value }}"}
`;

function lineopsYaml(hookUrl: string, receiver = "hook"): string {
  return `monitoring:
  host: {enabled: false}
rule_files: [rules.yaml]
alerting:
  route:
    receiver: ${receiver}
    group_wait: 0s
    group_interval: 1s
    group_by: [alertname]
  receivers:
    - name: hook
      webhook_configs:
        - url: ${hookUrl}
`;
}

async function start(dir: string): Promise<Lineops> {
  const lineops = await startLineops({
    dataDir: path.join(dir, "data"),
    port: 0,
    configFile: path.join(dir, "lineops.yaml"),
    logger: pino({ level: "silent" }),
  });
  cleanups.push(() => lineops.stop());
  return lineops;
}

describe("lineops with an alerting: section", () => {
  it("routes the alerts of its own rules to the configured webhook", async () => {
    const hook: TestReceiver = await startReceiver();
    cleanups.push(() => hook.close());
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-alerting-main-"));
    writeFileSync(path.join(dir, "rules.yaml"), RULES);
    writeFileSync(path.join(dir, "lineops.yaml"), lineopsYaml(hook.url));
    const lineops = await start(dir);

    const body = await waitFor(() => hook.requests[0]?.body, 15_000, "the rule's notification");
    const payload = JSON.parse(body) as WebhookPayload;
    expect(payload).toMatchObject({
      receiver: "hook",
      status: "firing",
      groupLabels: { alertname: "LineopsAlive" },
      externalURL: lineops.url,
      alerts: [
        {
          status: "firing",
          labels: { alertname: "LineopsAlive", severity: "info" },
          annotations: { summary: "value 1" },
        },
      ],
    });
    expect(payload.alerts[0]?.generatorURL.startsWith(lineops.url)).toBe(true);
    expect(lineops.alerting.alerts().map((a) => a.labels.alertname)).toEqual(["LineopsAlive"]);
    expect(lineops.alerting.receivers()).toEqual(["hook"]);

    // A reload with a route naming an unknown receiver is refused and the running config kept.
    writeFileSync(path.join(dir, "lineops.yaml"), lineopsYaml(hook.url, "nobody"));
    await expect(lineops.reload()).rejects.toThrow(
      /lineops\.yaml:\d+:\d+: alerting\.route\.receiver: undefined receiver "nobody" used in route/,
    );
    expect(lineops.alerting.receivers()).toEqual(["hook"]);
  });

  it("refuses to start with an invalid alerting section, naming the place in lineops.yaml", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-alerting-main-"));
    writeFileSync(path.join(dir, "rules.yaml"), RULES);
    writeFileSync(path.join(dir, "lineops.yaml"), lineopsYaml("http://127.0.0.1:1/hook", "nobody"));
    await expect(start(dir)).rejects.toThrow(
      /lineops\.yaml:6:15: alerting\.route\.receiver: undefined receiver "nobody"/,
    );
  });
});
