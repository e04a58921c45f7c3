// `lineops alarms`: ISA-18.2 alarm management over the API. `alarms` lists active and shelved
// alarms with their state (and the positions in flood); `alarms shelve|unshelve|shelves` manage
// timed shelving; `alarms kpi` prints the EEMUA 191 KPI report as a table, JSON or RFC 4180 CSV.
import type { Command } from "commander";
import { CliError } from "../client.js";
import { apiClient, printRows, wantsJson } from "../command.js";
import { printJson, printTable } from "../output.js";
import { parseDurationArg } from "./alerts.js";

type Alarm = {
  fingerprint: string;
  alertname: string;
  position: string;
  priority: string;
  state: string;
  activatedAt?: number;
  shelf?: { by: string; until: number };
  chattering: boolean;
  stale: boolean;
  inFlood: boolean;
};
type Flood = { position: string; startedAt: number; alarms: number };
type Shelf = {
  fingerprint: string;
  labels: Record<string, string>;
  shelvedBy: string;
  reason: string;
  expiresAt: number;
};
type MeanTime = { seconds: number | null; n: number; note?: string };
type Kpi = {
  from: number;
  to: number;
  alarms: number;
  notAnnunciated: number;
  floodPercent: number;
  positions: {
    position: string;
    alarms: number;
    per10Min: number;
    perHour: number;
    perDay: number;
    peak10Min: number;
    floodPercent: number;
  }[];
  badActors: { alertname: string; position: string; fingerprint: string; count: number }[];
  priorities: {
    percent: Record<"low" | "medium" | "high", number>;
    target: Record<"low" | "medium" | "high", number>;
  };
  chattering: number;
  stale: number;
  mtta: MeanTime;
  mttr: MeanTime;
};

const when = (ms: number | undefined) =>
  ms === undefined ? "" : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const mean = (m: MeanTime) => (m.seconds === null ? (m.note ?? "n/a") : `${m.seconds} s (n=${m.n})`);

/** RFC 3339 or Unix seconds, as the API takes them; checked here so a typo is a usage error. */
function timeArg(flag: string, text: string): string {
  if (/^\d+(\.\d+)?$/.test(text) || Number.isFinite(Date.parse(text))) {
    return text;
  }
  throw new CliError(`${flag} must be an RFC 3339 time or Unix seconds; got "${text}"`, 2);
}

