// The database directory's lock file: the pid of the process that has it open, so a second
// lineops (or `lineops tsdb` offline tool) refuses to open a directory in use.
import fs from "node:fs";
import path from "node:path";
import { StorageError, TsdbErrors } from "./errors.js";

export function lockDir(dir: string): void {
  const file = path.join(dir, "lock");
  try {
    const pid = Number(fs.readFileSync(file, "utf8"));
    if (pid && pid !== process.pid && pidAlive(pid)) {
      throw TsdbErrors.locked(`${dir} is in use by process ${pid}`);
    }
  } catch (err) {
    if (err instanceof StorageError) {
      throw err;
    }
  }
  fs.writeFileSync(file, String(process.pid));
}

export function unlockDir(dir: string): void {
  fs.rmSync(path.join(dir, "lock"), { force: true });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
