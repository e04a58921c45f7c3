// The lineops version, read once from package.json so the CLI, API and /metrics agree.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository (package) root, whether running from src/ via tsx or from dist/src/. */
export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(d, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "lineops") {
        return d;
      }
    } catch {
      // not here; keep walking up
    }
    if (path.dirname(d) === d) {
      return dir;
    }
  }
}

export const VERSION = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }
).version;
