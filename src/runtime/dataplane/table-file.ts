// The routing table on disk: written after every change (temp file, fsync, rename, fsync of the
// directory) so a data plane killed at any moment restarts with the last table it acknowledged.
import fs from "node:fs";
import path from "node:path";

import type { Table } from "./protocol.js";
import { describeIssues, TABLE_FORMAT, tableFileSchema } from "./protocol.js";

export type LoadedTable = { table: Table } | { table: Table; problem: string };

/** The table in `file`; an absent file is an empty table, an unreadable one is reported (and empty). */
export function loadTable(file: string): LoadedTable {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return { table: { services: {} } };
    }
    return { table: { services: {} }, problem: `cannot read ${file}: ${(err as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { table: { services: {} }, problem: `${file} is not JSON: ${(err as Error).message}` };
  }
  const parsed = tableFileSchema.safeParse(json);
  if (!parsed.success) {
    return { table: { services: {} }, problem: `${file}: ${describeIssues(parsed.error)}` };
  }
  return { table: { services: parsed.data.services } };
}

export function saveTable(file: string, table: Table): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, JSON.stringify({ format: TABLE_FORMAT, ...table }) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  // The rename is durable only once the directory entry is.
  const dfd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
