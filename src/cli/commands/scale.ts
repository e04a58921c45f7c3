// Scale commands: `scale SERVICE N` (operator; no new revision, no rollout) and `autoscaler status
// SERVICE` (its spec, counts and latest decisions). Both talk to the HTTP API only.
import type { Command } from "commander";
import { CliError } from "../client.js";
import { apiClient, printRows, wantsJson } from "../command.js";
import { printJson } from "../output.js";

type ScaleReply = { service: string; from: number; replicas: number; deferred: boolean };
type Decision = {
  at: number;
  currentReplicas: number;
  recommendation?: number;
  desiredReplicas: number;
  applied: boolean;
  reason: string;
  message: string;
};
type StatusReply = {
  service: string;
  enabled: boolean;
  spec: { minReplicas: number; maxReplicas: number; tolerance: number };
  replicas: { desired: number; current: number; ready: number; rolling: boolean };
  decisions: Decision[];
};

export function registerScaleCommands(program: Command): void {
  program
    .command("scale")
    .description("set a service's instance count without a deployment (deferred while one runs)")
    .argument("<service>")
    .argument("<replicas>", "instances to run")
    .option("--json", "print JSON")
    .action(async (service: string, n: string, _opts: unknown, cmd: Command) => {
      if (!/^\d+$/.test(n)) {
        throw new CliError(`replicas must be a whole number, got "${n}"`, 2);
      }
      const api = apiClient(cmd);
      if (!wantsJson(cmd)) {
        process.stderr.write(`scaling ${service} to ${n}…\n`);
      }
      const r = await api.post<ScaleReply>(`/api/v1/services/${encodeURIComponent(service)}/scale`, {
        replicas: Number(n),
      });
      if (wantsJson(cmd)) {
        printJson(r);
      } else {
        process.stdout.write(
          r.deferred
            ? `${r.service}: ${r.from} -> ${r.replicas} when the deployment in progress ends\n`
            : `${r.service}: ${r.from} -> ${r.replicas}\n`,
        );
      }
    });

  const autoscaler = program.command("autoscaler").description("the autoscaler of a service");
  autoscaler
    .command("status")
    .description("the autoscaler's spec, instance counts and decisions, newest first")
    .argument("<service>")
    .option("--limit <n>", "decisions to show", "20")
    .option("--json", "print JSON")
    .action(async (service: string, opts: { limit: string }, cmd: Command) => {
      const api = apiClient(cmd);
      const s = await api.get<StatusReply>(
        `/api/v1/services/${encodeURIComponent(service)}/autoscaler?limit=${encodeURIComponent(opts.limit)}`,
      );
      if (!wantsJson(cmd)) {
        const r = s.replicas;
        process.stdout.write(
          `${s.service}: autoscaler ${s.enabled ? "on" : "off"}, min ${s.spec.minReplicas} max ${s.spec.maxReplicas} tolerance ${s.spec.tolerance}; desired ${r.desired}, running ${r.current}, ready ${r.ready}${r.rolling ? " (deployment in progress)" : ""}\n`,
        );
      }
      printRows(
        cmd,
        s,
        ["TIME", "CURRENT", "RECOMMENDED", "DESIRED", "REASON", "MESSAGE"],
        s.decisions,
        (d) => [
          new Date(d.at).toISOString().slice(11, 19),
          d.currentReplicas,
          d.recommendation ?? "-",
          d.desiredReplicas,
          d.reason,
          d.message,
        ],
      );
    });
}
