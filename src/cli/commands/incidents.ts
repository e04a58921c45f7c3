// Incident commands over /api/v1/incidents: `lineops incidents` lists them, `lineops incident <id>`
// shows one with its alerts, root cause and timeline, and `lineops incident ack|resolve|snooze|note|
// reassign <id>` acts as the token's principal (named in the timeline and the audit trail).
import type { Command } from "commander";
import { CliError } from "../client.js";
import { apiClient, printRows, wantsJson } from "../command.js";
import { printJson } from "../output.js";

/** What the CLI reads of an incident (GET /api/v1/incidents[/:id]); the API's JSON has more. */
type Incident = {
  id: number;
  title: string;
  status: string;
  priority: string;
  severity: string;
  assignee?: string;
  snoozedUntil?: number;
  rootCause?: { service: string; alertname: string; reason: string };
  createdAt: number;
  alertCount: number;
  firingCount: number;
  acknowledgedBy?: string;
  resolvedBy?: string;
};
type IncidentDetail = Incident & {
  alerts: {
    fingerprint: string;
    labels: Record<string, string>;
    status: string;
    role: string;
    startsAt: number;
  }[];
  timeline: { at: number; kind: string; actor?: string; message: string }[];
};

const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

function incidentId(text: string): string {
  if (!/^[1-9][0-9]{0,12}$/.test(text)) {
    throw new CliError(`incident id must be a number (from \`lineops incidents\`); got "${text}"`, 2);
  }
  return text;
}

function printDetail(cmd: Command, d: IncidentDetail): void {
  if (wantsJson(cmd)) {
    printJson(d);
    return;
  }
  const out = [
    `incident ${d.id}: ${d.title}`,
    `status:     ${d.status}${d.snoozedUntil ? ` (snoozed until ${when(d.snoozedUntil)})` : ""}`,
    `priority:   ${d.priority} (severity ${d.severity})`,
    `assignee:   ${d.assignee ?? "-"}`,
    `alerts:     ${d.firingCount} firing of ${d.alertCount}`,
  ];
  if (d.rootCause) {
    out.push(
      `root cause: ${d.rootCause.service} (${d.rootCause.alertname})`,
      `because:    ${d.rootCause.reason}`,
    );
  }
  out.push("", "alerts:");
  for (const a of d.alerts) {
    const labels = Object.entries(a.labels)
      .filter(([k]) => k !== "alertname")
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    out.push(`  ${a.role.padEnd(6)} ${a.status.padEnd(8)} ${a.labels.alertname ?? ""} ${labels}`);
  }
  out.push("", "timeline:");
  for (const e of d.timeline) {
    out.push(`  ${when(e.at)} ${e.kind.padEnd(18)} ${e.message}`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

export function registerIncidentCommands(program: Command): void {
  program
    .command("incidents")
    .description("list incidents, newest first (open ones unless --all or --status)")
    .option("--all", "every incident, resolved ones too")
    .option("--status <list>", "statuses separated by commas: triggered, acknowledged, resolved")
    .option("--limit <n>", "at most this many (default 100)")
    .option("--json", "print JSON")
    .action(async (opts: { all?: boolean; status?: string; limit?: string }, cmd: Command) => {
      if (opts.limit !== undefined && !/^[1-9][0-9]{0,3}$/.test(opts.limit)) {
        throw new CliError(`--limit must be 1 to 1000; got "${opts.limit}"`, 2);
      }
      const params = [
        ...(opts.all ? [] : [`status=${encodeURIComponent(opts.status ?? "open")}`]),
        ...(opts.limit ? [`limit=${opts.limit}`] : []),
      ];
      const { incidents } = await apiClient(cmd).get<{ incidents: Incident[] }>(
        `/api/v1/incidents${params.length > 0 ? `?${params.join("&")}` : ""}`,
      );
      printRows(
        cmd,
        { incidents },
        ["ID", "STATUS", "PRIORITY", "ALERTS", "ROOT CAUSE", "ASSIGNEE", "OPENED", "TITLE"],
        incidents,
        (i) => [
          String(i.id),
          i.status,
          i.priority,
          `${i.firingCount}/${i.alertCount}`,
          i.rootCause?.service,
          i.assignee,
          when(i.createdAt),
          i.title,
        ],
      );
    });

  const incident = program
    .command("incident")
    .description("show one incident, or act on it: ack, resolve, snooze, note, reassign");

  incident
    .command("show", { isDefault: true })
    .description("one incident with its alerts, probable root cause and timeline")
    .argument("<id>", "incident id")
    .option("--json", "print JSON")
    .action(async (id: string, _opts, cmd: Command) => {
      printDetail(cmd, await apiClient(cmd).get<IncidentDetail>(`/api/v1/incidents/${incidentId(id)}`));
    });

  const act = (name: string, path: string, description: string) =>
    incident
      .command(name)
      .description(description)
      .argument("<id>", "incident id")
      .option("--json", "print JSON")
      .action(async (id: string, _opts, cmd: Command) => {
        printDetail(
          cmd,
          await apiClient(cmd).post<IncidentDetail>(`/api/v1/incidents/${incidentId(id)}/${path}`),
        );
      });
  act("ack", "acknowledge", "acknowledge an incident (stops its escalation)");
  act("resolve", "resolve", "resolve an incident");

  incident
    .command("snooze")
    .description("acknowledge until a time; it triggers again then")
    .argument("<id>", "incident id")
    .option("-d, --duration <duration>", "for how long, e.g. 30m or 2h")
    .option("--until <time>", "until this RFC 3339 time")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { duration?: string; until?: string }, cmd: Command) => {
      if ((opts.duration === undefined) === (opts.until === undefined)) {
        throw new CliError("give --duration or --until (one of them)", 2);
      }
      const body = opts.duration !== undefined ? { for: opts.duration } : { until: opts.until };
      printDetail(
        cmd,
        await apiClient(cmd).post<IncidentDetail>(`/api/v1/incidents/${incidentId(id)}/snooze`, body),
      );
    });

  incident
    .command("note")
    .description("add a note to an incident's timeline")
    .argument("<id>", "incident id")
    .argument("<text...>", "the note")
    .option("--json", "print JSON")
    .action(async (id: string, text: string[], _opts, cmd: Command) => {
      printDetail(
        cmd,
        await apiClient(cmd).post<IncidentDetail>(`/api/v1/incidents/${incidentId(id)}/notes`, {
          text: text.join(" "),
        }),
      );
    });

  incident
    .command("reassign")
    .description("hand an incident to a user, team or schedule")
    .argument("<id>", "incident id")
    .argument("<assignee>", "who takes it")
    .option("--json", "print JSON")
    .action(async (id: string, assignee: string, _opts, cmd: Command) => {
      printDetail(
        cmd,
        await apiClient(cmd).post<IncidentDetail>(`/api/v1/incidents/${incidentId(id)}/reassign`, {
          assignee,
        }),
      );
    });
}
