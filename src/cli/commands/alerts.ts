// Alert commands over the Alertmanager API v2 that lineops serves: `alerts` (what fires, silenced
// and inhibited ones only when asked, as amtool) and `silences` list|add|expire. Tables for people,
// the API's JSON with --json.
import os from "node:os";
import type { Command } from "commander";
import type {
  AmAlert,
  AmMatcher,
  AmPostableSilence,
  AmPostSilenceResponse,
  AmSilence,
} from "../../api/types.js";
import { CliError } from "../client.js";
import { apiClient, printRows, wantsJson } from "../command.js";
import { printJson } from "../output.js";

/** An RFC 3339 time to the second, as the tables show it. */
const when = (iso: string) => iso.replace(/\.\d+Z$/, "Z");

const collect = (value: string, previous: string[]) => [...previous, value];

const OPERATOR = (m: AmMatcher) => (m.isRegex ? (m.isEqual ? "=~" : "!~") : m.isEqual ? "=" : "!=");
const showMatcher = (m: AmMatcher) => `${m.name}${OPERATOR(m)}${JSON.stringify(m.value)}`;

// One matcher per argument, as amtool takes them: name, operator, value; name and value may be
// double-quoted (with JSON escapes). The server checks regexes and answers with Alertmanager's message.
const MATCHER = /^\s*("(?:[^"\\]|\\.)*"|[^\s=!~"{},]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

function unquote(text: string, arg: string): string {
  if (!text.startsWith('"')) {
    return text;
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "string") {
      return v;
    }
  } catch {
    // reported below
  }
  throw new CliError(`matcher ${JSON.stringify(arg)}: bad quoting in ${text}`, 2);
}

/** `alertname=StationJammed`, `station=~"press-.*"`, `severity!=info` as the API's matcher. */
export function parseMatcherArg(arg: string): AmMatcher {
  const m = MATCHER.exec(arg);
  if (m === null) {
    throw new CliError(
      `matcher ${JSON.stringify(arg)}: expected name, an operator (= != =~ !~) and a value, e.g. alertname=StationJammed`,
      2,
    );
  }
  const [, name, op, value] = m as unknown as [string, string, string, string];
  return {
    name: unquote(name, arg),
    value: unquote(value, arg),
    isRegex: op === "=~" || op === "!~",
    isEqual: op === "=" || op === "=~",
  };
}

const UNIT_MS: Record<string, number> = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/** A Prometheus duration ("2h", "1h30m", "90s", "1d"): milliseconds, or a usage error naming the flag. */
export function parseDurationArg(flag: string, text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)];
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2] as string] as number), 0);
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text || ms <= 0) {
    throw new CliError(`${flag} must be a positive duration such as 2h, 1h30m or 90s; got "${text}"`, 2);
  }
  return ms;
}

/** A time flag: RFC 3339 ("2026-05-04T18:00:00Z" or with an offset). */
function parseTimeArg(flag: string, text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(text)
    ? Date.parse(text)
    : NaN;
  if (!Number.isFinite(ms)) {
    throw new CliError(`${flag} must be an RFC 3339 time such as 2026-05-04T18:00:00Z; got "${text}"`, 2);
  }
  return ms;
}

const query = (params: [string, string][]) =>
  params.length === 0 ? "" : `?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`;

