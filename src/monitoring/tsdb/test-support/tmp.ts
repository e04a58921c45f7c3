// Temporary data directories for TSDB tests, removed after each test, and a logger that records.
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
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "lineops-tsdb-"));
  dirs.push(d);
  return d;
}

export type Logged = { level: string; obj: object; msg: string | undefined };

export function recordingLogger(): { logger: Logger; logs: Logged[] } {
  const logs: Logged[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    logs.push({ level, obj, msg });
  };
  return { logger: { warn: at("warn"), error: at("error"), info: at("info") }, logs };
}

type Logger = {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
};
