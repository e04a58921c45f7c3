// `lineops escalation policies list|get|apply|remove`: escalation policies through /api/v1 like every
// online command. A policy file is YAML or JSON (docs/escalation.md); the server checks it and names
// the field or target at fault.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { apiClient, printRows, wantsJson } from "../command.js";
import { printJson } from "../output.js";

type PolicyView = {
  name: string;
  default?: boolean;
  order?: number;
  match?: { labels?: Record<string, string>; priorities?: string[] };
  levels: { timeout: number; targets: { kind: string; name: string }[] }[];
  repeat: number;
  ack_timeout?: number;
  revision: number;
};

const enc = encodeURIComponent;
const minutes = (ms: number) => `${Math.round(ms / 60_000)}m`;

/** "job=plc-gateway priority=critical", "default", or "-". */
export function matchText(p: Pick<PolicyView, "default" | "match">): string {
  const parts = [
    ...Object.entries(p.match?.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(p.match?.priorities ? [`priority=${p.match.priorities.join("|")}`] : []),
  ];
  return [...(p.default ? ["default"] : []), ...parts].join(" ") || "-";
}

/** "1: user alice (5m) → 2: team maintenance, receiver oncall (10m)". */
export function levelsText(p: Pick<PolicyView, "levels">): string {
  return p.levels
    .map(
      (l, i) => `${i + 1}: ${l.targets.map((t) => `${t.kind} ${t.name}`).join(", ")} (${minutes(l.timeout)})`,
    )
    .join(" → ");
}

export function registerEscalationCommands(program: Command): void {
  const escalation = program.command("escalation").description("escalation policies (admin writes)");
  const policies = escalation.command("policies").description("who is paged, in what order, how long apart");

  policies
    .command("list")
    .option("--json", "print JSON")
    .action(async (_opts, cmd: Command) => {
      const res = await apiClient(cmd).get<{ policies: PolicyView[] }>("/api/v1/escalation-policies");
      printRows(cmd, res, ["NAME", "MATCH", "LEVELS", "REPEAT", "ACK TIMEOUT"], res.policies, (p) => [
        p.name,
        matchText(p),
        levelsText(p),
        String(p.repeat),
        p.ack_timeout === undefined ? "-" : minutes(p.ack_timeout),
      ]);
    });

  policies
    .command("get")
    .argument("<policy>", "policy name")
    .action(async (name: string, _opts, cmd: Command) => {
      printJson(await apiClient(cmd).get<PolicyView>(`/api/v1/escalation-policies/${enc(name)}`));
    });

  policies
    .command("apply")
    .description("create or replace a policy from a YAML or JSON file")
    .argument("<policy>", "policy name")
    .requiredOption("-f, --file <path>", "the policy (YAML or JSON)")
    .option("--json", "print JSON")
    .action(async (name: string, opts: { file: string }, cmd: Command) => {
      let body: unknown;
      try {
        body = parseYaml(readFileSync(opts.file, "utf8"));
      } catch (e) {
        cmd.error(`${opts.file}: ${(e as Error).message}`, { exitCode: 2 });
      }
      const res = await apiClient(cmd).put<PolicyView>(`/api/v1/escalation-policies/${enc(name)}`, body);
      if (wantsJson(cmd)) {
        printJson(res);
      } else {
        process.stdout.write(
          `escalation policy ${name} ${res.revision === 1 ? "created" : "replaced"} (revision ${res.revision})\n`,
        );
      }
    });

  policies
    .command("remove")
    .argument("<policy>", "policy name")
    .action(async (name: string, _opts, cmd: Command) => {
      await apiClient(cmd).delete(`/api/v1/escalation-policies/${enc(name)}`);
      process.stdout.write(`escalation policy ${name} removed\n`);
    });
}
