// The working directory of a benchmark that runs lineops with the sample line: a built dist/ (built
// first with --build), a temp dir holding line.yaml and the data dir, and cleanup on exit that kills
// any line instance lineops left behind before the dir goes (kept with --keep).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { onExitCleanup } from "../common/children.js";
import { lineopsCli } from "../common/lineops.js";
import { runToCompletion } from "../common/run.js";
import { lineYaml } from "./line-yaml.js";
import { killLineInstances } from "./orphans.js";

export async function lineWorkDir(opts: {
  root: string;
  /** Temp dir name prefix, e.g. "bench-deploy-". */
  prefix: string;
  build: boolean;
  keep: boolean;
  log: (msg: string) => void;
}): Promise<{ work: string; dataDir: string }> {
  if (opts.build) {
    opts.log("npm run build");
    await runToCompletion("npm", ["run", "build"], { timeoutMs: 600_000, cwd: opts.root });
  }
  if (!lineopsCli(opts.root) || !existsSync(path.join(opts.root, "dist/line/services/line-controller.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first (or pass --build)");
  }
  const work = mkdtempSync(path.join(os.tmpdir(), opts.prefix));
  const dataDir = path.join(work, "data");
  // Registered first, so it runs before the temp dir (and the pidfiles in it) is removed.
  onExitCleanup(() => {
    const n = killLineInstances(dataDir);
    if (n > 0) {
      process.stderr.write(`killed ${n} line instance(s) left behind by lineops\n`);
    }
  });
  if (!opts.keep) {
    onExitCleanup(() => rmSync(work, { recursive: true, force: true }));
  } else {
    opts.log(`keeping ${work}`);
  }
  writeFileSync(path.join(work, "line.yaml"), lineYaml(opts.root));
  return { work, dataDir };
}
