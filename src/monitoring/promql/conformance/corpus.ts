// Where Prometheus's promqltest corpus is read from: $PROMQLTEST_DIR, else ../shared/promqltest beside
// the project checkout. The files are read in place, never copied.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export function corpusDirFor(): string {
  const fromEnv = process.env.PROMQLTEST_DIR;
  if (fromEnv) {
    return fromEnv;
  }
  const candidate = resolve(here, "../../../../../shared/promqltest");
  if (!existsSync(candidate)) {
    throw new Error(`PromQL test corpus not found at ${candidate}; set PROMQLTEST_DIR`);
  }
  return candidate;
}
