// The "new version" of the upgrade event: a freshly built copy of this checkout in a temp dir.
// clone — `git clone` of HEAD, `npm ci`, `npm run build`: what an operator does, and slow (a full
//         install); uncommitted changes are NOT in it.
// copy  — the checkout minus node_modules, dist and .git, node_modules symlinked to this one's, and
//         `npm run build`: fast, includes uncommitted changes, but shares the installed packages.
// Each step is timed, so the report says what the honest version costs.
import { cpSync, existsSync, mkdirSync, realpathSync, symlinkSync } from "node:fs";
import path from "node:path";
import { lineopsCli } from "../common/lineops.js";
import { runToCompletion } from "../common/run.js";
import type { UpgradeMode } from "./args.js";

export type PreparedUpgrade = {
  mode: UpgradeMode;
  root: string;
  commit: string;
  /** Seconds per step, e.g. {clone: 1.2, npmCi: 95, build: 14}. */
  stepSeconds: Record<string, number>;
  totalSeconds: number;
};

const SKIP_IN_COPY = new Set(["node_modules", "dist", ".git", ".lineops", "coverage"]);

export async function prepareUpgrade(opts: {
  root: string;
  dir: string;
  mode: UpgradeMode;
  log: (msg: string) => void;
}): Promise<PreparedUpgrade> {
  const { root, dir, mode, log } = opts;
  const stepSeconds: Record<string, number> = {};
  const step = async (name: string, cmd: string, args: string[], cwd: string) => {
    log(`upgrade (${mode}): ${cmd} ${args.join(" ")}`);
    const r = await runToCompletion(cmd, args, { timeoutMs: 1_200_000, cwd });
    stepSeconds[name] = Math.round(r.ms / 100) / 10;
    return r.stdout.trim();
  };
  const t0 = performance.now();
  const commit = await step("revParse", "git", ["rev-parse", "HEAD"], root);
  if (mode === "clone") {
    await step("clone", "git", ["clone", "--quiet", "--no-checkout", root, dir], root);
    await step("checkout", "git", ["checkout", "--quiet", commit], dir);
    // `npm ci` runs the package's prepare script (npm run build) too; the explicit build below is
    // the documented upgrade step and costs one more tsc run.
    await step("npmCi", "npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], dir);
  } else {
    mkdirSync(dir, { recursive: true });
    const t = performance.now();
    cpSync(root, dir, {
      recursive: true,
      filter: (src) => !SKIP_IN_COPY.has(path.basename(src)) || path.dirname(src) !== root,
    });
    symlinkSync(realpathSync(path.join(root, "node_modules")), path.join(dir, "node_modules"), "dir");
    stepSeconds.copy = Math.round((performance.now() - t) / 100) / 10;
  }
  await step("build", "npm", ["run", "build"], dir);
  if (!lineopsCli(dir) || !existsSync(path.join(dir, "dist/line/services/line-controller.js"))) {
    throw new Error(`upgrade copy in ${dir} has no dist/ after npm run build`);
  }
  return {
    mode,
    root: dir,
    commit,
    stepSeconds,
    totalSeconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
