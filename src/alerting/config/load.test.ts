import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatIssue } from "../../config/errors.js";
import { configErrorOf } from "../../config/test-support/config-error.js";
import { isActive } from "../routing/time-intervals.js";
import { routesFor } from "../routing/route-tree.js";
import { loadAlertingConfig, parseAlertingConfig, routeTreeOf } from "./load.js";
import { ALERTING_DEFAULTS } from "./schema.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN = path.join(here, "fixtures", "alertmanager.yml");

/** Every problem of a text, as `line:col: path: message` (the file name is checked separately). */
function problems(text: string): string[] {
  return configErrorOf(() => parseAlertingConfig(text, "am.yml")).issues.map((i) =>
    formatIssue(i).replace(/^am\.yml:/, ""),
  );
}

const MINIMAL = "route:\n  receiver: r\nreceivers:\n  - name: r\n";

describe("the golden configuration", () => {
  const c = loadAlertingConfig(GOLDEN);

  it("loads with its routes, receivers, rules and intervals", () => {
    expect(c.receivers.map((r) => r.name)).toEqual(["team-chat", "on-call", "shop-floor"]);
    expect(c.inhibit_rules).toHaveLength(2);
    expect([...c.timeIntervals.keys()]).toEqual(["office-hours", "weekends", "nights", "year-end-shutdown"]);
    expect(c.templates).toEqual(["/etc/lineops/templates/*.tmpl"]);
    expect(c.global.resolve_timeout).toBe(300_000);
    expect(c.warnings).toEqual([]);
  });

  it("gives webhooks without http_config the global one, and keeps their own", () => {
    const [chat, onCall] = c.receivers;
    expect(chat?.webhook_configs[0]?.http_config?.authorization).toEqual({
      type: "Bearer",
      credentials_file: "/etc/lineops/webhook-token",
    });
    expect(onCall?.webhook_configs[0]?.http_config?.basic_auth?.username).toBe("lineops");
    expect(onCall?.webhook_configs[0]?.http_config?.authorization).toBeUndefined();
    expect(onCall?.webhook_configs[0]?.timeout).toBe(5000);
    expect(chat?.webhook_configs[0]).toMatchObject({ send_resolved: true, max_alerts: 20, timeout: 0 });
  });

  it("routes pages to on-call and on, station alerts to the shop floor", () => {
    const tree = routeTreeOf(c);
    const page = { alertname: "LineDown", severity: "page", line: "l1", service: "plc-1" };
    expect(routesFor(tree, page).map((r) => r.opts.receiver)).toEqual(["on-call"]);
    const station = { alertname: "StationJammed", severity: "warning", line: "l1", service: "station-3" };
    const [shopFloor] = routesFor(tree, station);
    expect(shopFloor?.opts).toMatchObject({ receiver: "shop-floor", groupByAll: true, groupWaitMs: 1000 });
    expect(shopFloor?.opts.muteTimeIntervals).toEqual(["nights", "weekends"]);
    expect(routesFor(tree, { alertname: "Other", line: "l1" }).map((r) => r.key())).toEqual(["{}"]);
  });

  it("evaluates its time intervals in their location", () => {
    const office = c.timeIntervals.get("office-hours") ?? [];
    expect(isActive(office, Date.parse("2026-03-02T05:30:00Z"))).toBe(true); // 06:30 in Berlin, Monday
    expect(isActive(office, Date.parse("2026-03-02T04:30:00Z"))).toBe(false);
    const shutdown = c.timeIntervals.get("year-end-shutdown") ?? [];
    expect(isActive(shutdown, Date.parse("2026-12-25T12:00:00Z"))).toBe(true);
    expect(isActive(shutdown, Date.parse("2026-12-24T12:00:00Z"))).toBe(false);
    expect(isActive(shutdown, Date.parse("2027-01-02T12:00:00Z"))).toBe(true);
  });

  it("is the example the draft documentation shows", () => {
    const doc = readFileSync(path.join(here, "../../../docs/alerting-configuration.md"), "utf8");
    expect(doc).toContain(readFileSync(GOLDEN, "utf8").trim());
  });
});

describe("defaults", () => {
  it("are lineops's fast ones where the config is silent", () => {
    const c = parseAlertingConfig(MINIMAL);
    expect(routeTreeOf(c).opts).toMatchObject({
      receiver: "r",
      groupWaitMs: ALERTING_DEFAULTS.groupWaitMs,
      groupIntervalMs: ALERTING_DEFAULTS.groupIntervalMs,
      repeatIntervalMs: ALERTING_DEFAULTS.repeatIntervalMs,
      groupBy: [],
      groupByAll: false,
    });
    expect(ALERTING_DEFAULTS).toEqual({
      groupWaitMs: 1000,
      groupIntervalMs: 30_000,
      repeatIntervalMs: 4 * 3600_000,
      resolveTimeoutMs: 300_000,
    });
    expect(c.global.resolve_timeout).toBe(300_000);
  });

  it("warns, as Alertmanager logs, when repeat_interval is shorter than group_interval", () => {
    const c = parseAlertingConfig(
      "route:\n  receiver: r\n  routes:\n    - match: {a: b}\n      repeat_interval: 10s\nreceivers:\n  - name: r\n",
    );
    expect(c.warnings).toEqual([
      'route {}/{a="b"}: repeat_interval (10s) is less than group_interval (30s); notifications will not repeat until the next group_interval',
    ]);
  });
});

