// `lineops alerts` and `lineops silences` as users run them: the compiled CLI (npm run build) against
// a lineops API server with an alerting engine (the AlertingDouble over real Silences) on a real port.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../test-support/cli.js";
import { startAlertmanagerApi, type AlertmanagerApiServer } from "../../test-support/alerting-double.js";
import { parseDurationArg, parseMatcherArg } from "./alerts.js";

let server: AlertmanagerApiServer;

const cli = (as: "viewer" | "operator", ...args: string[]) =>
  runCli(args, { LINEOPS_URL: server.url, LINEOPS_TOKEN: server.tokens[as] });

beforeAll(async () => {
  server = await startAlertmanagerApi();
  server.alerting.receive([
    {
      labels: { alertname: "StationJammed", station: "press-1", severity: "warning" },
      annotations: { summary: "press-1 jammed" },
    },
    { labels: { alertname: "PlcDisconnected", severity: "critical" } },
  ]);
});
afterAll(async () => {
  await server?.close();
});

describe("lineops silences", () => {
  it("add prints the new id; list shows it; expire ends it; --expired lists it", async () => {
    const add = await cli(
      "operator",
      "silences",
      "add",
      "alertname=StationJammed",
      'station=~"press-.*"',
      "--comment",
      "jam being cleared",
      "--duration",
      "1h30m",
      "--author",
      "shift-lead",
    );
    expect([add.code, add.stderr]).toEqual([0, ""]);
    const id = add.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const stored = server.alerting.silences.get(id);
    expect(stored).toMatchObject({
      matchers: [
        { name: "alertname", value: "StationJammed", isRegex: false, isEqual: true },
        { name: "station", value: "press-.*", isRegex: true, isEqual: true },
      ],
      createdBy: "shift-lead",
      comment: "jam being cleared",
    });
    expect(Math.abs((stored?.endsAt ?? 0) - (stored?.startsAt ?? 0) - 90 * 60_000)).toBeLessThan(1000);

    const list = await cli("viewer", "silences");
    expect(list.code).toBe(0);
    const [header, row] = list.stdout.split("\n");
    expect(header).toMatch(/^ID\s+MATCHERS\s+STATE\s+STARTS\s+ENDS\s+CREATED BY\s+COMMENT$/);
    expect(row).toMatch(
      new RegExp(
        `^${id}\\s+alertname="StationJammed" station=~"press-\\.\\*"\\s+active\\s+\\S+Z\\s+\\S+Z\\s+shift-lead\\s+jam being cleared$`,
      ),
    );

    const json = await cli("viewer", "silences", "list", "--json");
    expect((JSON.parse(json.stdout) as { id: string }[]).map((s) => s.id)).toEqual([id]);

    const expire = await cli("operator", "silences", "expire", id);
    expect([expire.code, expire.stdout]).toEqual([0, `expired ${id}\n`]);
    expect(server.alerting.silences.get(id)?.status.state).toBe("expired");
    expect((await cli("viewer", "silences", "--json")).stdout).toBe("[]\n");
    const expired = await cli("viewer", "silences", "--expired", "--json");
    expect((JSON.parse(expired.stdout) as { id: string }[]).map((s) => s.id)).toEqual([id]);
  });

  it("--end takes an RFC 3339 time; --json prints {silenceID}", async () => {
    const end = new Date(Date.now() + 3 * 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
    const add = await cli(
      "operator",
      "silences",
      "add",
      "severity=critical",
      "-c",
      "planned",
      "--end",
      end,
      "--json",
    );
    expect(add.code).toBe(0);
    const { silenceID } = JSON.parse(add.stdout) as { silenceID: string };
    expect(server.alerting.silences.get(silenceID)?.endsAt).toBe(Date.parse(end));
    await cli("operator", "silences", "expire", silenceID);
  });

  it.each([
    [["silences", "add", "station", "-c", "x"], /matcher "station": expected name, an operator/],
    [["silences", "add", "a=b"], /required option '-c, --comment <text>' not specified/],
    [
      ["silences", "add", "a=b", "-c", "x", "--duration", "2 hours"],
      /--duration must be a positive duration/,
    ],
    [["silences", "add", "a=b", "-c", "x", "--end", "tomorrow"], /--end must be an RFC 3339 time/],
    [
      ["silences", "add", "a=b", "-c", "x", "--end", "2030-01-01T00:00:00Z", "-d", "1h"],
      /--duration or --end, not both/,
    ],
  ])("usage errors exit 2 naming the argument: %j", async (args, message) => {
    const res = await cli("operator", ...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it("the server's refusals exit 1 with Alertmanager's message; a viewer cannot add", async () => {
    const bad = await cli("operator", "silences", "add", "station=~((", "-c", "x");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /400 invalid silence: invalid label matcher 0: invalid regular expression "\(\("/,
    );
    const viewer = await cli("viewer", "silences", "add", "a=b", "-c", "x");
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/403 this action needs the operator role/);
    const unknown = await cli("operator", "silences", "expire", "nope");
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringMatching(/404 silence nope not found/)]);
  });
});

