// Where Prometheus's promqltest corpus is read from: $PROMQLTEST_DIR, else a `shared/promqltest`
// folder beside the checkout or beside any folder above it (e.g. ../shared/promqltest next to the
// repository), else the same beside the repository this checkout was cloned from (CI runs a fresh
// clone in a temporary folder). Read in place, never copied; not found is an error, never a skip.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The local repository this checkout was cloned from (`git clone /path/to/repo`), if any. */
function clonedFrom(dir: string): string[] {
  try {
    const url = execFileSync("git", ["-C", dir, "config", "--get", "remote.origin.url"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return isAbsolute(url) && existsSync(url) ? [url] : [];
  } catch {
    return [];
  }
}

/**
 * The corpus folder: `fromEnv` ($PROMQLTEST_DIR) if set, else found walking up from `start`, then
 * from each of `alsoFrom` (by default the repository this checkout was cloned from).
 */
export function corpusDirFor(
  fromEnv = process.env.PROMQLTEST_DIR,
  start = here,
  alsoFrom: readonly string[] = clonedFrom(start),
): string {
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(`PromQL test corpus not found: PROMQLTEST_DIR=${fromEnv} does not exist`);
    }
    return fromEnv;
  }
  const tried: string[] = [];
  for (const from of [start, ...alsoFrom]) {
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, "shared", "promqltest");
      tried.push(candidate);
      if (existsSync(candidate)) {
        return candidate;
      }
      if (dirname(dir) === dir) {
        break;
      }
    }
  }
  throw new Error(
    "PromQL test corpus not found: set PROMQLTEST_DIR to Prometheus's promql/promqltest/testdata, " +
      `or place it at shared/promqltest beside the repository or a folder above it (tried ${tried.join(", ")})`,
  );
}
