// The SIGKILL test, on the real `lineops serve` process: kill -9 while alerts fire and one
// is pending; after the restart the firing alert is still firing without a second notification
// inside repeat_interval, the pending one is still pending with its `for` progress (Prometheus's
// restore rules: for ≥ the 10 m grace, the downtime does not count), and a condition that cleared
// while lineops was down sends its resolve.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ControlPlanes, servedAt } from "../test-support/cli.js";
import { waitFor } from "../test-support/wait.js";
import type { WebhookPayload } from "./notify/payload.js";
import { startReceiver, type TestReceiver } from "./notify/test-support/receiver.js";

const planes = new ControlPlanes();
let hook: TestReceiver | undefined;
afterAll(async () => {
  await planes.stopAll();
  await hook?.close();
});

type ApiAlert = { labels: Record<string, string>; state: string; activeAt: string };

describe("lineops SIGKILLed while alerts fire", () => {
  it("keeps firing and pending alerts, sends no duplicate, and sends the resolve that came due", async () => {
    hook = await startReceiver();
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-alert-kill-"));
    const dataDir = path.join(dir, "data");
    // ClearsWhileDown holds until `clearAt`, a moment the test spends with lineops killed.
    const clearAt = Math.floor(Date.now() / 1000) + 20;
    writeFileSync(
      path.join(dir, "rules.yaml"),
      `groups:
  - name: kill
    interval: 500ms
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
      - alert: ClearsWhileDown
        expr: vector(time()) < ${clearAt}
      - alert: StillPending
        expr: vector(1)
        for: 20m
`,
    );
    writeFileSync(
      path.join(dir, "lineops.yaml"),
      `monitoring:
  host: {enabled: false}
rule_files: [rules.yaml]
alerting:
  route:
    receiver: hook
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
    group_by: [alertname]
  receivers:
    - name: hook
      webhook_configs:
        - url: ${hook.url}
          send_resolved: true
`,
    );
    const serve = () =>
      planes.spawn(dataDir, [
        "serve",
        "--config",
        path.join(dir, "lineops.yaml"),
        "--data-dir",
        dataDir,
        "--port",
        "0",
        "--log-level",
        "warn",
      ]);
    const notifications = () => (hook?.requests ?? []).map((r) => JSON.parse(r.body) as WebhookPayload);
    const sent = (alertname: string, status: "firing" | "resolved") =>
      notifications().filter((p) => p.groupLabels.alertname === alertname && p.status === status);

    const first = serve();
    const { url, token } = await servedAt(first);
    const alertsOf = async (base: string) => {
      const res = await fetch(`${base}/api/v1/alerts`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { data: { alerts: ApiAlert[] } }).data.alerts;
    };
    await waitFor(
      () =>
        sent("AlwaysFiring", "firing").length > 0 && sent("ClearsWhileDown", "firing").length > 0
          ? true
          : undefined,
      20_000,
      "both firing notifications",
    );
    const pendingBefore = (await alertsOf(url)).find((a) => a.labels.alertname === "StillPending");
    expect(pendingBefore?.state).toBe("pending");

    first.kill("SIGKILL");
    await waitFor(() => (first.signalCode !== null ? true : undefined), 10_000, "lineops killed");
    const killedAt = Date.now();
    const firingBefore = sent("AlwaysFiring", "firing").length;
    // Down until the cleared condition has passed its moment.
    await new Promise((r) => setTimeout(r, Math.max(0, clearAt * 1000 - Date.now() + 1000)));

    const second = serve();
    const url2 = await waitFor(
      () => /lineops (http:\/\/\S+)/.exec(second.output())?.[1],
      20_000,
      "restarted serve to print its URL",
    );
    await waitFor(
      () => (sent("ClearsWhileDown", "resolved").length > 0 ? true : undefined),
      20_000,
      "the resolve",
    );
    // Several group_intervals later: still no second notification of the firing group.
    await new Promise((r) => setTimeout(r, 3000));
    expect(sent("AlwaysFiring", "firing").length).toBe(firingBefore);

    const after = await alertsOf(url2);
    expect(after.find((a) => a.labels.alertname === "AlwaysFiring")?.state).toBe("firing");
    const pendingAfter = after.find((a) => a.labels.alertname === "StillPending");
    expect(pendingAfter?.state).toBe("pending");
    // Its progress kept, minus the downtime: activeAt moved forward by about the outage, not reset to now.
    const moved = Date.parse(pendingAfter?.activeAt ?? "") - Date.parse(pendingBefore?.activeAt ?? "");
    expect(moved).toBeGreaterThanOrEqual(0);
    expect(moved).toBeLessThanOrEqual(Date.now() - killedAt + 2000);
    expect(after.find((a) => a.labels.alertname === "ClearsWhileDown")).toBeUndefined();
  }, 90_000);
});
