// Test fixtures: temporary data dirs and small line files that run the compiled sample line.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PACKAGE_ROOT } from "../version.js";

export function tempDir(prefix = "lineops-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

const probe = "{ type: http, path: /readyz, interval: 200ms, timeout: 1s }";

/** A two-service line from the compiled sample line (run `npm run build` first; pretest does). */
export function smallLine(dir: string, extra = ""): string {
  const file = path.join(dir, "line.yaml");
  writeFileSync(
    file,
    `line:
  name: test-line
services:
  - name: plc-gateway
    version: 1.0.0
    command: node
    args: [dist/line/services/plc-gateway.js]
    cwd: ${PACKAGE_ROOT}
    readiness: ${probe}
  - name: quality-inspection
    version: 1.0.0
    command: node
    args: [dist/line/services/quality-inspection.js]
    cwd: ${PACKAGE_ROOT}
    dependsOn: [plc-gateway]
    readiness: ${probe}
${extra}`,
  );
  return file;
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
