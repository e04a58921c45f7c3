// Reload without restart, end to end on the real `lineops serve` process (issue P8, Deliver 1 and
// "Bad input"): with an alert firing and delivered to a webhook, (a) an edited rule file and SIGHUP
// keep the firing alert's state (same activeAt, no second notification inside repeat_interval) while
// the new rule evaluates and the removed rule's alert goes (and is resolved); (b) a changed alerting
// config and POST /-/reload route to a new receiver; (c) a broken rule file, a bad template and a
// route naming an unknown receiver are refused with file:line and the fault, the running config
// keeps delivering, and lineops_config_last_reload_successful says so.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ControlPlanes, servedAt } from "../test-support/cli.js";
import { waitFor } from "../test-support/wait.js";
import type { WebhookPayload } from "./notify/payload.js";
import { startReceiver, type TestReceiver } from "./notify/test-support/receiver.js";

const planes = new ControlPlanes();
const receivers: TestReceiver[] = [];
afterAll(async () => {
  await planes.stopAll();
  await Promise.all(receivers.map((r) => r.close()));
});

type ApiAlert = {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt: string;
};

const rules = (body: string) => `groups:
  - name: reload
    interval: 300ms
    rules:
${body}`;

const KEPT = (summary: string) => `      - alert: Kept
        expr: vector(1)
        annotations:
          summary: ${summary}
`;
const REMOVED = `      - alert: Removed
        expr: vector(1)
`;
const ADDED = `      - alert: Added
        expr: vector(1)
        labels:
          team: second
`;

const alerting = (hook: string, second?: string) => `alerting:
  route:
    receiver: hook
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
    group_by: [alertname]
${second ? `    routes:\n      - receiver: second\n        matchers: ['team="second"']\n` : ""}  receivers:
    - name: hook
      webhook_configs:
        - url: ${hook}
          send_resolved: true
${second ? `    - name: second\n      webhook_configs:\n        - url: ${second}\n          send_resolved: true\n` : ""}`;

