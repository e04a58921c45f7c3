// Escalation end to end on the real `lineops serve` (npm run build first), loopback webhook receivers
// that verify lineops's signature, and the policy applied with the CLI:
// - the sample line's plc-gateway fault opens an incident, its first level is delivered (signed,
//   keyed), the receipt shows in the incident's timeline, and acknowledging stops level 2;
// - SIGKILL in the middle of a chain: restarted after level 2 came due, lineops sends level 2 once,
//   at once, and never level 1 again.
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ControlPlanes, runCli, servedAt } from "../../test-support/cli.js";
import { twoStationLineYaml } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";
import { PACK, scaledPackFile } from "../../monitoring/rules/test-support/scaled-rule-pack.js";
import { verifyWebhookSignature } from "../notify/channels/webhook.js";

const SECRET = "escalation-e2e-signing-secret";

/** A webhook receiver on loopback: records each request's key, event and whether its signature verified. */
class Receiver {
  readonly got: { key: string; event: string; verified: boolean; reason?: string; at: number }[] = [];
  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<Receiver> {
    const server = http.createServer();
    const r = new Receiver(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const check = verifyWebhookSignature({
          body: Buffer.concat(chunks),
          header: String(req.headers["x-lineops-signature"] ?? ""),
          secrets: [SECRET],
          toleranceSeconds: 300,
        });
        r.got.push({
          key: String(req.headers["idempotency-key"] ?? ""),
          event: String(req.headers["x-lineops-event"] ?? ""),
          verified: check.ok,
          ...(check.ok ? {} : { reason: check.reason }),
          at: Date.now(),
        });
        res.writeHead(check.ok ? 200 : 401).end();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  pages(): string[] {
    return this.got.filter((g) => g.key.startsWith("escalation/")).map((g) => g.key);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, "close");
  }
}

const planes = new ControlPlanes();
const receivers: Receiver[] = [];
afterAll(async () => {
  await planes.stopAll();
  await Promise.all(receivers.map((r) => r.close()));
});

const alertingYaml = (level1: Receiver, level2: Receiver) => `alerting:
  route: { receiver: quiet, group_wait: 1s }
  receivers:
    - name: quiet
    - name: level1
      webhook_configs: [{ url: "${level1.url}", signing_secret: ${SECRET} }]
      delivery: { max_attempts: 5 }
    - name: level2
      webhook_configs: [{ url: "${level2.url}", signing_secret: ${SECRET} }]
`;

const policyYaml = (timeout: string) => `default: true
levels:
  - timeout: ${timeout}
    targets: [{ kind: receiver, name: level1 }]
  - timeout: ${timeout}
    targets: [{ kind: receiver, name: level2 }]
`;

type Timeline = { kind: string; message: string; data?: { channel?: string; detail?: string } }[];

function api(url: string, token: string) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  return {
    get: async <T>(p: string): Promise<T> => (await (await fetch(`${url}${p}`, { headers })).json()) as T,
    post: (p: string, body: unknown) =>
      fetch(`${url}${p}`, { method: "POST", headers, body: JSON.stringify(body) }),
  };
}

