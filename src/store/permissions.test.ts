// The state on disk is the service account's alone: fresh files are created private, and wider
// modes from older versions are tightened (and reported) without touching the TSDB's layout.
import { chmodSync, closeSync, mkdirSync, statSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InstanceLog } from "../runtime/process/logs.js";
import { writePidfile } from "../runtime/process/pidfile.js";
import { tempDir } from "../test-support/line.js";
import { openDb } from "./db.js";
import { secureDataDir } from "./permissions.js";

const mode = (p: string) => statSync(p).mode & 0o777;

describe("data dir permissions", () => {
  it("creates the database, its WAL and shared memory, instance logs and pidfiles private", () => {
    const dataDir = path.join(tempDir(), "data");
    const db = openDb(dataDir);
    db.prepare("CREATE TABLE t (x)").run(); // a write, so the -wal and -shm exist
    const log = new InstanceLog(path.join(dataDir, "logs", "i-1"), 1024, 2);
    const fd = log.openForWriter();
    writeSync(fd, "line\n".repeat(300)); // past maxBytes: rotated files too
    closeSync(fd);
    log.rotateIfNeeded();
    const spec = { service: "s", revision: "r", version: "1", command: "x", args: [], env: {}, cwd: "/" };
    writePidfile(path.join(dataDir, "run"), {
      format: 2,
      pid: 1,
      instanceId: "i-1",
      startTimeTicks: null,
      service: "s",
      revision: "r",
      version: "1",
      host: "127.0.0.1",
      port: 1,
      spec,
      restarts: 0,
      startedAt: 0,
    });
    for (const [p, m] of [
      [dataDir, 0o700],
      [path.join(dataDir, "lineops.db"), 0o600],
      [path.join(dataDir, "lineops.db-wal"), 0o600],
      [path.join(dataDir, "lineops.db-shm"), 0o600],
      [path.join(dataDir, "logs", "i-1"), 0o700],
      [path.join(dataDir, "logs", "i-1", "output.log"), 0o600],
      [path.join(dataDir, "logs", "i-1", "output.log.1"), 0o600],
      [path.join(dataDir, "run"), 0o700],
      [path.join(dataDir, "run", "i-1.json"), 0o600],
    ] as const) {
      expect(mode(p), p).toBe(m);
    }
    db.close();
  });

  it("tightens 0755/0644 leftovers, reports them, and leaves the TSDB's inside alone", () => {
    const dataDir = path.join(tempDir(), "data");
    mkdirSync(path.join(dataDir, "tsdb", "01BLOCK"), { recursive: true });
    writeFileSync(path.join(dataDir, "lineops.db"), "");
    writeFileSync(path.join(dataDir, "demo.json"), "{}");
    writeFileSync(path.join(dataDir, "tsdb", "01BLOCK", "chunks"), "");
    for (const [p, m] of [
      [dataDir, 0o755],
      [path.join(dataDir, "tsdb"), 0o755],
      [path.join(dataDir, "lineops.db"), 0o644],
      [path.join(dataDir, "demo.json"), 0o640],
      [path.join(dataDir, "tsdb", "01BLOCK", "chunks"), 0o644],
    ] as const) {
      chmodSync(p, m);
    }
    const { changed, failed } = secureDataDir(dataDir);
    expect(failed).toEqual([]);
    expect(changed.sort()).toEqual(
      [
        dataDir,
        path.join(dataDir, "demo.json"),
        path.join(dataDir, "lineops.db"),
        path.join(dataDir, "tsdb"),
      ].sort(),
    );
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, "tsdb"))).toBe(0o700);
    expect(mode(path.join(dataDir, "lineops.db"))).toBe(0o600);
    expect(mode(path.join(dataDir, "tsdb", "01BLOCK", "chunks"))).toBe(0o644);
    expect(secureDataDir(dataDir).changed).toEqual([]); // nothing left to do: no log line on the next start
  });
});
