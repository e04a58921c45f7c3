// `lineops alarms` as operators run it: the compiled CLI (npm run build) against a real lineops (no
// line) on a real port: the alarm list, shelving by an operator (a viewer is refused), usage errors
// before any request, and the KPI report as a table, JSON and RFC 4180 CSV.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprint } from "../../alerting/fingerprint.js";
import { startLineops, type Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { runCli } from "../../test-support/cli.js";
import { tempDir } from "../../test-support/line.js";

let lineops: Lineops;
const tokens = { viewer: "", operator: "" };
const labels = { alertname: "StationFaulted", line: "line-1", station: "2", severity: "warning" };
const fp = fingerprint(labels);

const cli = (args: string[], as: keyof typeof tokens = "operator") =>
  runCli(["alarms", ...args], { LINEOPS_URL: lineops.url, LINEOPS_TOKEN: tokens[as] }, 20_000);

beforeAll(async () => {
  lineops = await startLineops({
    dataDir: tempDir("lineops-alarms-cli-"),
    port: 0,
    logger: pino({ level: "silent" }),
  });
  await lineops.settled;
  tokens.viewer = lineops.tokens.create("view", "viewer").token;
  tokens.operator = lineops.tokens.create("bob", "operator").token;
  const posted = await injectApi(() => lineops)("POST", "/api/v2/alerts", {
    token: tokens.operator,
    body: [{ labels }],
  });
  expect(posted.status).toBe(200);
});

afterAll(async () => {
  await lineops?.stop();
});

describe("lineops alarms", () => {
  it("lists the alarms as a table and as the API's JSON", async () => {
    const table = await cli([], "viewer");
    expect([table.code, table.stderr]).toEqual([0, ""]);
    expect(table.stdout).toMatch(/^FINGERPRINT\s+ALARM\s+POSITION\s+PRIORITY\s+STATE/);
    expect(table.stdout).toMatch(
      new RegExp(`${fp}\\s+StationFaulted\\s+line-1/2\\s+medium\\s+unacknowledged`),
    );
    const json = await cli(["--json"], "viewer");
    expect(JSON.parse(json.stdout).data.alarms[0]).toMatchObject({
      fingerprint: fp,
      state: "unacknowledged",
    });
  });

  it("shelve needs an operator; a bad duration is a usage error; unshelve lifts it", async () => {
    const denied = await cli(["shelve", fp, "--for", "30m", "-r", "known fault"], "viewer");
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/403 .*operator role/);
    const usage = await cli(["shelve", fp, "--for", "soon", "-r", "x"]);
    expect([usage.code, usage.stderr]).toEqual([
      2,
      expect.stringMatching(/--for must be a positive duration/),
    ]);
    const ok = await cli(["shelve", fp, "--for", "30m", "-r", "known fault"]);
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    expect(ok.stdout).toMatch(new RegExp(`^alarm ${fp} shelved until \\d{4}-\\d\\d-\\d\\dT`));
    const shelves = await cli(["shelves"], "viewer");
    expect(shelves.stdout).toMatch(new RegExp(`${fp}\\s+StationFaulted\\s+bob \\(operator\\)`));
    expect((await cli([], "viewer")).stdout).toMatch(/shelved\s+.*shelved by bob \(operator\)/);
    const lifted = await cli(["unshelve", fp]);
    expect([lifted.code, lifted.stdout]).toEqual([0, `alarm ${fp} unshelved\n`]);
    const again = await cli(["unshelve", fp]);
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/404 .*not shelved/)]);
  });

  it("kpi as a table, JSON and RFC 4180 CSV; a bad time is a usage error", async () => {
    const table = await cli(["kpi"], "viewer");
    expect([table.code, table.stderr]).toEqual([0, ""]);
    expect(table.stdout).toMatch(/^Alarm KPIs .*: 1 alarms/);
    expect(table.stdout).toMatch(/line-1\/2\s+1\s/);
    expect(table.stdout).toMatch(/Priorities low\/medium\/high: 0\/100\/0 % \(target 80\/15\/5\)/);
    // main.ts connects incident acknowledgements as the source; nothing was acknowledged here.
    expect(table.stdout).toMatch(/MTTA: n\/a: no alarm of the period was acknowledged/);
    const json = await cli(["kpi", "--json", "--position", "line-1/2"], "viewer");
    expect(JSON.parse(json.stdout).data).toMatchObject({ position: "line-1/2", alarms: 1 });
    const csv = await cli(["kpi", "--csv"], "viewer");
    expect(csv.code).toBe(0);
    expect(csv.stdout.startsWith("section,position,name,value,target\r\n")).toBe(true);
    expect(csv.stdout).toContain("position,line-1/2,alarms,1,\r\n");
    const bad = await cli(["kpi", "--from", "yesterday"], "viewer");
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--from must be an RFC 3339 time/)]);
  });
});
