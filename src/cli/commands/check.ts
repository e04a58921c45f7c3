// `lineops check config|line FILE`: validates a file offline, like promtool check config.
import type { Command } from "commander";
import { loadConfigFile } from "../../config/config.js";
import { ConfigError } from "../../config/errors.js";
import { loadLineFile, startOrder } from "../../deployment/line.js";
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

export function registerCheckCommands(program: Command): void {
  const cmd = program.command("check").description("validate configuration files without starting anything");
  cmd
    .command("config")
    .argument("<file>", "lineops.yaml")
    .option("--json", "print JSON")
    .description("validate a lineops.yaml")
    .action((file: string, opts: { json?: boolean }) =>
      check(file, opts.json === true, (f) => {
        loadConfigFile(f);
        return "";
      }),
    );
  cmd
    .command("rules")
    .argument("<files...>", "Prometheus rule files")
    .option("--json", "print JSON")
    .description("validate Prometheus rule files (like promtool check rules)")
    .action((files: string[], opts: { json?: boolean }) => {
      for (const file of files) {
        check(file, opts.json === true, (f) => {
          const rules = loadRuleFile(f).groups.reduce((n, g) => n + g.rules.length, 0);
          return `${rules} rules found`;
        });
      }
    });
  cmd
    .command("line")
    .argument("<file>", "line.yaml")
    .option("--json", "print JSON")
    .description("validate a line.yaml, including its dependency graph")
    .action((file: string, opts: { json?: boolean }) =>
      check(file, opts.json === true, (f) => {
        const line = loadLineFile(f);
        return `${line.services.length} services; start order: ${startOrder(line)
          .map((l) => l.join(" + "))
          .join(" -> ")}`;
      }),
    );
}
