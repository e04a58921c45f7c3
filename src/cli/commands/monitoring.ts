// Monitoring commands: PromQL queries, scrape targets, trend analysis. API clients like the rest.
import type { Command } from "commander";
import { ApiClient, resolveConnection, type ConnectionFlags } from "../client.js";
import { printJson, printTable } from "../output.js";

type Flags = ConnectionFlags & { json?: boolean };
type Envelope<T> = { status: string; data: T };
type VectorSample = { metric: Record<string, string>; value: [number, string] };

const client = (cmd: Command) => new ApiClient(resolveConnection(cmd.optsWithGlobals<Flags>()));
const wantsJson = (cmd: Command) => cmd.optsWithGlobals<Flags>().json === true;
const formatLabels = (m: Record<string, string>) => {
  const { __name__: name, ...rest } = m;
  const inner = Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ");
  return `${name ?? ""}{${inner}}`;
};

export function registerMonitoringCommands(program: Command): void {
  program
    .command("query")
    .description("run a PromQL instant query")
    .argument("<expr>", "PromQL expression")
    .option("--time <t>", "evaluation time (RFC 3339 or Unix seconds; default now)")
    .option("--json", "print JSON")
    .action(async (expr: string, opts: { time?: string }, cmd: Command) => {
      const q = new URLSearchParams({ query: expr, ...(opts.time ? { time: opts.time } : {}) });
      const res = await client(cmd).get<Envelope<{ resultType: string; result: unknown }>>(
        `/api/v1/query?${q}`,
      );
      if (wantsJson(cmd)) {
        printJson(res.data);
        return;
      }
      if (res.data.resultType === "vector") {
        printTable(
          ["SERIES", "VALUE"],
          (res.data.result as VectorSample[]).map((s) => [formatLabels(s.metric), s.value[1]]),
        );
      } else {
        process.stdout.write(`${JSON.stringify(res.data.result)}\n`);
      }
    });

  program
    .command("targets")
    .description("list scrape targets and their health")
    .option("--json", "print JSON")
    .action(async (_o, cmd: Command) => {
      type Target = {
        scrapePool: string;
        scrapeUrl: string;
        health: string;
        lastError: string;
        lastScrapeDuration: number;
      };
      const res = await client(cmd).get<Envelope<{ activeTargets: Target[] }>>("/api/v1/targets");
      if (wantsJson(cmd)) {
        printJson(res.data);
        return;
      }
      printTable(
        ["JOB", "URL", "HEALTH", "DURATION", "ERROR"],
        res.data.activeTargets.map((t) => [
          t.scrapePool,
          t.scrapeUrl,
          t.health,
          `${(t.lastScrapeDuration * 1000).toFixed(1)}ms`,
          t.lastError || undefined,
        ]),
      );
    });

  program
    .command("analyze")
    .description("trend analysis of a PromQL query: forecast, anomaly, seasonal, change")
    .argument("<kind>", "forecast | anomaly | seasonal | change")
    .argument("<query>", "PromQL expression")
    .option("--range <d>", "history to use (forecast, anomaly)", "1h")
    .option("--step <d>", "resolution", "1m")
    .option("--horizon <d>", "how far to forecast", "1h")
    .option("--method <m>", "forecast method: linear | holt", "linear")
    .option("--season <d>", "seasonal period: 1d or 1w", "1d")
    .option("--window <d>", "window each side (change) or compared (seasonal)", "15m")
    .option("--at <t>", "event time for change detection (RFC 3339 or Unix seconds)")
    .option("--json", "print JSON")
    .action(async (kind: string, query: string, opts: Record<string, string | undefined>, cmd: Command) => {
      if (!["forecast", "anomaly", "seasonal", "change"].includes(kind)) {
        cmd.error(`unknown analysis "${kind}" (forecast, anomaly, seasonal, change)`, { exitCode: 2 });
      }
      const q = new URLSearchParams({ query });
      for (const k of ["range", "step", "horizon", "method", "season", "window", "at"]) {
        const v = opts[k];
        if (v !== undefined) {
          q.set(k, v);
        }
      }
      const res = await client(cmd).get<Envelope<Record<string, unknown>[]>>(`/api/v1/analysis/${kind}?${q}`);
      if (wantsJson(cmd)) {
        printJson(res.data);
        return;
      }
      for (const row of res.data) {
        const {
          metric,
          forecast: _points,
          test,
          ...rest
        } = row as { metric: Record<string, string> } & Record<string, unknown>;
        const fields = Object.entries({
          ...rest,
          ...(test ? { pValue: (test as { pValue: number }).pValue } : {}),
        })
          .map(([k, v]) => `${k}=${typeof v === "number" ? Number(v.toPrecision(6)) : JSON.stringify(v)}`)
          .join("  ");
        process.stdout.write(`${formatLabels(metric)}  ${fields}\n`);
      }
    });
}
