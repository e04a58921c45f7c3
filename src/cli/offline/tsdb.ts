// `lineops tsdb import FILE`: backfills OpenMetrics text with timestamps into the data directory's
// TSDB, offline (like `promtool tsdb create-blocks-from openmetrics`), while lineops is stopped.
import path from "node:path";
import type { Command } from "commander";
import { printJson } from "../output.js";
import { Progress } from "../progress.js";

export function registerTsdbCommands(program: Command): void {
  const tsdb = program.command("tsdb").description("work on the data directory's time-series database");
  tsdb
    .command("import")
    .description("backfill OpenMetrics text with timestamps (stop lineops first)")
    .argument("<file>", "OpenMetrics file, `# EOF` terminated, samples in time order per series")
    .option(
      "--retention <duration>",
      "the server's monitoring.tsdb.retention: older samples are refused, as lineops would delete them",
      "15d",
    )
    .option("--json", "print JSON")
    .action(async (file: string, opts: { json?: boolean; retention: string }, cmd: Command) => {
      const { dataDir } = cmd.optsWithGlobals<{ dataDir?: string }>();
      const dir = path.join(path.resolve(dataDir ?? (process.env.LINEOPS_DATA_DIR || ".lineops")), "tsdb");
      const { parseDuration } = await import("../../model/duration.js");
      const retentionMs = parseDuration(opts.retention);
      if (retentionMs === undefined) {
        cmd.error(`--retention: "${opts.retention}" is not a duration (e.g. 15d, 90d, 0 for none)`, {
          exitCode: 2,
        });
      }
      const { backfillFile } = await import("../../monitoring/index.js");
      const progress = new Progress();
      const t0 = Date.now();
      const result = await backfillFile(dir, file, {
        retentionMs,
        onProgress: (p) =>
          progress.update(
            `imported ${p.samples.toLocaleString()} samples (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
          ),
        onPersisting: () => progress.update("persisting blocks"),
      });
      progress.done();
      const summary = { file, ...result, seconds: (Date.now() - t0) / 1000 };
      if (opts.json) {
        printJson(summary);
      } else {
        process.stdout.write(
          `${file}: ${result.samples} samples in ${result.series} series imported in ${summary.seconds.toFixed(1)} s` +
            (result.errorCount > 0 ? `; ${result.errorCount} errors` : "") +
            "\n",
        );
        for (const e of result.errors) {
          process.stderr.write(`${file}:${e.line}: ${e.message}\n`);
        }
      }
      if (result.errorCount > 0) {
        process.exitCode = 1;
      }
    });
}