export function registerAlertCommands(program: Command): void {
  program
    .command("alerts")
    .description("list firing alerts (silenced and inhibited ones with --silenced / --inhibited)")
    .option("--filter <matcher>", "only alerts matching, e.g. severity=critical (repeatable)", collect, [])
    .option("--receiver <regex>", "only alerts routed to a receiver matching this regex")
    .option("--silenced", "include silenced alerts")
    .option("--inhibited", "include inhibited alerts")
    .option("--json", "print JSON")
    .action(
      async (
        opts: { filter: string[]; receiver?: string; silenced?: boolean; inhibited?: boolean },
        cmd: Command,
      ) => {
        const params: [string, string][] = [
          ["silenced", String(opts.silenced === true)],
          ["inhibited", String(opts.inhibited === true)],
          ...opts.filter.map((f): [string, string] => ["filter", f]),
          ...(opts.receiver === undefined ? [] : [["receiver", opts.receiver] as [string, string]]),
        ];
        const alerts = await apiClient(cmd).get<AmAlert[]>(`/api/v2/alerts${query(params)}`);
        printRows(
          cmd,
          alerts,
          ["ALERTNAME", "STATE", "STARTED", "LABELS", "SUMMARY", "RECEIVERS"],
          alerts,
          (a) => [
            a.labels.alertname,
            a.status.state,
            when(a.startsAt),
            Object.entries(a.labels)
              .filter(([k]) => k !== "alertname")
              .map(([k, v]) => `${k}=${v}`)
              .join(",") || undefined,
            a.annotations.summary,
            a.receivers.map((r) => r.name).join(","),
          ],
        );
      },
    );

  const silences = program
    .command("silences")
    .description("list, add and expire silences (`lineops silences` lists the active and pending ones)");

  silences
    .command("list", { isDefault: true })
    .description("list active and pending silences, or with --expired the expired ones")
    .option("--expired", "list expired silences instead")
    .option("--filter <matcher>", "only silences with this matcher (repeatable)", collect, [])
    .option("--json", "print JSON")
    .action(async (opts: { expired?: boolean; filter: string[] }, cmd: Command) => {
      const all = await apiClient(cmd).get<AmSilence[]>(
        `/api/v2/silences${query(opts.filter.map((f): [string, string] => ["filter", f]))}`,
      );
      const shown = all.filter((s) => (s.status.state === "expired") === (opts.expired === true));
      printRows(
        cmd,
        shown,
        ["ID", "MATCHERS", "STATE", "STARTS", "ENDS", "CREATED BY", "COMMENT"],
        shown,
        (s) => [
          s.id,
          s.matchers.map(showMatcher).join(" "),
          s.status.state,
          when(s.startsAt),
          when(s.endsAt),
          s.createdBy,
          s.comment,
        ],
      );
    });

  silences
    .command("add")
    .description(
      'silence the alerts matching every MATCHER (e.g. alertname=StationJammed station=~"press-.*")',
    )
    .argument("<matcher...>", "name=value, name!=value, name=~regex or name!~regex")
    .requiredOption("-c, --comment <text>", "why (shown to everyone who sees the silence)")
    .option("-d, --duration <duration>", "how long, from the start (default 1h)")
    .option("--end <time>", "end at this RFC 3339 time instead of after --duration")
    .option("--start <time>", "start at this RFC 3339 time (default now)")
    .option("-a, --author <name>", "who (default: your user name)")
    .option("--json", "print JSON")
    .action(
      async (
        matchers: string[],
        opts: { comment: string; duration?: string; end?: string; start?: string; author?: string },
        cmd: Command,
      ) => {
        if (opts.duration !== undefined && opts.end !== undefined) {
          throw new CliError("give --duration or --end, not both", 2);
        }
        const startsAt = opts.start === undefined ? Date.now() : parseTimeArg("--start", opts.start);
        const endsAt =
          opts.end !== undefined
            ? parseTimeArg("--end", opts.end)
            : startsAt + parseDurationArg("--duration", opts.duration ?? "1h");
        const body: AmPostableSilence = {
          matchers: matchers.map(parseMatcherArg),
          startsAt: new Date(startsAt).toISOString(),
          endsAt: new Date(endsAt).toISOString(),
          createdBy: opts.author ?? os.userInfo().username,
          comment: opts.comment,
        };
        const res = await apiClient(cmd).post<AmPostSilenceResponse>("/api/v2/silences", body);
        if (wantsJson(cmd)) {
          printJson(res);
        } else {
          process.stdout.write(`${res.silenceID}\n`);
        }
      },
    );

  silences
    .command("expire")
    .description("end silences now")
    .argument("<id...>", "silence IDs (from `lineops silences`)")
    .option("--json", "print JSON")
    .action(async (ids: string[], _opts, cmd: Command) => {
      const api = apiClient(cmd);
      for (const id of ids) {
        await api.delete(`/api/v2/silence/${encodeURIComponent(id)}`);
        if (!wantsJson(cmd)) {
          process.stdout.write(`expired ${id}\n`);
        }
      }
      if (wantsJson(cmd)) {
        printJson({ expired: ids });
      }
    });
}
