// Where Prometheus's promqltest corpus is read from: $PROMQLTEST_DIR, else a `shared/promqltest`
// folder beside the checkout or beside any folder above it (e.g. ../shared/promqltest next to the
// repository). The files are read in place, never copied; not found is an error, never a skip.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The corpus folder: `fromEnv` ($PROMQLTEST_DIR) if set, else found walking up from `start`. */
export function corpusDirFor(fromEnv = process.env.PROMQLTEST_DIR, start = here): string {
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(`PromQL test corpus not found: PROMQLTEST_DIR=${fromEnv} does not exist`);
    }
    return fromEnv;
  }
  const tried: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "promqltest");
    tried.push(candidate);
    if (existsSync(candidate)) {
      return candidate;
    }
    if (dirname(dir) === dir) {
      break;
    }
  }
  throw new Error(
    "PromQL test corpus not found: set PROMQLTEST_DIR to Prometheus's promql/promqltest/testdata, " +
      `or place it at shared/promqltest beside the repository or a folder above it (tried ${tried.join(", ")})`,
  );
}
