// End to end on the real `lineops serve` process and the real sample line (plc-gateway, a station
// controller on stations 1 and 2, line-controller) with the default rule pack, time-compressed: a
// plc-disconnect fault injected through plc-gateway's front door makes the PLC alert and the station
// and line symptoms fire, and they become ONE incident whose probable root cause is plc-gateway,
// with its reasoning, over the API and the CLI.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ControlPlanes, runCli, servedAt } from "../../test-support/cli.js";
import { twoStationLineYaml } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";
import { PACK, scaledPackFile } from "../../monitoring/rules/test-support/scaled-rule-pack.js";

const planes = new ControlPlanes();
afterAll(async () => {
  await planes.stopAll();
});

type Incident = {
  id: number;
  title: string;
  status: string;
  createdAt: number;
  alertCount: number;
  rootCause?: { service: string; alertname: string; reason: string };
  alerts: { labels: Record<string, string>; role: string; status: string }[];
};

describe("incidents on the real line", () => {
  it("a plc-gateway failure is one incident whose root cause is plc-gateway, its station and line symptoms children", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-incidents-e2e-"));
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
traffic:
  enabled: true
  ratePerSecond: 20
  service: line-controller
`,
    );
    const lineFile = path.join(dir, "line.yaml");
    writeFileSync(lineFile, twoStationLineYaml("incident-line"));
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
    const auth = { authorization: `Bearer ${token}` };
    const get = async <T>(p: string): Promise<T> => {
      const res = await fetch(`${url}${p}`, { headers: auth });
      return (await res.json()) as T;
    };
    // The line is up and its instances scraped: plc_connected is 1 (with the line's label).
    await waitFor(
      async () => {
        const r = await get<{ data?: { result: { metric: Record<string, string> }[] } }>(
          `/api/v1/query?query=${encodeURIComponent("plc_connected == 1")}`,
        );
        return r.data?.result.some((s) => s.metric.line === "incident-line") === true || undefined;
      },
      40_000,
      "plc_connected scraped at 1 with line=incident-line",
      250,
    );
    const faultAt = Date.now();
    const plc = await get<{ status: { url?: string } }>("/api/v1/services/plc-gateway");
    const injected = await fetch(`${plc.status.url ?? ""}/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "plc-disconnect" }),
    });
    expect(injected.status).toBeLessThan(300);

    // Wait for the PLC alert and the faulted stations' alerts to be in one incident.
    const incident = await waitFor(
      async () => {
        const { incidents } = await get<{ incidents: Incident[] }>("/api/v1/incidents?status=open");
        for (const i of incidents.filter((x) => x.rootCause?.service === "plc-gateway")) {
          const detail = await get<Incident>(`/api/v1/incidents/${i.id}`);
          const stations = new Set(
            detail.alerts.filter((a) => a.labels.alertname === "StationFaulted").map((a) => a.labels.station),
          );
          if (stations.has("1") && stations.has("2")) {
            return detail;
          }
        }
        return undefined;
      },
      60_000,
      "one incident holding PLCDisconnected and StationFaulted of stations 1 and 2",
      500,
    );
    expect(incident.rootCause).toMatchObject({ service: "plc-gateway", alertname: "PLCDisconnected" });
    expect(incident.rootCause?.reason).toMatch(
      /^plc-gateway is upstream of .*station-controller.* \(dependsOn/,
    );
    expect(incident.rootCause?.reason).toMatch(/stations 1, 2 are served by station-controller/);
    expect(incident.alerts.filter((a) => a.role === "root").map((a) => a.labels.alertname)).toEqual([
      "PLCDisconnected",
    ]);
    const children = incident.alerts.filter((a) => a.role === "child");
    expect(children.length).toBeGreaterThanOrEqual(2);
    expect(children.every((a) => a.labels.alertname !== "PLCDisconnected")).toBe(true);
    // Every alert carries the line's label, set at scrape.
    expect(incident.alerts.find((a) => a.role === "root")?.labels.line).toBe("incident-line");
    // No other incident opened for the symptoms of this fault.
    const { incidents } = await get<{ incidents: Incident[] }>("/api/v1/incidents?status=open");
    const since = incidents.filter((i) => i.createdAt >= faultAt);
    expect(since.map((i) => i.id).filter((id) => id !== incident.id)).toEqual([]);

    // The CLI shows it, and acknowledges it as the token's principal.
    const env = { LINEOPS_URL: url, LINEOPS_TOKEN: token };
    const list = await runCli(["incidents"], env);
    expect([list.code, list.stderr]).toEqual([0, ""]);
    expect(list.stdout).toMatch(
      new RegExp(`^${incident.id}\\s+triggered\\s+critical\\s+\\d+/\\d+\\s+plc-gateway\\s`, "m"),
    );
    const ack = await runCli(["incident", "ack", String(incident.id)], env);
    expect([ack.code, ack.stderr]).toEqual([0, ""]);
    expect(ack.stdout).toMatch(/^status: +acknowledged$/m);
    expect(ack.stdout).toMatch(/^root cause: plc-gateway \(PLCDisconnected\)$/m);
    const again = await runCli(["incident", "ack", String(incident.id)], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already acknowledged/);
  }, 150_000);
});