describe("lineops alerts", () => {
  it("lists firing alerts as a table and as the API's JSON; --filter and silences apply", async () => {
    const table = await cli("viewer", "alerts");
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ALERTNAME\s+STATE\s+STARTED\s+LABELS\s+SUMMARY\s+RECEIVERS$/);
    expect(lines.slice(1).sort()).toEqual([
      expect.stringMatching(/^PlcDisconnected\s+active\s+\S+Z\s+severity=critical\s+-\s+pager$/),
      expect.stringMatching(
        /^StationJammed\s+active\s+\S+Z\s+station=press-1,severity=warning\s+press-1 jammed\s+line-team$/,
      ),
    ]);

    const json = await cli("viewer", "alerts", "--filter", "severity=critical", "--json");
    expect(
      (JSON.parse(json.stdout) as { labels: { alertname: string } }[]).map((a) => a.labels.alertname),
    ).toEqual(["PlcDisconnected"]);

    const id = (
      await cli("operator", "silences", "add", "alertname=PlcDisconnected", "-c", "known")
    ).stdout.trim();
    const names = async (...args: string[]) =>
      (
        JSON.parse((await cli("viewer", "alerts", "--json", ...args)).stdout) as {
          labels: { alertname: string };
        }[]
      )
        .map((a) => a.labels.alertname)
        .sort();
    expect(await names()).toEqual(["StationJammed"]);
    expect(await names("--silenced")).toEqual(["PlcDisconnected", "StationJammed"]);
    expect(await names("--receiver", "line-.*")).toEqual(["StationJammed"]);
    await cli("operator", "silences", "expire", id);
  });

  it("a bad --filter exits 1 with the server's message", async () => {
    const res = await cli("viewer", "alerts", "--filter", "station");
    expect([res.code, res.stderr]).toEqual([1, expect.stringMatching(/400 bad matcher format: station/)]);
  });
});

describe("argument parsers", () => {
  it("matchers: operators, quoted names and values with escapes", () => {
    expect(parseMatcherArg("a!~b.*")).toEqual({ name: "a", value: "b.*", isRegex: true, isEqual: false });
    expect(parseMatcherArg('"my label"="x \\"y\\""')).toEqual({
      name: "my label",
      value: 'x "y"',
      isRegex: false,
      isEqual: true,
    });
    expect(parseMatcherArg("a=")).toEqual({ name: "a", value: "", isRegex: false, isEqual: true });
    expect(() => parseMatcherArg('a="unterminated')).toThrow(/bad quoting/);
  });

  it("durations: Prometheus units, refused when empty, zero or with stray text", () => {
    expect(parseDurationArg("--duration", "1h30m")).toBe(90 * 60_000);
    expect(parseDurationArg("--duration", "1d")).toBe(86_400_000);
    expect(parseDurationArg("--duration", "250ms")).toBe(250);
    for (const bad of ["", "0s", "1x", "h", "1h 30m", "-1h"]) {
      expect(() => parseDurationArg("--duration", bad)).toThrow(/positive duration/);
    }
  });
});
