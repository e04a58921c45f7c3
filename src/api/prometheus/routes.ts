// The Prometheus-compatible HTTP API (the shapes Grafana's Prometheus data source and promtool
// call), served from the MonitoringEngine. Reads need a viewer token, remote write an operator one.
import type { FastifyRequest } from "fastify";
import { LineopsError } from "../../errors.js";
import {
  formatQuery,
  MonitoringErrors,
  parseQueryJson,
  parseDurationParam,
  parseSourceResolutionParam,
  parseTimeParam,
  prometheusResponseJson,
  type MonitoringEngine,
} from "../../monitoring/index.js";
import { VERSION } from "../../version.js";
import { nameParams } from "../types.js";
import { route, type ApiApp } from "../validation.js";
import { configYaml, flagsJson, runtimeInfoJson, type ServerInfo } from "./status.js";

type Params = Record<string, string | string[] | undefined>;

/**
 * GET query string and POST form body merged, as Prometheus does (repeated keys become arrays).
 * These parameters are not declared as zod: Prometheus takes each from either place, repeated or
 * not, and reports errors in its own words (params.ts), which its clients show.
 */
function params(request: FastifyRequest): Params {
  const out: Params = { ...(request.query as Params) };
  if (request.body instanceof URLSearchParams) {
    for (const key of new Set(request.body.keys())) {
      const all = request.body.getAll(key);
      out[key] = all.length === 1 ? all[0] : all;
    }
  }
  return out;
}

const FORM = ["application/x-www-form-urlencoded"] as const;
/**
 * Form bodies of the query routes: a query is at most MAX_QUERY_BYTES (128 KiB), which percent-encoding
 * can triple, so 512 KiB holds any query lineops would run. Refused on Content-Length before the body
 * is read: 150 distinct 0.9 MB queries under the server's 1 MB limit stalled the loop up to 93 ms.
 */
const FORM_BODY_LIMIT = 512 * 1024;
const viewer = { role: "viewer" } as const;

const one = (p: Params, name: string): string | undefined => {
  const v = p[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
};
const many = (p: Params, name: string): string[] => {
  const v = p[name] ?? p[name.replace("[]", "")];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
/**
 * Thanos's max_source_resolution (default auto: the tier by step and window, docs/monitoring.md
 * "Resolution selection") and Prometheus's stats (any value: data.stats says what was read).
 */
const readOptions = (p: Params) => ({
  maxSourceResolution: parseSourceResolutionParam(one(p, "max_source_resolution")),
  stats: (one(p, "stats") ?? "") !== "",
});
const limitOf = (p: Params): number | undefined => {
  const raw = one(p, "limit");
  if (raw === undefined || raw === "") {
    return undefined;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw MonitoringErrors.badParameter(`invalid parameter "limit": "${raw}" is not a non-negative integer`);
  }
  return n === 0 ? undefined : n;
};

/**
 * At most `limit` items, with Prometheus 3.x's warning when there were more: the engine is asked
 * for one more than the limit so truncation is seen without counting everything.
 */
function limited<T>(limit: number | undefined, get: (n: number | undefined) => T[]) {
  const items = get(limit === undefined ? undefined : limit + 1);
  if (limit !== undefined && items.length > limit) {
    return success(items.slice(0, limit), { warnings: ["results truncated due to limit"] });
  }
  return success(items);
}

/**
 * targets/metadata's limit as Prometheus reads it: any integer, negative meaning none (its
 * "limit must be a number" otherwise). Checked before each target, so the answer may hold more.
 */
function targetMetadataLimit(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") {
    return undefined;
  }
  const n = Number(raw);
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
    throw MonitoringErrors.badParameter(`limit must be a number, got "${raw}"`);
  }
  return n < 0 ? undefined : n;
}

const success = (data: unknown, extra: { warnings?: string[]; infos?: string[] } = {}) => ({
  status: "success",
  data,
  ...(extra.warnings?.length ? { warnings: extra.warnings } : {}),
  ...(extra.infos?.length ? { infos: extra.infos } : {}),
});

/**
 * A client's mistake in parameter `name` as Prometheus words it (invalidParamError):
 * `invalid parameter "query": 1:5: parse error: ...`, keeping the error's own code and status.
 */
async function inParam<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    // A new error: the parser may hand the same one to every caller of a cached bad query.
    if (
      err instanceof LineopsError &&
      err.errorType === "bad_data" &&
      !err.message.startsWith("invalid parameter")
    ) {
      throw new LineopsError(
        err.code,
        `invalid parameter "${name}": ${err.message}`,
        err.httpStatus,
        err.errorType,
      );
    }
    throw err;
  }
}

