// Where Prometheus's promqltest corpus is read from: $PROMQLTEST_DIR, else a `shared/promqltest`
// folder beside the checkout or beside any folder above it (a CI clone may live elsewhere), else
// the workplace's /work/shared. The files are read in place, never copied.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export function corpusDirFor(): string {
  const fromEnv = process.env.PROMQLTEST_DIR;
  if (fromEnv) {
    return fromEnv;
  }
  const tried: string[] = [];
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "promqltest");
    tried.push(candidate);
    if (existsSync(candidate)) {
      return candidate;
    }
    if (dirname(dir) === dir) {
      break;
    }
  }
  const workplace = resolve("/work/shared/promqltest");
  if (existsSync(workplace)) {
    return workplace;
  }
  throw new Error(
    `PromQL test corpus not found (tried ${[...tried, workplace].join(", ")}); set PROMQLTEST_DIR`,
  );
}