describe("escalation on the real lineops", () => {
  it("pages level 1 of a plc-gateway incident with a signed webhook, shows the receipt, and stops at the acknowledgement", async () => {
    const level1 = await Receiver.start();
    const level2 = await Receiver.start();
    receivers.push(level1, level2);
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-escalation-e2e-"));
    const dataDir = path.join(dir, "data");
    for (const file of PACK) {
      writeFileSync(path.join(dir, file), scaledPackFile(file));
    }
    writeFileSync(
      path.join(dir, "lineops.yaml"),
      `rule_files: [${PACK.join(", ")}]
monitoring:
  scrapeInterval: 1s
  scrapeTimeout: 900ms
  evaluationInterval: 500ms
  host: { enabled: false }
${alertingYaml(level1, level2)}`,
    );
    const lineFile = path.join(dir, "line.yaml");
    writeFileSync(lineFile, twoStationLineYaml("escalation-line"));
    const serve = planes.spawn(dataDir, [
      "serve",
      "--config",
      path.join(dir, "lineops.yaml"),
      "--line",
      lineFile,
      "--data-dir",
      dataDir,
      "--port",
      "0",
    ]);
    const { url, token } = await servedAt(serve, 30_000);
    const env = { LINEOPS_URL: url, LINEOPS_TOKEN: token };
    const client = api(url, token);

    // An unknown receiver is refused by name and nothing is stored; the real policy is applied.
    writeFileSync(path.join(dir, "bad.yaml"), policyYaml("10m").replace("name: level2", "name: pager"));
    const bad = await runCli(
      ["escalation", "policies", "apply", "line", "-f", path.join(dir, "bad.yaml")],
      env,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/levels\[1\]\.targets\[0\]: unknown receiver "pager"/);
    writeFileSync(path.join(dir, "policy.yaml"), policyYaml("10m"));
    const applied = await runCli(
      ["escalation", "policies", "apply", "line", "-f", path.join(dir, "policy.yaml")],
      env,
    );
    expect([applied.code, applied.stderr, applied.stdout]).toEqual([
      0,
      "",
      "escalation policy line created (revision 1)\n",
    ]);
    const listed = await runCli(["escalation", "policies", "list"], env);
    expect(listed.stdout).toMatch(
      /^line\s+default\s+1: receiver level1 \(10m\) → 2: receiver level2 \(10m\)\s+0\s+-$/m,
    );

    await waitFor(
      async () => {
        const r = await client.get<{ data?: { result: unknown[] } }>(
          `/api/v1/query?query=${encodeURIComponent('plc_connected{line="escalation-line"} == 1')}`,
        );
        return (r.data?.result.length ?? 0) > 0 || undefined;
      },
      40_000,
      "plc_connected scraped at 1",
      250,
    );
    const plc = await client.get<{ status: { url?: string } }>("/api/v1/services/plc-gateway");
    const injected = await fetch(`${plc.status.url ?? ""}/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "plc-disconnect" }),
    });
    expect(injected.status).toBeLessThan(300);

    // Level 1 arrives, signed, keyed by incident, trigger, repeat, level and channel.
    const page = await waitFor(() => level1.got[0], 60_000, "level 1's webhook", 250);
    expect(page).toMatchObject({ event: "trigger", verified: true });
    const id = Number(/^escalation\/(\d+)\/1\/0\/1\/level1\/webhook\/0$/.exec(page.key)?.[1]);
    expect(id).toBeGreaterThan(0);
    const incident = await waitFor(
      async () => {
        const i = await client.get<{ rootCause?: { service: string }; timeline: Timeline }>(
          `/api/v1/incidents/${id}`,
        );
        return i.timeline.some((e) => e.kind === "receipt") ? i : undefined;
      },
      20_000,
      "the receipt in the incident's timeline",
      250,
    );
    expect(incident.rootCause?.service).toBe("plc-gateway");
    expect(incident.timeline.find((e) => e.kind === "receipt")?.message).toBe(
      "level1/webhook/0 (webhook) confirmed: HTTP 200",
    );
    expect(incident.timeline.filter((e) => e.kind === "escalation").map((e) => e.message)).toEqual([
      "escalation policy line started",
      "level 1 of 2: paged level1/webhook/0",
    ]);
    const before = await client.get<{ state: string; level: number; nextAt: number }>(
      `/api/v1/incidents/${id}/escalation`,
    );
    expect(before).toMatchObject({ state: "active", level: 1, policy: "line" });
    expect(before.nextAt).toBeGreaterThan(Date.now());

    const ack = await client.post(`/api/v1/incidents/${id}/acknowledge`, undefined);
    expect(ack.status).toBe(200);
    const after = await client.get<Record<string, unknown>>(`/api/v1/incidents/${id}/escalation`);
    expect(after).toMatchObject({ state: "acknowledged" });
    expect(after.nextAt).toBeUndefined();
    // The channel already paged hears of the acknowledgement; level 2 never does.
    await waitFor(
      () => level1.got.find((g) => g.event === "acknowledge"),
      20_000,
      "the acknowledgement",
      250,
    );
    expect(level2.got).toEqual([]);
  }, 180_000);

  it("keeps the schedule across a SIGKILL: level 2 fires once at its stored time, level 1 is not sent again", async () => {
    const level1 = await Receiver.start();
    const level2 = await Receiver.start();
    receivers.push(level1, level2);
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-escalation-kill-"));
    const dataDir = path.join(dir, "data");
    writeFileSync(
      path.join(dir, "lineops.yaml"),
      `monitoring: { host: { enabled: false } }\n${alertingYaml(level1, level2)}`,
    );
    const args = ["serve", "--config", path.join(dir, "lineops.yaml"), "--data-dir", dataDir, "--port", "0"];
    const first = planes.spawn(dataDir, args);
    const { url, token } = await servedAt(first, 30_000);
    const env = { LINEOPS_URL: url, LINEOPS_TOKEN: token };
    writeFileSync(path.join(dir, "policy.yaml"), policyYaml("15s"));
    const applied = await runCli(
      ["escalation", "policies", "apply", "line", "-f", path.join(dir, "policy.yaml")],
      env,
    );
    expect(applied.code).toBe(0);
    const posted = await api(url, token).post("/api/v2/alerts", [
      { labels: { alertname: "PLCDisconnected", job: "plc-gateway", severity: "critical" } },
    ]);
    expect(posted.status).toBe(200);
    await waitFor(() => level1.pages().length > 0 || undefined, 20_000, "level 1", 100);
    const startedAt = level1.got[0]!.at;
    // Killed once level 1's receipt is stored (a kill before it would rightly resend level 1).
    await waitFor(
      async () => {
        const i = await api(url, token).get<{ timeline: Timeline }>("/api/v1/incidents/1");
        return i.timeline.some((e) => e.kind === "receipt") || undefined;
      },
      20_000,
      "level 1's receipt",
      100,
    );
    first.kill("SIGKILL");
    await once(first, "exit");
    expect(level2.got).toEqual([]);

    // Down past level 2's due time: it must come at once after the restart, and only once.
    await waitFor(
      () => Date.now() > startedAt + 16_000 || undefined,
      30_000,
      "level 2's due time to pass",
      200,
    );
    const second = planes.spawn(dataDir, args);
    await waitFor(
      () => /lineops (http:\/\/\S+)/.exec(second.output())?.[1],
      30_000,
      "the restarted lineops",
      100,
    );
    await waitFor(() => level2.pages().length > 0 || undefined, 20_000, "level 2 after the restart", 100);
    expect(level2.pages()).toEqual(["escalation/1/1/0/2/level2/webhook/0"]);
    expect(level2.got[0]?.verified).toBe(true);
    expect(level1.pages()).toEqual(["escalation/1/1/0/1/level1/webhook/0"]);
    second.kill("SIGKILL");
    await once(second, "exit");
  }, 120_000);
});