export function registerAlarmCommands(program: Command): void {
  const alarms = program
    .command("alarms")
    .description(
      "ISA-18.2 alarms: active and shelved, with their state (subcommands: shelve, unshelve, shelves, kpi)",
    )
    .option("--json", "print JSON")
    .action(async (_opts, cmd: Command) => {
      const res = await apiClient(cmd).get<{ data: { alarms: Alarm[]; floods: Flood[] } }>("/api/v1/alarms");
      printRows(
        cmd,
        res,
        ["FINGERPRINT", "ALARM", "POSITION", "PRIORITY", "STATE", "SINCE", "FLAGS"],
        res.data.alarms,
        (a) => [
          a.fingerprint,
          a.alertname,
          a.position,
          a.priority,
          a.state,
          when(a.activatedAt),
          [
            a.chattering ? "chattering" : "",
            a.stale ? "stale" : "",
            a.inFlood ? "flood" : "",
            a.shelf ? `shelved by ${a.shelf.by} until ${when(a.shelf.until)}` : "",
          ]
            .filter(Boolean)
            .join(", "),
        ],
      );
      if (!wantsJson(cmd)) {
        for (const f of res.data.floods) {
          process.stdout.write(`FLOOD at ${f.position} since ${when(f.startedAt)}: ${f.alarms} alarms\n`);
        }
      }
    });

  alarms
    .command("shelve")
    .description("shelve an alarm for a time (lifted at expiry); needs the operator role")
    .argument("<fingerprint>", "the alarm's fingerprint (from `lineops alarms`)")
    .requiredOption("--for <duration>", "how long, e.g. 30m or 2h")
    .requiredOption("-r, --reason <text>", "why (kept with the shelf and in the audit log)")
    .option("--json", "print JSON")
    .action(async (fingerprint: string, opts: { for: string; reason: string }, cmd: Command) => {
      parseDurationArg("--for", opts.for);
      const res = await apiClient(cmd).post<{ data: Shelf }>("/api/v1/alarms/shelves", {
        fingerprint,
        duration: opts.for,
        reason: opts.reason,
      });
      if (wantsJson(cmd)) {
        printJson(res);
      } else {
        process.stdout.write(`alarm ${fingerprint} shelved until ${when(res.data.expiresAt)}\n`);
      }
    });

  alarms
    .command("unshelve")
    .description("unshelve an alarm before its shelving expires; needs the operator role")
    .argument("<fingerprint>", "the alarm's fingerprint")
    .option("--json", "print JSON")
    .action(async (fingerprint: string, _opts, cmd: Command) => {
      const res = await apiClient(cmd).delete<{ data: Shelf }>(
        `/api/v1/alarms/shelves/${encodeURIComponent(fingerprint)}`,
      );
      if (wantsJson(cmd)) {
        printJson(res);
      } else {
        process.stdout.write(`alarm ${fingerprint} unshelved\n`);
      }
    });

  alarms
    .command("shelves")
    .description("alarms shelved now: by whom, why and until when")
    .option("--json", "print JSON")
    .action(async (_opts, cmd: Command) => {
      const res = await apiClient(cmd).get<{ data: { shelves: Shelf[] } }>("/api/v1/alarms/shelves");
      printRows(cmd, res, ["FINGERPRINT", "ALARM", "BY", "UNTIL", "REASON"], res.data.shelves, (s) => [
        s.fingerprint,
        s.labels.alertname ?? "",
        s.shelvedBy,
        when(s.expiresAt),
        s.reason,
      ]);
    });

  alarms
    .command("kpi")
    .description("the alarm KPI report (EEMUA 191): rates, flood time, bad actors, priorities, MTTA, MTTR")
    .option("--from <time>", "start (RFC 3339 or Unix seconds; default 24 h before --to)")
    .option("--to <time>", "end (default now)")
    .option("--position <name>", "one operator position, e.g. line-1/3")
    .option("--csv", "print the report as RFC 4180 CSV")
    .option("--json", "print JSON")
    .action(async (opts: { from?: string; to?: string; position?: string; csv?: boolean }, cmd: Command) => {
      const params = [
        ...(opts.from !== undefined ? [`from=${encodeURIComponent(timeArg("--from", opts.from))}`] : []),
        ...(opts.to !== undefined ? [`to=${encodeURIComponent(timeArg("--to", opts.to))}`] : []),
        ...(opts.position !== undefined ? [`position=${encodeURIComponent(opts.position)}`] : []),
      ];
      const api = apiClient(cmd);
      if (opts.csv === true) {
        process.stdout.write(await api.getText(`/api/v1/alarms/kpi?${[...params, "format=csv"].join("&")}`));
        return;
      }
      const res = await api.get<{ data: Kpi }>(
        `/api/v1/alarms/kpi${params.length > 0 ? `?${params.join("&")}` : ""}`,
      );
      if (wantsJson(cmd)) {
        printJson(res);
        return;
      }
      const r = res.data;
      process.stdout.write(
        `Alarm KPIs ${when(r.from)} .. ${when(r.to)}: ${r.alarms} alarms (${r.notAnnunciated} shelved or suppressed), ${r.floodPercent} % of the time in flood\n\n`,
      );
      printTable(
        ["POSITION", "ALARMS", "PER 10 MIN", "PER HOUR", "PER DAY", "PEAK 10 MIN", "% IN FLOOD"],
        r.positions.map((p) => [
          p.position,
          p.alarms,
          p.per10Min,
          p.perHour,
          p.perDay,
          p.peak10Min,
          p.floodPercent,
        ]),
      );
      process.stdout.write("\nTop bad actors\n");
      printTable(
        ["COUNT", "ALARM", "POSITION", "FINGERPRINT"],
        r.badActors.map((a) => [a.count, a.alertname, a.position, a.fingerprint]),
      );
      const p = r.priorities;
      process.stdout.write(
        `\nPriorities low/medium/high: ${p.percent.low}/${p.percent.medium}/${p.percent.high} % (target ${p.target.low}/${p.target.medium}/${p.target.high})\n` +
          `Chattering alarms: ${r.chattering}   Standing alarms: ${r.stale}\n` +
          `MTTA: ${mean(r.mtta)}\nMTTR: ${mean(r.mttr)}\n`,
      );
    });
}
