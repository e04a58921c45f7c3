// `lineops oncall`: who is on call, the final schedule over a range, and the admin side (teams,
// schedules from a YAML/JSON file, overrides), through /api/v1 like every online command.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import type {
  OnCallAllResponse,
  OnCallResponse,
  OverrideRequest,
  OverrideResponse,
  Removed,
  ScheduleRequest,
  ScheduleResponse,
  ScheduleSaved,
  SchedulesResponse,
  ShiftsResponse,
  TeamResponse,
  TeamsResponse,
} from "../../api/types.js";
import { apiClient, printRows, wantsJson } from "../command.js";
import { printJson } from "../output.js";

const enc = encodeURIComponent;
const q = (params: Record<string, string | undefined>) => {
  const s = Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${enc(v)}`)
    .join("&");
  return s ? `?${s}` : "";
};

/** "2026-03-03 06:00" on the wall clock of `tz` (the schedule's zone): how a shift plan reads. */
export function wallTime(ms: number, tz: string): string {
  return new Date(ms).toLocaleString("sv-SE", { timeZone: tz, hour12: false }).slice(0, 16);
}

const splitList = (s: string | undefined) =>
  s === undefined || s.trim() === "" ? [] : s.split(",").map((x) => x.trim());

const source = (s: { kind: string; layer?: string; override?: string }) =>
  s.kind === "layer" ? `layer ${s.layer ?? ""}` : `override ${s.override ?? ""}`;

export function registerOnCallCommands(program: Command): void {
  const oncall = program.command("oncall").description("on-call schedules, teams and overrides");

  oncall
    .command("now")
    .description("who is on call now (or --at), on one schedule or on every one, with how to reach them")
    .argument("[schedule]", "schedule name (default: every schedule)")
    .option("--at <time>", "RFC 3339 or Unix seconds (default: now)")
    .option("--json", "print JSON")
    .action(async (schedule: string | undefined, opts: { at?: string }, cmd: Command) => {
      const client = apiClient(cmd);
      const res: OnCallAllResponse = schedule
        ? await client
            .get<OnCallResponse>(`/api/v1/schedules/${enc(schedule)}/oncall${q({ at: opts.at })}`)
            .then((one) => ({ at: one.at, oncall: [one] }))
        : await client.get<OnCallAllResponse>(`/api/v1/oncall${q({ at: opts.at })}`);
      printRows(
        cmd,
        schedule ? res.oncall[0] : res,
        ["SCHEDULE", "ON CALL", "UNTIL", "SOURCE", "PHONE", "EMAIL"],
        res.oncall,
        (o) => [
          o.schedule,
          o.person?.name ?? "(nobody)",
          o.shift ? new Date(o.shift.end).toISOString().replace(/\.\d+Z$/, "Z") : "",
          o.shift ? source(o.shift.source) : "",
          o.person?.contact.phone ?? "",
          o.person?.contact.email ?? "",
        ],
      );
    });

  oncall
    .command("show")
    .description("the final schedule over a range: each shift with its start, end and person")
    .argument("<schedule>", "schedule name")
    .requiredOption("--from <time>", "RFC 3339 or Unix seconds")
    .requiredOption("--to <time>", "RFC 3339 or Unix seconds (at most 400 days after --from)")
    .option("--json", "print JSON")
    .action(async (schedule: string, opts: { from: string; to: string }, cmd: Command) => {
      const res = await apiClient(cmd).get<ShiftsResponse>(
        `/api/v1/schedules/${enc(schedule)}/shifts${q({ from: opts.from, to: opts.to })}`,
      );
      printRows(cmd, res, [`START (${res.timezone})`, "END", "USER", "SOURCE"], res.shifts, (s) => [
        wallTime(s.start, res.timezone),
        wallTime(s.end, res.timezone),
        s.user,
        source(s.source),
      ]);
    });

  const schedules = oncall
    .command("schedule")
    .description("create, replace, list and remove schedules (admin writes)");
  schedules
    .command("list")
    .option("--json", "print JSON")
    .action(async (_opts, cmd: Command) => {
      const res = await apiClient(cmd).get<SchedulesResponse>("/api/v1/schedules");
      printRows(cmd, res, ["SCHEDULE", "TEAM", "TIMEZONE", "LAYERS", "OVERRIDES"], res.schedules, (s) => [
        s.name,
        s.team ?? "",
        s.timezone,
        s.layers.map((l) => `${l.name}(${l.participants.join(",")})`).join(" "),
        String(s.overrides.length),
      ]);
    });
  schedules
    .command("get")
    .argument("<schedule>", "schedule name")
    .action(async (name: string, _opts, cmd: Command) => {
      printJson(await apiClient(cmd).get<ScheduleResponse>(`/api/v1/schedules/${enc(name)}`));
    });
  schedules
    .command("apply")
    .description(
      "create or replace a schedule from a YAML or JSON file (timezone, team, layers); its overrides stay",
    )
    .argument("<schedule>", "schedule name")
    .requiredOption("-f, --file <path>", "the schedule (YAML or JSON)")
    .option("--json", "print JSON")
    .action(async (name: string, opts: { file: string }, cmd: Command) => {
      let body: ScheduleRequest;
      try {
        body = parseYaml(readFileSync(opts.file, "utf8")) as ScheduleRequest;
      } catch (e) {
        cmd.error(`${opts.file}: ${(e as Error).message}`, { exitCode: 2 });
      }
      const res = await apiClient(cmd).put<ScheduleSaved>(`/api/v1/schedules/${enc(name)}`, body);
      if (wantsJson(cmd)) {
        printJson(res);
      } else {
        process.stdout.write(
          `schedule ${name} ${res.created ? "created" : "replaced"} (revision ${res.schedule.revision})\n`,
        );
      }
    });
  schedules
    .command("remove")
    .argument("<schedule>", "schedule name")
    .action(async (name: string, _opts, cmd: Command) => {
      await apiClient(cmd).delete<Removed>(`/api/v1/schedules/${enc(name)}`);
      process.stdout.write(`schedule ${name} removed\n`);
    });

  const override = oncall.command("override").description("put a person on call for a time range (admin)");
  override
    .command("add")
    .argument("<schedule>", "schedule name")
    .requiredOption("--user <name>", "who is on call instead")
    .requiredOption("--from <time>", "RFC 3339 or Unix seconds")
    .requiredOption("--to <time>", "RFC 3339 or Unix seconds")
    .option("--json", "print JSON")
    .action(async (schedule: string, opts: { user: string; from: string; to: string }, cmd: Command) => {
      const body: OverrideRequest = { user: opts.user, start: opts.from, end: opts.to };
      const res = await apiClient(cmd).post<OverrideResponse>(
        `/api/v1/schedules/${enc(schedule)}/overrides`,
        body,
      );
      if (wantsJson(cmd)) {
        printJson(res);
      } else {
        process.stdout.write(`override ${res.id}: ${res.user} on call on ${schedule}\n`);
      }
    });
  override
    .command("remove")
    .argument("<schedule>", "schedule name")
    .argument("<id>", "override id (lineops oncall schedule get shows them)")
    .action(async (schedule: string, id: string, _opts, cmd: Command) => {
      await apiClient(cmd).delete<Removed>(`/api/v1/schedules/${enc(schedule)}/overrides/${enc(id)}`);
      process.stdout.write(`override ${id} removed\n`);
    });

  const team = oncall.command("team").description("teams and their members (admin writes)");
  team
    .command("list")
    .option("--json", "print JSON")
    .action(async (_opts, cmd: Command) => {
      const res = await apiClient(cmd).get<TeamsResponse>("/api/v1/teams");
      printRows(cmd, res, ["TEAM", "MEMBERS"], res.teams, (t) => [t.name, t.members.join(", ")]);
    });
  team
    .command("add")
    .argument("<team>", "team name")
    .option("--members <names>", "comma-separated user names", "")
    .action(async (name: string, opts: { members: string }, cmd: Command) => {
      const res = await apiClient(cmd).post<TeamResponse>("/api/v1/teams", {
        name,
        members: splitList(opts.members),
      });
      process.stdout.write(`team ${res.name} created: ${res.members.join(", ")}\n`);
    });
  team
    .command("set")
    .argument("<team>", "team name")
    .requiredOption("--members <names>", "comma-separated user names (replaces the members)")
    .action(async (name: string, opts: { members: string }, cmd: Command) => {
      const res = await apiClient(cmd).put<TeamResponse>(`/api/v1/teams/${enc(name)}`, {
        members: splitList(opts.members),
      });
      process.stdout.write(`team ${res.name}: ${res.members.join(", ")}\n`);
    });
  team
    .command("remove")
    .argument("<team>", "team name")
    .action(async (name: string, _opts, cmd: Command) => {
      await apiClient(cmd).delete<Removed>(`/api/v1/teams/${enc(name)}`);
      process.stdout.write(`team ${name} removed\n`);
    });
}
