// The real amtool (Debian's prometheus-alertmanager, installed by scripts/system-deps.sh) against a
// lineops API server on a real port, authenticated as the docs say: --http.config.file with a
// bearer token. amtool adds, queries and expires silences, adds and lists alerts, and shows the
// status; a refused silence shows lineops's message the way amtool shows Alertmanager's.
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test-support/line.js";
import { startAlertmanagerApi, type AlertmanagerApiServer } from "../../test-support/alerting-double.js";

const AMTOOL = "/usr/bin/amtool";
const run = promisify(execFile);

let server: AlertmanagerApiServer;
const configs: Record<"viewer" | "operator", string> = { viewer: "", operator: "" };

type Result = { code: number; stdout: string; stderr: string };

/**
 * Runs amtool with the token of `as` (never execFileSync: the server answers from this process's
 * event loop): its exit code and output.
 */
async function runAmtool(as: "viewer" | "operator", ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(
      AMTOOL,
      [`--alertmanager.url=${server.url}`, `--http.config.file=${configs[as]}`, ...args],
      { timeout: 20_000, env: { ...process.env, HOME: path.dirname(configs[as]) } },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : -1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? String(err),
    };
  }
}

/** amtool's stdout; fails the test if amtool fails. */
async function amtool(as: "viewer" | "operator", ...args: string[]): Promise<string> {
  const r = await runAmtool(as, ...args);
  expect([args.join(" "), r.code, r.stderr]).toEqual([args.join(" "), 0, expect.any(String)]);
  return r.stdout;
}

/** amtool's stderr; fails the test unless amtool fails. */
async function amtoolFails(as: "viewer" | "operator", ...args: string[]): Promise<string> {
  const r = await runAmtool(as, ...args);
  expect([args.join(" "), r.code]).toEqual([args.join(" "), 1]);
  return r.stderr;
}

beforeAll(async () => {
  if (!existsSync(AMTOOL)) {
    throw new Error(
      `${AMTOOL} is missing: install it with \`sudo apt-get install -y prometheus-alertmanager\` (scripts/system-deps.sh does, as root)`,
    );
  }
  server = await startAlertmanagerApi();
  const dir = tempDir("lineops-amtool-");
  for (const role of ["viewer", "operator"] as const) {
    configs[role] = path.join(dir, `${role}.yml`);
    writeFileSync(configs[role], `authorization:\n  type: Bearer\n  credentials: ${server.tokens[role]}\n`, {
      mode: 0o600,
    });
  }
});

afterAll(async () => {
  await server?.close();
});