describe("lineops reloads rule files and the alerting config without a restart", () => {
  it("keeps firing alerts, applies the new config, and refuses a broken one while the old keeps delivering", async () => {
    const hook = await startReceiver();
    const second = await startReceiver();
    receivers.push(hook, second);
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-reload-"));
    const dataDir = path.join(dir, "data");
    const rulesFile = path.join(dir, "rules.yaml");
    const configFile = path.join(dir, "lineops.yaml");
    const config = (alertingSection: string) =>
      `monitoring:\n  host: {enabled: false}\nrule_files: [rules.yaml]\n${alertingSection}`;
    writeFileSync(rulesFile, rules(KEPT("first") + REMOVED));
    writeFileSync(configFile, config(alerting(hook.url)));

    const serve = planes.spawn(dataDir, [
      "serve",
      "--config",
      configFile,
      "--data-dir",
      dataDir,
      "--port",
      "0",
      "--log-level",
      "info",
    ]);
    const { url, token } = await servedAt(serve);
    const auth = { authorization: `Bearer ${token}` };
    const alerts = async () => {
      const res = await fetch(`${url}/api/v1/alerts`, { headers: auth });
      return ((await res.json()) as { data: { alerts: ApiAlert[] } }).data.alerts;
    };
    const alertNamed = async (name: string) => (await alerts()).find((a) => a.labels.alertname === name);
    const sent = (r: TestReceiver, alertname: string, status: "firing" | "resolved") =>
      r.requests
        .map((q) => JSON.parse(q.body) as WebhookPayload)
        .filter((p) => p.groupLabels.alertname === alertname && p.status === status);
    const reloadMetric = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = /^lineops_config_last_reload_successful (\S+)$/m.exec(text);
      return m ? Number(m[1]) : undefined;
    };
    const postReload = async () => {
      const res = await fetch(`${url}/-/reload`, { method: "POST", headers: auth });
      return { status: res.status, body: await res.text() };
    };

    await waitFor(
      () => sent(hook, "Kept", "firing").length > 0 && sent(hook, "Removed", "firing").length > 0,
      20_000,
      "Kept and Removed delivered",
    );
    expect(await reloadMetric()).toBe(1);
    const keptBefore = await alertNamed("Kept");
    expect(keptBefore?.state).toBe("firing");
    expect(keptBefore?.annotations.summary).toBe("first");
    const keptNotifications = sent(hook, "Kept", "firing").length;

    // (a) One rule added, the firing one's annotation changed, one removed; SIGHUP.
    writeFileSync(rulesFile, rules(KEPT("second") + ADDED));
    serve.kill("SIGHUP");
    await waitFor(
      async () => (await alertNamed("Kept"))?.annotations.summary === "second",
      10_000,
      "Kept's new annotation",
    );
    await waitFor(async () => (await alertNamed("Added"))?.state === "firing", 10_000, "Added firing");
    await waitFor(() => sent(hook, "Added", "firing").length > 0, 10_000, "Added delivered");
    expect(await alertNamed("Removed")).toBeUndefined();
    const keptAfter = await alertNamed("Kept");
    expect(keptAfter?.state).toBe("firing");
    expect(keptAfter?.activeAt).toBe(keptBefore?.activeAt);
    // The removed rule's alert is resolved at the receiver, not left firing until it times out.
    await waitFor(() => sent(hook, "Removed", "resolved").length > 0, 10_000, "Removed resolved");
    expect(await reloadMetric()).toBe(1);

    // (b) A route for team="second" to a second receiver; POST /-/reload.
    writeFileSync(configFile, config(alerting(hook.url, second.url)));
    const ok = await postReload();
    expect(ok.status, ok.body).toBe(200);
    // The held Added alert is regrouped under the new route and delivered there.
    await waitFor(() => sent(second, "Added", "firing").length > 0, 10_000, "Added at the second receiver");
    expect(sent(second, "Kept", "firing")).toEqual([]);

    // (c) Broken inputs: each refused with file:line and the fault; the running config stays.
    const before = { rules: rules(KEPT("second") + ADDED), config: config(alerting(hook.url, second.url)) };
    const refused = async (what: string, pattern: RegExp) => {
      const res = await postReload();
      expect(res.status, `${what}: ${res.body}`).toBe(400);
      // Alertmanager's and Prometheus's error shape: {"status":"error","errorType":..., "error":...}.
      expect((JSON.parse(res.body) as { error: string }).error, what).toMatch(pattern);
      expect(await reloadMetric(), what).toBe(0);
    };
    writeFileSync(rulesFile, `${before.rules}      - alert: Broken\n        expr: vector(1\n`);
    await refused("bad PromQL", /rules\.yaml:14:\d+: .*"Broken".*parse error/);
    writeFileSync(
      rulesFile,
      `${before.rules}      - alert: BadTemplate\n        expr: vector(1)\n        annotations:\n          summary: "{{ $labels.x"\n`,
    );
    await refused("bad template", /rules\.yaml:16:\d+: .*"BadTemplate".*summary.*unclosed action/);
    writeFileSync(rulesFile, `${before.rules}  - name: [unclosed\n`);
    await refused("bad YAML", /rules\.yaml:14:\d+: .*Flow sequence/);
    // SIGHUP says so in the log and the metric as well.
    serve.kill("SIGHUP");
    await waitFor(() => /reload failed/.test(serve.output()), 10_000, "SIGHUP's failure logged");
    writeFileSync(rulesFile, before.rules);
    writeFileSync(configFile, before.config.replace("receiver: second", "receiver: nobody"));
    await refused("unknown receiver", /lineops\.yaml:12:\d+: .*undefined receiver "nobody"/);

    // The running configuration still delivers: a new firing alert goes to the second receiver.
    const postAlert = await fetch(`${url}/api/v2/alerts`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify([{ labels: { alertname: "AfterRefusal", team: "second" } }]),
    });
    expect(postAlert.status).toBe(200);
    await waitFor(
      () => sent(second, "AfterRefusal", "firing").length > 0,
      10_000,
      "the running config delivering after the refused reloads",
    );
    // Still no second notification of Kept: its group was never re-sent inside repeat_interval.
    expect(sent(hook, "Kept", "firing").length).toBe(keptNotifications);
    expect((await alertNamed("Kept"))?.activeAt).toBe(keptBefore?.activeAt);

    // A good config again: the metric recovers.
    writeFileSync(configFile, before.config);
    expect((await postReload()).status).toBe(200);
    expect(await reloadMetric()).toBe(1);
  }, 120_000);
});
