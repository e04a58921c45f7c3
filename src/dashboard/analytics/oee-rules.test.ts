// OEE's recording rules (examples/rules/oee.rules.yml): (a) Prometheus's own promtool accepts them
// and evaluates them as their test suite expects, and (b) on the REAL sample line under lineops, a
// station jammed through POST /faults loses availability, in the recorded series and in
// GET /api/v1/analytics/oee and /downtime, while the other station keeps its own.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { STATION_ROUTING_HEADER } from "../../../line/index.js";
import type { Lineops } from "../../main.js";
import { promtoolBinary } from "../../monitoring/test-support/prometheus.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir, twoStationLineYaml } from "../../test-support/line.js";
import { startSettledLineops } from "../../test-support/lineops.js";
import { waitFor } from "../../test-support/wait.js";
import { PACKAGE_ROOT } from "../../version.js";

const RULES_DIR = path.join(PACKAGE_ROOT, "examples", "rules");
const RULES = "oee.rules.yml";

function promtool(...args: string[]): string {
  return execFileSync(promtoolBinary(), args, { cwd: RULES_DIR, encoding: "utf8", stdio: "pipe" });
}

describe("OEE's recording rules, by Prometheus's own tools", () => {
  it("pass promtool check rules and their promtool test suite", () => {
    expect(promtool("check", "rules", RULES)).toMatch(/SUCCESS: 12 rules found/);
    expect(promtool("test", "rules", "oee.rules.test.yml")).toContain("SUCCESS");
  });

  it("are loaded by the demo's lineops.yaml", () => {
    const demo = parseYaml(readFileSync(path.join(PACKAGE_ROOT, "examples", "lineops.yaml"), "utf8")) as {
      rule_files?: string[];
    };
    expect(demo.rule_files).toContain(`rules/${RULES}`);
  });
});

/**
 * The rules with time compressed: 5-minute windows become 6 s (and the seconds they stand for with
 * them), the group evaluates every 500 ms. A change of the windows fails here instead of silently.
 */
function scaledRules(text: string): string {
  const windows = [...text.matchAll(/\[(\w+)\]/g)].map((m) => m[1]);
  expect(new Set(windows)).toEqual(new Set(["5m"]));
  expect(text).toMatch(/\* 300\b/);
  return text
    .replaceAll("[5m]", "[6s]")
    .replace(/\* 300\b/g, "* 6")
    .replace(/^(\s+)interval: \S+$/gm, "$1interval: 500ms");
}

describe("OEE on the real line", () => {
  let lineops: Lineops;
  let token = "";
  const api = injectApi(() => lineops);

  beforeAll(async () => {
    const dir = tempDir("lineops-oee-");
    writeFileSync(path.join(dir, RULES), scaledRules(readFileSync(path.join(RULES_DIR, RULES), "utf8")));
    // No shifts section: the default calendar plans every minute.
    writeFileSync(
      path.join(dir, "lineops.yaml"),
      `rule_files: [${RULES}]
monitoring:
  scrapeInterval: 500ms
  scrapeTimeout: 450ms
  evaluationInterval: 500ms
  host: { enabled: false }
traffic:
  ratePerSecond: 20
  service: line-controller
`,
    );
    const lineFile = path.join(dir, "line.yaml");
    writeFileSync(lineFile, twoStationLineYaml("oee-line", { station: "    idealCycleTime: 30ms\n" }));
    lineops = await startSettledLineops(dir, lineFile, {
      configFile: path.join(dir, "lineops.yaml"),
      traffic: true,
    });
    token = lineops.tokens.create("oee", "viewer").token;
  }, 60_000);

  afterAll(async () => {
    await lineops?.stop();
  });

  const query = async (q: string) =>
    ((await api("GET", `/api/v1/query?query=${encodeURIComponent(q)}`, { token })).body.data?.result ??
      []) as {
      metric: Record<string, string>;
      value: [number, string];
    }[];
  const availability = async (station: string) =>
    Number(
      (await query(`station:oee_availability:ratio_rate5m{line="oee-line",station="${station}"}`))[0]
        ?.value[1] ?? NaN,
    );

  type Figures = {
    availability: number | null;
    performance: number | null;
    quality: number | null;
    oee: number | null;
  };
  type OeeBody = {
    status: string;
    data: { total: { line: Figures; stations: ({ station: string } & Figures)[] }; buckets: unknown[] };
  };

  it("a jammed station loses availability; the other keeps it; downtime says why", async () => {
    // Healthy first: both stations up for a whole window, units flowing, every factor defined.
    await waitFor(
      async () => (await availability("1")) === 1 && (await availability("2")) === 1,
      30_000,
      "both stations at availability 1",
      250,
    );
    await waitFor(
      async () => (await query('station:oee:ratio_rate5m{line="oee-line"} > 0')).length === 2,
      20_000,
      "an OEE above 0 for both stations",
      250,
    );
    const jammedAt = Date.now();
    const res = await fetch(`${lineops.deployment.service("station-controller").status.url}/faults`, {
      method: "POST",
      headers: { "content-type": "application/json", [STATION_ROUTING_HEADER]: "1" },
      body: JSON.stringify({ type: "jam" }),
    });
    expect(res.status).toBeLessThan(300);

    // The recorded series: station 1 falls, station 2 stays up.
    await waitFor(
      async () => (await availability("1")) < 0.5,
      20_000,
      "station 1's availability below 0.5",
      250,
    );
    expect(await availability("2")).toBe(1);

    // The API over the time since the jam: the same story, from the same series.
    const from = (jammedAt - 1000) / 1000;
    const to = (Date.now() + 500) / 1000;
    const oee = (await api("GET", `/api/v1/analytics/oee?from=${from}&to=${to}&by=day`, { token }))
      .body as OeeBody;
    expect(oee.status).toBe("success");
    const station = (id: string) => oee.data.total.stations.find((s) => s.station === id);
    expect(station("1")?.availability).toBeLessThan(0.7);
    expect(station("2")?.availability).toBeGreaterThan(0.95);
    expect(oee.data.total.line.availability).toBeLessThan(station("2")?.availability ?? 0);
    expect(station("1")?.oee ?? 1).toBeLessThan(station("2")?.oee ?? 0);

    const downtime = (
      await api("GET", `/api/v1/analytics/downtime?from=${from}&to=${to}&by=station`, { token })
    ).body as {
      data: { items: { reason: string; station: string; seconds: number; cumulativeShare: number }[] };
    };
    expect(downtime.data.items[0]).toMatchObject({ reason: "jammed", station: "1" });
    expect(downtime.data.items[0]?.seconds).toBeGreaterThan(1);
    expect(downtime.data.items.at(-1)?.cumulativeShare).toBeCloseTo(1, 9);
  }, 90_000);

  it("refuses a line it does not run, and an empty or too long range, with codes", async () => {
    const get = (q: string) => api("GET", `/api/v1/analytics/oee?${q}`, { token });
    expect((await get("line=other")).body).toMatchObject({ code: "LINEOPS_ERR_ANALYTICS_UNKNOWN_LINE" });
    expect((await get("from=100&to=50")).body).toMatchObject({ code: "LINEOPS_ERR_ANALYTICS_BAD_RANGE" });
    expect((await get("from=0&to=100000000")).status).toBe(400);
    expect((await get("station=a%20b")).status).toBe(400);
    expect((await api("GET", "/api/v1/analytics/downtime?by=nothing", { token })).status).toBe(400);
  });
});