describe("amtool against lineops", () => {
  it("silence add, query, expire", async () => {
    const id = (
      await amtool(
        "operator",
        "silence",
        "add",
        "alertname=StationJammed",
        "station=~press-.*",
        "--comment",
        "c",
        "--author",
        "a",
        "--duration",
        "2h",
      )
    ).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.alerting.silences.get(id)).toMatchObject({
      matchers: [
        { name: "alertname", value: "StationJammed", isRegex: false, isEqual: true },
        { name: "station", value: "press-.*", isRegex: true, isEqual: true },
      ],
      createdBy: "a",
      comment: "c",
      status: { state: "active" },
    });
    const ends = server.alerting.silences.get(id)?.endsAt ?? 0;
    expect(Math.abs(ends - (Date.now() + 2 * 3600_000))).toBeLessThan(60_000);

    const table = await amtool("viewer", "silence", "query");
    expect(table).toMatch(/^ID\s+Matchers\s+Ends At\s+Created By\s+Comment/);
    expect(table).toContain(id);
    expect(table).toContain('alertname="StationJammed"');
    expect(table).toContain('station=~"press-.*"');

    const json = JSON.parse(
      await amtool("viewer", "silence", "query", "-o", "json", "alertname=StationJammed"),
    ) as {
      id: string;
      status: { state: string };
    }[];
    expect(json.map((s) => [s.id, s.status.state])).toEqual([[id, "active"]]);
    expect(await amtool("viewer", "silence", "query", "-q")).toBe(`${id}\n`);

    await amtool("operator", "silence", "expire", id);
    expect(server.alerting.silences.get(id)?.status.state).toBe("expired");
    expect(await amtool("viewer", "silence", "query", "-q")).toBe("");
    expect(await amtool("viewer", "silence", "query", "--expired", "-q")).toBe(`${id}\n`);
  });

  it("alert add and alert query (silenced alerts hidden unless asked, as from Alertmanager)", async () => {
    await amtool(
      "operator",
      "alert",
      "add",
      "alertname=PlcDisconnected",
      "severity=critical",
      "--annotation=summary=plc down",
    );
    await amtool("operator", "alert", "add", "alertname=ScrapRatioHigh", "severity=warning");
    const table = await amtool("viewer", "alert", "query");
    expect(table).toMatch(/^Alertname\s+Starts At\s+Summary/);
    expect(table).toMatch(/PlcDisconnected\s+.+plc down/);
    expect(table).toContain("ScrapRatioHigh");

    const json = JSON.parse(await amtool("viewer", "alert", "query", "-o", "json", "severity=critical")) as {
      labels: Record<string, string>;
      receivers: { name: string }[];
      status: { state: string };
    }[];
    expect(json.map((a) => [a.labels.alertname, a.receivers, a.status.state])).toEqual([
      ["PlcDisconnected", [{ name: "pager" }], "active"],
    ]);

    const id = (await amtool("operator", "silence", "add", "alertname=ScrapRatioHigh", "-c", "known")).trim();
    expect(await amtool("viewer", "alert", "query")).not.toContain("ScrapRatioHigh");
    expect(await amtool("viewer", "alert", "query", "--silenced")).toContain("ScrapRatioHigh");
    await amtool("operator", "silence", "expire", id);
  });

  it("config show prints the running configuration from /api/v2/status", async () => {
    const out = await amtool("viewer", "config", "show");
    expect(out).toContain("receiver: line-team");
  });

  it("refusals reach the user: lineops's 400 message through amtool, a viewer adding a silence (403), an unknown id", async () => {
    // amtool checks what it parses itself; `silence import` posts a file as it is, so the server's
    // own refusal is what the user sees.
    const file = path.join(path.dirname(configs.operator), "bad-silences.json");
    const now = Date.now();
    writeFileSync(
      file,
      JSON.stringify([
        {
          matchers: [{ name: "alertname", value: "((", isRegex: true, isEqual: true }],
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + 3600_000).toISOString(),
          createdBy: "a",
          comment: "c",
        },
      ]),
    );
    // amtool reports each silence it could not import and still exits 0.
    const bad = (await runAmtool("operator", "silence", "import", file)).stderr;
    expect(bad).toContain(
      '[POST /silences][400] postSilencesBadRequest  invalid silence: invalid label matcher 0: invalid regular expression "(("',
    );
    expect(server.alerting.silences.query({ states: ["active", "pending"] })).toEqual([]);

    const noName = await amtoolFails("operator", "alert", "add", "alertname=", "severity=x");
    expect(noName).toContain("[POST /alerts][400] postAlertsBadRequest  alerts[0].labels: alertname missing");

    const refused = await amtoolFails("viewer", "silence", "add", "alertname=X", "-c", "x");
    expect(refused).toMatch(/status 403/);
    expect(server.alerting.silences.query({ states: ["active", "pending"] })).toEqual([]);

    const unknown = await amtoolFails(
      "operator",
      "silence",
      "expire",
      "00000000-0000-0000-0000-000000000000",
    );
    // amtool 0.25's spec had no 404 for DELETE (its server answered 500); Alertmanager 0.26+ answers 404, as lineops.
    expect(unknown).toMatch(/status 404/);
  });
});
