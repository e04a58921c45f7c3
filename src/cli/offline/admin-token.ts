// `lineops admin-token`: mints an admin token straight in the store, for when every admin token is
// lost. Whoever can write the data directory already controls lineops, so this grants nothing new.
import path from "node:path";
import type { Command } from "commander";
import { printJson } from "../output.js";

export function registerAdminTokenCommand(program: Command): void {
  program
    .command("admin-token")
    .description("mint a new admin token directly in the data directory's store (recovery)")
    .option("--name <name>", "token name", "recovered-admin")
    .option("--json", "print JSON")
    .action(async (opts: { name: string; json?: boolean }, cmd: Command) => {
      const { dataDir } = cmd.optsWithGlobals<{ dataDir?: string }>();
      const dir = path.resolve(dataDir ?? (process.env.LINEOPS_DATA_DIR || ".lineops"));
      const { openDb } = await import("../../store/db.js");
      const { TokenRepository } = await import("../../store/tokens.js");
      const { AuditRepository } = await import("../../store/audit.js");
      const db = openDb(dir);
      try {
        const { token, record } = new TokenRepository(db).create(opts.name, "admin");
        new AuditRepository(db).append({
          at: Date.now(),
          actor: `local (${process.env.USER ?? "unknown user"})`,
          action: "lineops admin-token",
          target: `token ${record.id}`,
          outcome: "success",
          status: 0,
        });
        if (opts.json) {
          printJson({ ...record, token });
        } else {
          process.stdout.write(`new admin token (shown once): ${token}\n`);
        }
      } finally {
        db.close();
      }
    });
}
