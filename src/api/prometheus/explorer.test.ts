// The Prometheus API routes Prometheus's own UI and Grafana's query editor call, through a real
// lineops over HTTP: format_query, parse_query, status/{config,flags,runtimeinfo} and
// targets/metadata — with the configuration's secrets never in any answer.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../../config/config.js";
import { startLineops, type Lineops } from "../../main.js";
import { freeLoopbackPort } from "../../monitoring/test-support/prometheus.js";
import { tempDir } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";
import { configYaml, type ServerInfo } from "./status.js";

/** Secrets in the configuration: none may appear in any answer. */
const SECRETS = ["SECRETPATH1", "SECRETTOKEN2", "SECRETPW3", "SECRETPW4"];

let lineops: Lineops;
let dir = "";
let cfg = "";
let port = 0;
let viewer = "";
let admin = "";

const configText = (port: number, extra = "") => `server: { port: ${port} }
monitoring: { host: { enabled: false }, scrapeInterval: 1s, scrapeTimeout: 1s }
scrape_configs:
  - job_name: self
    static_configs: [{ targets: ["127.0.0.1:${port}"], labels: { zone: "a" } }]
alerting:
  route: { receiver: hook }
  receivers:
    - name: hook
      webhook_configs:
        - url: https://hooks.example.com/services/T000/B000/SECRETPATH1
          http_config:
            authorization: { credentials: SECRETTOKEN2 }
    - name: basic
      webhook_configs:
        - url: http://u:SECRETPW3@hooks.example.com/x
          http_config:
            basic_auth: { username: u, password: SECRETPW4 }
${extra}`;

type Reply = { status: number; text: string; body: { status: string; data: never; error?: string } };

