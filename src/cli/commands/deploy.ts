// Deployment commands: `deploy` with live progress, `deployments`, `deployment show|promote|pause|
// resume|abort|override-gates`, `rollback`, `dora`. Exit 0 on success, 1 on rollback or failure.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import type {
  DeploymentDetail,
  DeploymentRecord,
  DeployRequest,
  Dora,
  PlanPreview,
  RollbackRequest,
} from "../../api/types.js";
import { CliError, type ApiClient } from "../client.js";
import { apiClient, printRows, registerListCommand, wantsJson } from "../command.js";
import { printJson } from "../output.js";
const TERMINAL = new Set(["Succeeded", "RolledBack", "Failed", "Aborted"]);

const DEFAULT_STRATEGIES: Record<string, DeployRequest["strategy"]> = {
  rolling: { type: "rolling" },
  recreate: { type: "recreate" },
  blueGreen: { type: "blueGreen" },
  canary: {
    type: "canary",
    steps: [
      { setWeight: 25 },
      { pause: { duration: "30s" } },
      { setWeight: 50 },
      { pause: { duration: "30s" } },
    ],
  },
};

const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** Follows a deployment's events until it ends; returns the final record. */
async function follow(api: ApiClient, id: string, quiet: boolean): Promise<DeploymentDetail> {
  let after = 0;
  for (;;) {
    const d = await api.get<DeploymentDetail>(`/api/v1/deployments/${encodeURIComponent(id)}?after=${after}`);
    for (const e of d.events) {
      after = Math.max(after, e.id);
      if (!quiet) {
        process.stderr.write(`${time(e.at)}  ${e.kind.padEnd(11)} ${e.message}\n`);
      }
    }
    if (TERMINAL.has(d.phase)) {
      return d;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function registerDeployCommands(program: Command): void {
  program
    .command("deploy")
    .description(
      "deploy a new version of a service, following its progress; `deploy plan FILE` is a dry run of a line.yaml",
    )
    .argument("<service>", "service name, or `plan`")
    .argument("[file]", "with `plan`: the line.yaml to preview")
    .option("--version <v>", "version to deploy")
    .option("--revision <r>", "deploy an existing revision (hash or number) instead")
    .option("--strategy <s>", "rolling | recreate | blueGreen | canary (default: the service's own)")
    .option("--strategy-json <json>", "a full strategy, as in line.yaml, in JSON")
    .option("--no-wait", "return once the deployment has started")
    .option("--json", "print the final deployment as JSON")
    .action(
      async (
        service: string,
        file: string | undefined,
        opts: Record<string, string | boolean | undefined>,
        cmd: Command,
      ) => {
        if (service === "plan") {
          if (!file) {
            cmd.error("usage: lineops deploy plan FILE", { exitCode: 2 });
          }
          await planCommand(file, cmd);
          return;
        }
        if (opts.version === undefined && opts.revision === undefined) {
          cmd.error("give --version or --revision", { exitCode: 2 });
        }
        // --strategy-json is passed on as written: the server judges it (400 naming the field).
        let strategy: DeployRequest["strategy"];
        if (typeof opts.strategyJson === "string") {
          try {
            strategy = JSON.parse(opts.strategyJson) as DeployRequest["strategy"];
          } catch {
            cmd.error("--strategy-json is not valid JSON", { exitCode: 2 });
          }
        } else if (typeof opts.strategy === "string") {
          strategy = DEFAULT_STRATEGIES[opts.strategy];
          if (!strategy) {
            cmd.error(`unknown strategy "${opts.strategy}" (rolling, recreate, blueGreen, canary)`, {
              exitCode: 2,
            });
          }
        }
        const api = apiClient(cmd);
        const body = {
          service,
          ...(typeof opts.version === "string" ? { version: opts.version } : {}),
          ...(typeof opts.revision === "string" ? { revision: opts.revision } : {}),
          ...(strategy ? { strategy } : {}),
        } satisfies DeployRequest;
        const created = await api.post<DeploymentRecord>("/api/v1/deployments", body);
        process.stderr.write(
          `deployment ${created.id}: ${service} -> ${opts.version ?? `revision ${String(opts.revision)}`}\n`,
        );
        if (opts.wait === false) {
          if (wantsJson(cmd)) {
            printJson(created);
          }
          return;
        }
        const final = await follow(api, created.id, wantsJson(cmd));
        if (wantsJson(cmd)) {
          printJson(final);
        } else {
          process.stdout.write(`${final.phase}${final.reason ? `: ${final.reason}` : ""}\n`);
        }
        process.exitCode = final.phase === "Succeeded" ? 0 : 1;
      },
    );

  registerListCommand(program, {
    name: "deployments",
    description: "list deployments, newest first",
    path: "/api/v1/deployments",
    key: "deployments",
    headers: ["ID", "SERVICE", "STRATEGY", "PHASE", "STEP", "STARTED", "SECONDS", "BY", "REASON"],
    row: (d: DeploymentRecord) => [
      d.id,
      d.service,
      (d.strategy as { type: string }).type,
      d.phase,
      d.step,
      new Date(d.createdAt).toISOString(),
      d.finishedAt ? ((d.finishedAt - d.createdAt) / 1000).toFixed(1) : undefined,
      d.createdBy,
      d.reason || undefined,
    ],
  });

  const one = program.command("deployment").description("show or control one deployment");
  one
    .command("show")
    .argument("<id>")
    .option("--json", "print JSON")
    .action(async (id: string, _o, cmd: Command) => {
      const d = await apiClient(cmd).get<DeploymentDetail>(`/api/v1/deployments/${encodeURIComponent(id)}`);
      if (wantsJson(cmd)) {
        printJson(d);
        return;
      }
      process.stdout.write(`${d.id}  ${d.service}  ${d.phase}${d.reason ? ` (${d.reason})` : ""}\n`);
      for (const e of d.events) {
        process.stdout.write(`${time(e.at)}  ${e.kind.padEnd(11)} ${e.message}\n`);
      }
    });
  for (const action of ["promote", "pause", "resume", "abort", "override-gates"]) {
    one
      .command(action)
      .argument("<id>")
      .description(
        action === "override-gates"
          ? "let the deployment past closed gates (admin, audited)"
          : `${action} the deployment`,
      )
      .action(async (id: string, _o, cmd: Command) => {
        const d = await apiClient(cmd).post<DeploymentRecord>(
          `/api/v1/deployments/${encodeURIComponent(id)}/${action}`,
        );
        process.stdout.write(`${d.id}: ${action} requested (phase ${d.phase})\n`);
      });
  }

  program
    .command("rollback")
    .description("roll a service back: abort its running deployment, or deploy its previous revision")
    .argument("<service>")
    .option("--revision <r>", "roll back to this revision (hash or number)")
    .option("--json", "print JSON")
    .action(async (service: string, opts: { revision?: string }, cmd: Command) => {
      const api = apiClient(cmd);
      const body: RollbackRequest = opts.revision ? { revision: opts.revision } : {};
      const d = await api.post<DeploymentRecord>(
        `/api/v1/services/${encodeURIComponent(service)}/rollback`,
        body,
      );
      const final = await follow(api, d.id, wantsJson(cmd));
      if (wantsJson(cmd)) {
        printJson(final);
      } else {
        process.stdout.write(`${final.phase}${final.reason ? `: ${final.reason}` : ""}\n`);
      }
      if (!["Succeeded", "RolledBack", "Aborted"].includes(final.phase)) {
        throw new CliError(`rollback ended ${final.phase}`);
      }
    });

  program
    .command("dora")
    .description("DORA figures: deployment frequency, lead time, change failure rate, time to restore")
    .option("--json", "print JSON")
    .action(async (_o, cmd: Command) => {
      const d = await apiClient(cmd).get<Dora>("/api/v1/dora");
      printRows(cmd, d, ["FIGURE", "VALUE"], Object.entries(d), ([k, v]) => [k, v === null ? undefined : v]);
    });
}

/** `lineops deploy plan FILE`: what applying FILE would do, without doing it. */
export async function planCommand(file: string, cmd: Command): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const q = new URLSearchParams({ dir: path.dirname(path.resolve(file)), file });
  const plan = await apiClient(cmd).postText<PlanPreview>(`/api/v1/line/plan?${q}`, text, "application/yaml");
  if (wantsJson(cmd)) {
    printJson(plan);
    return;
  }
  if (plan.services.length === 0 && plan.removed.length === 0) {
    process.stdout.write("no changes\n");
    return;
  }
  plan.order.forEach((level, i) =>
    process.stdout.write(`step ${i + 1}: ${level.join(", ")}${level.length > 1 ? " (in parallel)" : ""}\n`),
  );
  for (const s of plan.services) {
    process.stdout.write(
      `\n${s.name}: ${s.action} ${s.fromVersion ?? "-"} -> ${s.toVersion} (${s.strategy})\n`,
    );
    for (const d of s.diff) {
      process.stdout.write(`  ${d.path}: ${JSON.stringify(d.from)} -> ${JSON.stringify(d.to)}\n`);
    }
  }
  for (const r of plan.removed) {
    process.stdout.write(`\n${r}: removed (instances stopped)\n`);
  }
}