/**
 * `server`: the running configuration and process facts behind /api/v1/status/{config,flags,
 * runtimeinfo}; those routes exist only when it is given (main.ts always gives it).
 */
export function prometheusRoutes(app: ApiApp, monitoring: MonitoringEngine, server?: ServerInfo): void {
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_r, body, done) =>
    done(null, new URLSearchParams(body as string)),
  );
  app.addContentTypeParser("application/x-protobuf", { parseAs: "buffer" }, (_r, body, done) =>
    done(null, body),
  );

  const both = (url: string, schema: object, handler: (p: Params) => Promise<unknown> | unknown) => {
    for (const method of ["GET", "POST"] as const) {
      app.route({
        method,
        url,
        // Prometheus clients POST queries as form bodies; these routes only read.
        config: { role: "viewer", readOnly: true, accepts: method === "POST" ? FORM : [] },
        ...(method === "POST" ? { bodyLimit: FORM_BODY_LIMIT } : {}),
        schema: { tags: ["prometheus"], ...schema, ...(method === "POST" ? { hide: true } : {}) },
        handler: async (request, reply) => {
          const out = await handler(params(request));
          if (Buffer.isBuffer(out)) {
            // A response body already written as JSON (query results): Fastify sends it unchanged.
            void reply.type("application/json; charset=utf-8");
          }
          return out;
        },
      });
    }
  };

  both("/api/v1/query", { summary: "PromQL instant query" }, async (p) => {
    const query = one(p, "query");
    if (!query) {
      throw MonitoringErrors.badParameter('invalid parameter "query": missing');
    }
    const t = parseTimeParam("time", one(p, "time"), Date.now());
    const timeout = parseDurationParam("timeout", one(p, "timeout")); // can only shorten the configured one
    return prometheusResponseJson(await monitoring.instant(query, t, timeout, readOptions(p)));
  });

  both("/api/v1/query_range", { summary: "PromQL range query" }, async (p) => {
    const query = one(p, "query");
    if (!query) {
      throw MonitoringErrors.badParameter('invalid parameter "query": missing');
    }
    const start = parseTimeParam("start", one(p, "start"), NaN);
    const end = parseTimeParam("end", one(p, "end"), NaN);
    if (!Number.isFinite(start) || !Number.isFinite(end)) {
      throw MonitoringErrors.badParameter('invalid parameter "start"/"end": both are required');
    }
    if (end < start) {
      throw MonitoringErrors.badParameter(
        'invalid parameter "end": end timestamp must not be before start time',
      );
    }
    const step = parseDurationParam("step", one(p, "step"));
    if (step === undefined) {
      throw MonitoringErrors.badParameter('invalid parameter "step": missing');
    }
    if ((end - start) / step > 11_000) {
      throw MonitoringErrors.badParameter(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
      );
    }
    const timeout = parseDurationParam("timeout", one(p, "timeout"));
    return prometheusResponseJson(await monitoring.range(query, start, end, step, timeout, readOptions(p)));
  });

  // Prometheus's UI calls these from its query editor: "Format expression" and "Explain".
  both(
    "/api/v1/format_query",
    { summary: "Pretty-print a PromQL expression as Prometheus does" },
    async (p) => success(await inParam("query", () => formatQuery(one(p, "query") ?? ""))),
  );

  both(
    "/api/v1/parse_query",
    { summary: "A PromQL expression's syntax tree as JSON (Prometheus 3.x's shape)" },
    async (p) => success(await inParam("query", () => parseQueryJson(one(p, "query") ?? ""))),
  );

  const range = (p: Params) => ({
    start: parseTimeParam("start", one(p, "start"), -8.64e15),
    end: parseTimeParam("end", one(p, "end"), 8.64e15),
  });

  both("/api/v1/series", { summary: "Series matching selectors" }, (p) => {
    const match = many(p, "match[]");
    if (match.length === 0) {
      throw MonitoringErrors.badParameter("no match[] parameter provided");
    }
    const { start, end } = range(p);
    return limited(limitOf(p), (n) => monitoring.series(match, start, end, n));
  });

  both("/api/v1/labels", { summary: "Label names" }, (p) => {
    const { start, end } = range(p);
    return limited(limitOf(p), (n) => monitoring.labelNames(many(p, "match[]"), start, end, n));
  });

  app.get(
    "/api/v1/label/:name/values",
    { config: viewer, schema: { tags: ["prometheus"], summary: "Values of one label", params: nameParams } },
    async (request) => {
      const p = params(request);
      const { start, end } = range(p);
      return limited(limitOf(p), (n) =>
        monitoring.labelValues(request.params.name, many(p, "match[]"), start, end, n),
      );
    },
  );

  app.get(
    "/api/v1/metadata",
    { config: viewer, schema: { tags: ["prometheus"], summary: "Metric metadata" } },
    async (request) => {
      const p = params(request);
      return success(monitoring.metadataJson(one(p, "metric"), limitOf(p)));
    },
  );

  app.get(
    "/api/v1/targets/metadata",
    {
      config: viewer,
      schema: { tags: ["prometheus"], summary: "Metric metadata as each target's scrapes carried it" },
    },
    async (request) => {
      const p = params(request);
      const limit = targetMetadataLimit(one(p, "limit"));
      const matchTarget = one(p, "match_target");
      const metric = one(p, "metric");
      return success(
        await inParam("match_target", () =>
          monitoring.targetMetadataJson({
            ...(matchTarget ? { matchTarget } : {}),
            ...(metric ? { metric } : {}),
            ...(limit === undefined ? {} : { limit }),
          }),
        ),
      );
    },
  );

  app.get(
    "/api/v1/targets",
    { config: viewer, schema: { tags: ["prometheus"], summary: "Scrape targets and their health" } },
    async (request) => success(monitoring.targetsJson(one(params(request), "state") ?? "any")),
  );

  app.get(
    "/api/v1/status/buildinfo",
    { config: viewer, schema: { tags: ["prometheus"], summary: "Build information" } },
    async () =>
      success({
        version: VERSION,
        revision: "",
        branch: "",
        buildUser: "lineops",
        buildDate: "",
        goVersion: `node ${process.version}`,
      }),
  );

  if (server !== undefined) {
    app.get(
      "/api/v1/status/config",
      {
        config: viewer,
        schema: {
          tags: ["prometheus"],
          summary: "The running configuration as YAML, secrets shown as <secret>",
        },
      },
      async () => success({ yaml: configYaml(server) }),
    );
    app.get(
      "/api/v1/status/flags",
      { config: viewer, schema: { tags: ["prometheus"], summary: "The flags lineops was started with" } },
      async () => success(flagsJson(server.flags)),
    );
    app.get(
      "/api/v1/status/runtimeinfo",
      {
        config: viewer,
        schema: { tags: ["prometheus"], summary: "Process facts (start time, reloads, memory limit)" },
      },
      async () => success(runtimeInfoJson(server)),
    );
  }

  app.get(
    "/api/v1/status/tsdb",
    { config: viewer, schema: { tags: ["prometheus"], summary: "TSDB cardinality" } },
    async (request) => success(monitoring.tsdbStatusJson(limitOf(params(request)) ?? 10)),
  );

  app.get(
    "/api/v1/rules",
    { config: viewer, schema: { tags: ["prometheus"], summary: "Rule groups and their health" } },
    async (request) => {
      const p = params(request);
      return success(
        monitoring.rulesJson({
          type: one(p, "type"),
          ruleName: many(p, "rule_name[]"),
          ruleGroup: many(p, "rule_group[]"),
          file: many(p, "file[]"),
          excludeAlerts: one(p, "exclude_alerts"),
        }),
      );
    },
  );

  app.get(
    "/api/v1/alerts",
    route({ role: "viewer", tag: "prometheus", summary: "Pending and firing alerts of the alerting rules" }),
    async () => success(monitoring.alertsJson()),
  );

  app.get(
    "/api/v1/status/scrape",
    { config: viewer, schema: { tags: ["monitoring"], summary: "Scrape collection latency" } },
    async () => success(monitoring.scrapeStatus()),
  );

  app.post(
    "/api/v1/targets/scrape",
    { config: { role: "operator" }, schema: { tags: ["monitoring"], summary: "Scrape every target now" } },
    async () => success(await monitoring.scrape.scrapeAll()),
  );

  app.get(
    "/api/v1/query_exemplars",
    { config: viewer, schema: { tags: ["prometheus"], summary: "Exemplars (none are stored)" } },
    async () => success([]),
  );

  app.post(
    "/api/v1/write",
    {
      config: { role: "operator", auditFailuresOnly: true, accepts: ["application/x-protobuf"] },
      schema: { tags: ["prometheus"], summary: "Remote write 1.0 receiver (snappy-compressed protobuf)" },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) {
        throw MonitoringErrors.badParameter(
          "remote write needs Content-Type: application/x-protobuf with a snappy body",
        );
      }
      monitoring.remoteWrite(request.body);
      reply.code(204);
      return null;
    },
  );
}
