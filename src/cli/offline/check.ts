// `lineops check config|line FILE`: validates a file offline, like promtool check config.
import type { Command } from "commander";
import { loadConfigFile } from "../../config/config.js";
import { ConfigError } from "../../config/errors.js";
import { loadLineFile, startOrder } from "../../deployment/index.js";
import { loadRuleFile } from "../../monitoring/index.js";
import { printJson } from "../output.js";

function check(file: string, json: boolean, validate: (file: string) => string): void {
  try {
    const summary = validate(file);
    if (json) {
      printJson({ file, valid: true });
    } else {
      process.stdout.write(`${file}: OK${summary ? ` (${summary})` : ""}\n`);
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      throw err;
    }
    if (json) {
      printJson({ file, valid: false, issues: err.issues });
    } else {
      process.stderr.write(`${err.message}\n`);
    }
    process.exitCode = 1;
  }
}

/** Each `check` subcommand: its file argument, what it validates, and the summary of a valid file. */
const CHECKS: [
  name: string,
  argument: string,
  argDescription: string,
  description: string,
  validate: (file: string) => string,
][] = [
  [
    "config",
    "<file>",
    "lineops.yaml",
    "validate a lineops.yaml",
    (f) => {
      loadConfigFile(f);
      return "";
    },
  ],
  [
    "rules",
    "<files...>",
    "Prometheus rule files",
    "validate Prometheus rule files (like promtool check rules)",
    (f) => `${loadRuleFile(f).groups.reduce((n, g) => n + g.rules.length, 0)} rules found`,
  ],
  [
    "line",
    "<file>",
    "line.yaml",
    "validate a line.yaml, including its dependency graph",
    (f) => {
      const line = loadLineFile(f);
      return `${line.services.length} services; start order: ${startOrder(line)
        .map((l) => l.join(" + "))
        .join(" -> ")}`;
    },
  ],
];

export function registerCheckCommands(program: Command): void {
  const cmd = program.command("check").description("validate configuration files without starting anything");
  for (const [name, argument, argDescription, description, validate] of CHECKS) {
    cmd
      .command(name)
      .argument(argument, argDescription)
      .option("--json", "print JSON")
      .description(description)
      .action((files: string | string[], opts: { json?: boolean }) => {
        for (const file of [files].flat()) {
          check(file, opts.json === true, validate);
        }
      });
  }
}
