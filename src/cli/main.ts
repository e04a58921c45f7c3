#!/usr/bin/env node
// The `lineops` command. Exit codes: 0 ok, 1 failed, 2 usage. Online commands (commands/) are API
// clients; offline ones (offline/) work on this machine's data directory or run lineops in-process.
import { Command, CommanderError } from "commander";
import { LineopsError } from "../errors.js";
import { VERSION } from "../version.js";
import { CliError } from "./client.js";
import { registerAlarmCommands } from "./commands/alarms.js";
import { registerAlertCommands } from "./commands/alerts.js";
import { registerDeployCommands } from "./commands/deploy.js";
import { registerScaleCommands } from "./commands/scale.js";
import { registerIncidentCommands } from "./commands/incidents.js";
import { registerMonitoringCommands } from "./commands/monitoring.js";
import { registerReadCommands } from "./commands/read.js";
import { registerUserCommands } from "./commands/users.js";
import { registerOnCallCommands } from "./commands/oncall.js";
import { registerOptimizerCommands } from "./commands/optimizer.js";
import { registerEscalationCommands } from "./commands/escalation.js";
import {
  registerAdminTokenCommand,
  registerCheckCommands,
  registerServeCommands,
  registerTsdbCommands,
} from "./offline/index.js";
import { printJson } from "./output.js";

export function buildProgram(): Command {
  const program = new Command("lineops")
    .description("deploy, watch and operate the software of a manufacturing line")
    .option("--url <url>", "lineops API URL (or LINEOPS_URL; default: from the demo file)")
    .option("--token <token>", "API token (visible in ps: prefer --token-file or LINEOPS_TOKEN)")
    .option("--token-file <file>", "read the API token from this file (or LINEOPS_TOKEN_FILE)")
    .option("--ca-file <file>", "trust this PEM certificate/CA for https URLs (or LINEOPS_CA_FILE)")
    .option("--data-dir <dir>", "where to find demo.json (or LINEOPS_DATA_DIR; default ./.lineops)")
    .exitOverride()
    .showHelpAfterError();
  program.configureOutput({ outputError: (str, write) => write(str) });
  registerServeCommands(program);
  registerReadCommands(program);
  registerMonitoringCommands(program);
  registerDeployCommands(program);
  registerScaleCommands(program);
  registerAlertCommands(program);
  registerIncidentCommands(program);
  registerAlarmCommands(program);
  registerUserCommands(program);
  registerOnCallCommands(program);
  registerOptimizerCommands(program);
  registerEscalationCommands(program);
  registerTsdbCommands(program);
  registerCheckCommands(program);
  registerAdminTokenCommand(program);
  program
    .command("version")
    .description("print the lineops version")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        printJson({ version: VERSION, node: process.version });
      } else {
        process.stdout.write(`lineops ${VERSION} (node ${process.version})\n`);
      }
    });
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
      ) {
        return 0;
      }
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliError) {
      process.stderr.write(`lineops: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof LineopsError) {
      process.stderr.write(`lineops: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`lineops: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const code = await runCli(process.argv.slice(2));
if (code !== 0) {
  process.exitCode = code;
}