describe("errors name file:line:col and the key path", () => {
  it("starts with the file name", () => {
    const err = configErrorOf(() => parseAlertingConfig("route:\n  reciever: r\n", "/etc/am.yml"));
    expect(err.code).toBe("LINEOPS_ERR_CONFIG_INVALID");
    expect(err.message).toBe("/etc/am.yml:2:3: route.reciever: unknown key");
  });

  it.each<[string, string, string[]]>([
    ["an empty file", "", ["1:1: (root): no route provided in config"]],
    ["an unknown top-level key", `${MINIMAL}silences: []\n`, ["5:1: silences: unknown key"]],
    [
      "a receiver type not supported yet",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    opsgenie_configs:\n      - api_key: x\n",
      [
        "6:7: receivers[0].opsgenie_configs: opsgenie_configs is not supported yet (lineops sends webhook, slack, email, pagerduty, mqtt and sms configs; bridge other channels through a webhook)",
      ],
    ],
    [
      "a global not supported yet",
      `global:\n  opsgenie_api_key: k\n${MINIMAL}`,
      [
        "2:21: global.opsgenie_api_key: opsgenie_api_key is not supported yet (not used by lineops's channels)",
      ],
    ],
    [
      "an undefined receiver deep in the tree",
      "route:\n  receiver: r\n  routes:\n    - match: {a: b}\n      routes:\n        - receiver: nobody\nreceivers:\n  - name: r\n",
      ['6:21: route.routes[0].routes[0].receiver: undefined receiver "nobody" used in route'],
    ],
    [
      "a duplicate receiver name",
      `${MINIMAL}  - name: r\n`,
      ['5:11: receivers[1].name: notification config name "r" is not unique'],
    ],
    [
      "a root route without receiver",
      "route:\n  group_by: [a]\nreceivers:\n  - name: r\n",
      ["2:3: route: root route must specify a default receiver"],
    ],
    [
      "a root route with matchers",
      "route:\n  receiver: r\n  matchers: ['a=b']\nreceivers:\n  - name: r\n",
      ["3:13: route.matchers: root route must not have any matchers"],
    ],
    [
      "a root route with match",
      "route:\n  receiver: r\n  match: {a: b}\nreceivers:\n  - name: r\n",
      ["3:10: route.match: root route must not have any matchers"],
    ],
    [
      "continue in the root route",
      "route:\n  receiver: r\n  continue: true\nreceivers:\n  - name: r\n",
      ["3:13: route.continue: cannot have continue in root route"],
    ],
    [
      "a mute time interval on the root",
      "route:\n  receiver: r\n  mute_time_intervals: [w]\nreceivers:\n  - name: r\ntime_intervals:\n  - name: w\n",
      ["3:24: route.mute_time_intervals: root route must not have any mute time intervals"],
    ],
    [
      "an undefined time interval",
      "route:\n  receiver: r\n  routes:\n    - active_time_intervals: [w, office]\nreceivers:\n  - name: r\ntime_intervals:\n  - name: w\n",
      ['4:34: route.routes[0].active_time_intervals[1]: undefined time interval "office" used in route'],
    ],
    [
      "a time interval defined twice across both lists",
      `${MINIMAL}mute_time_intervals:\n  - name: w\ntime_intervals:\n  - name: w\n`,
      ['8:11: time_intervals[0].name: time interval "w" is not unique'],
    ],
    [
      "an invalid matcher",
      "route:\n  receiver: r\n  routes:\n    - matchers: ['a=b', 'c=~\"[\"', '{x=\"y\"}']\nreceivers:\n  - name: r\n",
      [
        expect.stringMatching(
          /^4:25: route\.routes\[0\]\.matchers\[1\]: invalid regex "\["/,
        ) as unknown as string,
      ],
    ],
    [
      "an unparseable matcher",
      "route:\n  receiver: r\n  routes:\n    - matchers: ['a']\nreceivers:\n  - name: r\n",
      ["4:18: route.routes[0].matchers[0]: bad matcher format: a"],
    ],
    [
      "a bad label name in match",
      "route:\n  receiver: r\n  routes:\n    - match: {'a-b': c}\nreceivers:\n  - name: r\n",
      ['4:22: route.routes[0].match.a-b: invalid label name "a-b"'],
    ],
    [
      "a bad regex in match_re",
      "route:\n  receiver: r\n  routes:\n    - match_re: {a: '('}\nreceivers:\n  - name: r\n",
      [
        expect.stringMatching(
          /^4:21: route\.routes\[0\]\.match_re\.a: invalid regex "\^\(\?:\(\)\$"/,
        ) as unknown as string,
      ],
    ],
    [
      "'...' with other labels",
      "route:\n  receiver: r\n  group_by: ['...', a]\nreceivers:\n  - name: r\n",
      ["3:13: route.group_by: cannot have wildcard group_by (`...`) and other labels at the same time"],
    ],
    [
      "a duplicated group_by label",
      "route:\n  receiver: r\n  group_by: [a, b, a]\nreceivers:\n  - name: r\n",
      ['3:20: route.group_by[2]: duplicated label "a" in group_by'],
    ],
    [
      "a zero group_interval",
      "route:\n  receiver: r\n  group_interval: 0s\nreceivers:\n  - name: r\n",
      ["3:19: route.group_interval: group_interval cannot be zero"],
    ],
    [
      "a zero repeat_interval",
      "route:\n  receiver: r\n  repeat_interval: 0\nreceivers:\n  - name: r\n",
      ["3:20: route.repeat_interval: repeat_interval cannot be zero"],
    ],
    [
      "an invalid duration",
      "route:\n  receiver: r\n  group_wait: soon\nreceivers:\n  - name: r\n",
      ['3:15: route.group_wait: invalid duration "soon" (use e.g. 500ms, 15s, 1m30s)'],
    ],
    [
      "route labels (not supported yet)",
      "route:\n  receiver: r\n  labels: {a: b}\nreceivers:\n  - name: r\n",
      ["3:11: route.labels: labels is not supported yet"],
    ],
    [
      "a webhook without url",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - send_resolved: false\n",
      ["6:9: receivers[0].webhook_configs[0]: one of url or url_file must be configured"],
    ],
    [
      "a webhook URL that is not http",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: ftp://x/y\n",
      [
        '6:14: receivers[0].webhook_configs[0].url: unsupported scheme or invalid URL "ftp://x/y" (expected http:// or https://)',
      ],
    ],
    [
      "basic_auth and authorization together",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://x/\n        http_config:\n          basic_auth: {username: u}\n          authorization: {credentials: t}\n",
      [
        "8:11: receivers[0].webhook_configs[0].http_config: at most one of basic_auth & authorization must be configured",
      ],
    ],
    [
      "bearer_token (not supported yet)",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://x/\n        http_config:\n          bearer_token: t\n",
      [
        "8:25: receivers[0].webhook_configs[0].http_config.bearer_token: bearer_token is not supported yet (use authorization.credentials)",
      ],
    ],
    [
      "a negative max_alerts",
      "route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://x/\n        max_alerts: -1\n",
      [
        expect.stringMatching(
          /^7:21: receivers\[0\]\.webhook_configs\[0\]\.max_alerts: /,
        ) as unknown as string,
      ],
    ],
    [
      "a bad weekday in a time interval",
      `${MINIMAL}time_intervals:\n  - name: w\n    time_intervals:\n      - weekdays: [monday, funday]\n`,
      ["8:28: time_intervals[0].time_intervals[0].weekdays[1]: funday is not a valid weekday"],
    ],
    [
      "a time range ending before it starts",
      `${MINIMAL}time_intervals:\n  - name: w\n    time_intervals:\n      - times:\n          - start_time: "10:00"\n            end_time: "09:00"\n`,
      [
        "9:13: time_intervals[0].time_intervals[0].times[0]: start time cannot be equal or greater than end time",
      ],
    ],
    [
      "a weekday written as a number",
      `${MINIMAL}time_intervals:\n  - name: w\n    time_intervals:\n      - weekdays: [1]\n`,
      ["8:20: time_intervals[0].time_intervals[0].weekdays[0]: 1 is not a valid weekday"],
    ],
    [
      "an unknown location",
      `${MINIMAL}time_intervals:\n  - name: w\n    time_intervals:\n      - location: Mars/Base\n`,
      ["8:19: time_intervals[0].time_intervals[0].location: unknown time zone Mars/Base"],
    ],
    [
      "an unknown field in a time interval",
      `${MINIMAL}time_intervals:\n  - name: w\n    time_intervals:\n      - weekday: [monday]\n`,
      ["8:9: time_intervals[0].time_intervals[0].weekday: unknown key"],
    ],
    [
      "an invalid inhibit rule matcher",
      `${MINIMAL}inhibit_rules:\n  - source_matchers: ['a="b']\n`,
      ['6:23: inhibit_rules[0].source_matchers[0]: matcher value contains unescaped double quote: "b'],
    ],
  ])("%s", (_name, text, want) => {
    expect(problems(text)).toEqual(want);
  });

  it("reports an unreadable file at 1:1", () => {
    const missing = path.join(mkdtempSync(path.join(tmpdir(), "am-")), "nope.yml");
    expect(configErrorOf(() => loadAlertingConfig(missing)).message).toBe(
      `${missing}:1:1: (root): cannot read file (ENOENT)`,
    );
  });

  it("loads a file it can read", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "am-")), "am.yml");
    writeFileSync(file, MINIMAL);
    expect(loadAlertingConfig(file).route.receiver).toBe("r");
  });

  it("never throws anything but a ConfigError on odd input", () => {
    for (const text of [
      "[",
      "route: 5",
      "route: [a]",
      "receivers: {}",
      "- a",
      "route:\n  routes: [5]",
      "null",
      "~",
      "'x'",
    ]) {
      configErrorOf(() => parseAlertingConfig(text));
    }
  });
});
