// Temporary directories for tests that open a real TSDB, removed after each test.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

export function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "lineops-analysis-"));
  dirs.push(d);
  return d;
}
