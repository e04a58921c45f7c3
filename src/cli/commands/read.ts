// Read commands: status, services, instances, logs. Each prints a table, or JSON with --json.
import type { Command } from "commander";
import type { InstanceView, ServiceLogsResponse, ServicesResponse, StatusResponse } from "../../api/types.js";
import { apiClient, printRows, registerListCommand, wantsJson } from "../command.js";
import { printJson } from "../output.js";

export function registerReadCommands(program: Command): void {
  program
    .command("status")
    .description("line status: each service, its version and how many instances are ready")
    .option("--json", "print JSON")
    .action(async (_opts, cmd: Command) => {
      const status = await apiClient(cmd).get<StatusResponse>("/api/v1/status");
      if (!wantsJson(cmd)) {
        process.stdout.write(`line ${status.line}: ${status.ready ? "ready" : "NOT READY"}\n`);
      }
      printRows(cmd, status, ["SERVICE", "VERSION", "REVISION", "READY", "URL"], status.services, (s) => [
        s.name,
        s.version,
        `${s.revisionNumber} (${s.revision})`,
        `${s.readyInstances}/${s.desired}`,
        s.url,
      ]);
    });

  program
    .command("services")
    .description("list services with their dependencies")
    .option("--json", "print JSON")
    .action(async (_opts, cmd: Command) => {
      const { services } = await apiClient(cmd).get<ServicesResponse>("/api/v1/services");
      printRows(
        cmd,
        { services },
        ["SERVICE", "VERSION", "DESIRED", "READY", "DEPENDS ON", "STATIONS"],
        services,
        (s) => [
          s.name,
          s.version,
          s.desired,
          s.readyInstances,
          s.dependsOn.join(",") || undefined,
          s.stations?.join(","),
        ],
      );
    });

  registerListCommand(program, {
    name: "instances",
    description: "list instances with their state and, when not healthy, the reason",
    path: "/api/v1/instances",
    key: "instances",
    headers: ["INSTANCE", "SERVICE", "VERSION", "STATION", "STATE", "PID", "PORT", "RESTARTS", "REASON"],
    row: (i: InstanceView) => [
      i.id,
      i.service,
      i.version,
      i.station,
      // Adopted: taken over from an earlier lineops without a restart (its exit code is unknown to us).
      `${i.state}${i.standby ? " (standby)" : ""}${i.adopted ? " (adopted)" : ""}`,
      i.pid,
      i.port,
      i.restarts,
      i.reason,
    ],
  });

  program
    .command("logs")
    .description("tail the captured output of a service's instances")
    .argument("<service>", "service name")
    .option("-n, --lines <n>", "lines per instance", "100")
    .option("--json", "print JSON")
    .action(async (service: string, opts: { lines: string }, cmd: Command) => {
      const lines = Number(opts.lines);
      if (!Number.isInteger(lines) || lines < 1) {
        cmd.error(`--lines must be a positive integer, got "${opts.lines}"`, { exitCode: 2 });
      }
      const res = await apiClient(cmd).get<ServiceLogsResponse>(
        `/api/v1/services/${encodeURIComponent(service)}/logs?lines=${lines}`,
      );
      if (wantsJson(cmd)) {
        printJson(res);
        return;
      }
      for (const i of res.instances) {
        for (const line of i.lines) {
          process.stdout.write(`${i.instance} | ${line}\n`);
        }
      }
    });
}
