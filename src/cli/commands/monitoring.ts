// Monitoring commands: PromQL queries, scrape targets, trend analysis. API clients like the rest.
import type { Command } from "commander";
import type { AnalysisRow, PromEnvelope, QueryData, TargetsData, VectorSample } from "../../api/types.js";
import { apiClient, printRows, wantsJson } from "../command.js";
import { printJson, printTable } from "../output.js";
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
      const res = await apiClient(cmd).get<PromEnvelope<QueryData>>(`/api/v1/query?${q}`);
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
      const res = await apiClient(cmd).get<PromEnvelope<TargetsData>>("/api/v1/targets");
      printRows(cmd, res.data, ["JOB", "URL", "HEALTH", "DURATION", "ERROR"], res.data.activeTargets, (t) => [
        t.scrapePool,
        t.scrapeUrl,
        t.health,
        `${(t.lastScrapeDuration * 1000).toFixed(1)}ms`,
        t.lastError || undefined,
      ]);
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
      const res = await apiClient(cmd).get<PromEnvelope<AnalysisRow[]>>(`/api/v1/analysis/${kind}?${q}`);
      if (wantsJson(cmd)) {
        printJson(res.data);
        return;
      }
      for (const row of res.data) {
        const { metric, forecast: _points, test, ...rest } = row;
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
