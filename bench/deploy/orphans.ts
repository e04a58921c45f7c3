// Last-resort cleanup of line instances: if lineops itself is killed (error path, Ctrl-C), the
// service processes it started would outlive it. Their pidfiles name them; a pid is only killed
// while its command line is still a sample line service, so a reused pid is never touched.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

export function killLineInstances(dataDir: string): number {
  let killed = 0;
  const run = path.join(dataDir, "run");
  let files: string[] = [];
  try {
    files = readdirSync(run).filter((f) => f.endsWith(".json"));
  } catch {
    return 0;
  }
  for (const f of files) {
    try {
      const { pid } = JSON.parse(readFileSync(path.join(run, f), "utf8")) as { pid?: unknown };
      if (typeof pid !== "number" || pid <= 1) {
        continue;
      }
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes("dist/line/services/")) {
        process.kill(pid, "SIGKILL");
        killed++;
      }
    } catch {
      // Gone already, or not readable: nothing to kill.
    }
  }
  return killed;
}