async function call(p: string, opts: { token?: string; form?: Record<string, string> } = {}): Promise<Reply> {
  const res = await fetch(`${lineops.url}${p}`, {
    method: opts.form ? "POST" : "GET",
    headers: {
      ...(opts.token === "" ? {} : { authorization: `Bearer ${opts.token ?? viewer}` }),
      ...(opts.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    },
    ...(opts.form ? { body: new URLSearchParams(opts.form).toString() } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Reply["body"] };
}

beforeAll(async () => {
  dir = tempDir("lineops-explorer-");
  port = await freeLoopbackPort();
  cfg = path.join(dir, "lineops.yaml");
  writeFileSync(cfg, configText(port));
  lineops = await startLineops({
    configFile: cfg,
    dataDir: path.join(dir, "data"),
    logger: pino({ level: "silent" }),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  viewer = lineops.tokens.create("view", "viewer").token;
});

afterAll(async () => {
  await lineops?.stop();
});

describe("format_query and parse_query", () => {
  it("pretty-prints a query for a viewer, over GET and form POST", async () => {
    const q = "sum(rate(x[5m])) by (job)";
    const get = await call(`/api/v1/format_query?query=${encodeURIComponent(q)}`);
    expect(get.body).toEqual({ status: "success", data: "sum by (job) (rate(x[5m]))" });
    const post = await call("/api/v1/format_query", { form: { query: q } });
    expect(post.body).toEqual(get.body);
    expect((await call(`/api/v1/format_query?query=x`, { token: "" })).status).toBe(401);
  });

  it("answers a bad or missing query with Prometheus's bad_data and the parameter's name", async () => {
    const bad = await call(`/api/v1/format_query?query=${encodeURIComponent("sum(")}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      status: "error",
      errorType: "bad_data",
    });
    expect(bad.body.error).toMatch(/^invalid parameter "query": 1:5: parse error: /);
    const missing = await call("/api/v1/parse_query");
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/^invalid parameter "query": .*no expression found in input/);
  });

  it("gives the syntax tree the Explain view draws", async () => {
    const res = await call(`/api/v1/parse_query?query=${encodeURIComponent('up{job="a"} offset 5m')}`);
    expect(res.body).toEqual({
      status: "success",
      data: {
        type: "vectorSelector",
        name: "up",
        offset: 300_000,
        offsetExpr: null,
        matchers: [
          { name: "__name__", type: "=", value: "up" },
          { name: "job", type: "=", value: "a" },
        ],
        timestamp: null,
        startOrEnd: null,
        anchored: false,
        smoothed: false,
      },
    });
  });
});

describe("status/config, flags and runtimeinfo", () => {
  it("shows the effective config with every secret as <secret>", async () => {
    const res = await call("/api/v1/status/config");
    expect(res.status).toBe(200);
    const yaml = (res.body.data as { yaml: string }).yaml;
    expect(yaml).toContain("job_name: self");
    expect(yaml).toMatch(/scrapeInterval: 1s/);
    expect(yaml).toMatch(/retention: 15d/);
    expect(yaml).toMatch(/credentials: <secret>/);
    expect(yaml).toMatch(/password: <secret>/);
    expect(yaml).toMatch(/url: <secret>/);
    for (const secret of SECRETS) {
      expect(res.text).not.toContain(secret);
    }
  });

  it("lists the start flags by name", async () => {
    const res = await call("/api/v1/status/flags");
    expect(res.body.data).toMatchObject({
      config: cfg,
      "data-dir": path.join(dir, "data"),
      traffic: "false",
    });
    for (const v of Object.values(res.body.data as Record<string, unknown>)) {
      expect(typeof v).toBe("string");
    }
  });

  it("reports runtime facts, and a failed reload as Prometheus does", async () => {
    const first = (await call("/api/v1/status/runtimeinfo")).body.data as Record<string, unknown>;
    expect(first).toMatchObject({
      CWD: process.cwd(),
      reloadConfigSuccess: true,
      corruptionCount: 0,
      GOMAXPROCS: 1,
      GOGC: "",
      storageRetention: "15d",
    });
    expect(Date.parse(first.startTime as string)).toBeLessThanOrEqual(Date.now());
    expect(first.goroutineCount).toBeGreaterThan(0);
    expect(first.GOMEMLIMIT).toBeGreaterThan(0);

    // A config that does not load: the reload fails, the running config stays and says so.
    writeFileSync(cfg, configText(port, "bogus_key: 1\n"));
    const reload = await fetch(`${lineops.url}/-/reload`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(reload.status).toBeGreaterThanOrEqual(400);
    const failed = (await call("/api/v1/status/runtimeinfo")).body.data as Record<string, unknown>;
    expect(failed.reloadConfigSuccess).toBe(false);
    expect(failed.lastConfigTime).toBe(first.lastConfigTime);
    expect(((await call("/api/v1/status/config")).body.data as { yaml: string }).yaml).not.toContain("bogus");

    writeFileSync(cfg, configText(port));
    const again = await fetch(`${lineops.url}/-/reload`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(again.status).toBe(200);
    expect(
      ((await call("/api/v1/status/runtimeinfo")).body.data as Record<string, unknown>).reloadConfigSuccess,
    ).toBe(true);
  });
});

describe("configYaml", () => {
  it("hides secrets by their key anywhere in lineops.yaml, and passwords in URLs", () => {
    const config = {
      ...lineops.config,
      alerting: undefined,
      future: {
        bearer_token: "SECRET-A",
        nested: [{ password: "SECRET-B", password_file: "/etc/pw" }],
        api_key: "SECRET-C",
        endpoint: "https://u:SECRET-D@example.com/x",
        webhook_url: "https://hooks.example.com/SECRET-E",
      },
    } as unknown as ResolvedConfig;
    const info: ServerInfo = {
      config: () => config,
      flags: {},
      startTime: 0,
      lastReload: () => ({ success: true, at: 0 }),
    };
    const yaml = configYaml(info);
    expect(yaml).not.toMatch(/SECRET-/);
    expect(yaml).toContain("password_file: /etc/pw");
    expect(yaml).toContain("https://u:<secret>@example.com/x");
  });
});

describe("targets/metadata", () => {
  type Entry = { target: Record<string, string>; metric?: string; type: string; help: string; unit: string };

  it("gives the metadata each target's scrapes carried, filtered as Prometheus filters", async () => {
    const self = encodeURIComponent('{job="self"}');
    const one = await waitFor(async () => {
      const r = await call(
        `/api/v1/targets/metadata?metric=lineops_process_cpu_user_seconds_total&match_target=${self}`,
      );
      const data = r.body.data as Entry[];
      return data.length > 0 ? data : undefined;
    });
    expect(one).toEqual([
      {
        target: { instance: new URL(lineops.url).host, job: "self", zone: "a" },
        type: "counter",
        help: "Total user CPU time spent in seconds.",
        unit: "",
      },
    ]);
    // lineops scrapes itself as job "lineops" too: two targets, each with its own entries.
    const all = await waitFor(async () => {
      const data = (await call("/api/v1/targets/metadata")).body.data as Entry[];
      return new Set(data.map((e) => e.target.job)).size === 2 ? data : undefined;
    });
    expect(all.every((e) => typeof e.metric === "string" && e.metric !== "")).toBe(true);
    // Later scrapes may add families (a histogram's first observation), never remove them.
    const selfEntries = all.filter((e) => e.target.job === "self");
    const selfAnswer = (await call(`/api/v1/targets/metadata?match_target=${self}`)).body.data as Entry[];
    expect(selfAnswer.every((e) => e.target.job === "self")).toBe(true);
    expect(selfAnswer.length).toBeGreaterThanOrEqual(selfEntries.length);
    const none = encodeURIComponent('{zone="b"}');
    expect((await call(`/api/v1/targets/metadata?match_target=${none}`)).body.data).toEqual([]);
    // limit is checked before each target: 0 stops at once, 1 returns the first target whole.
    expect((await call("/api/v1/targets/metadata?limit=0")).body.data).toEqual([]);
    const first = (await call("/api/v1/targets/metadata?limit=1")).body.data as Entry[];
    expect(new Set(first.map((e) => e.target.job)).size).toBe(1);
    const firstJob = first[0]?.target.job;
    expect(first.length).toBeGreaterThanOrEqual(all.filter((e) => e.target.job === firstJob).length);
  });

  it("refuses a bad limit or selector in Prometheus's words", async () => {
    const limit = await call("/api/v1/targets/metadata?limit=abc");
    expect([limit.status, limit.body.error]).toEqual([400, 'limit must be a number, got "abc"']);
    const sel = await call(`/api/v1/targets/metadata?match_target=${encodeURIComponent("foo(")}`);
    expect(sel.status).toBe(400);
    expect(sel.body.error).toMatch(/^invalid parameter "match_target": /);
  });
});
