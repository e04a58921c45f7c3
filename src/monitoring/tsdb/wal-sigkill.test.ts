import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tmpDir } from "./test-support/tmp.js";
import { Tsdb } from "./tsdb.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs the child until it has reported `flushes` WAL flushes, SIGKILLs it, returns the last report. */
function runAndKill(dir: string, flushes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(here, "test-support/wal-child.ts"), dir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let seen = 0;
    let last = -1;
    let buf = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child reported only ${seen} flushes in 25 s`));
    }, 25_000);
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines) {
        const m = /^flushed (\d+)$/.exec(line);
        if (m) {
          last = Number(m[1]);
          if (++seen === flushes) {
            child.kill("SIGKILL");
          }
        }
      }
    });
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL" && last > 0) {
        resolve(last);
      } else {
        reject(new Error(`child ended with ${signal ?? "exit"} after ${seen} flushes`));
      }
    });
  });
}

describe("WAL durability under SIGKILL", () => {
  it("keeps every sample committed before the last reported flush", async () => {
    const dir = tmpDir();
    const last = await runAndKill(dir, 8);
    const db = Tsdb.open(dir, { autoCompact: false });
    const found = db.querier().select([{ name: "__name__", type: "=", value: "kill_test" }], 0, Infinity);
    expect(found).toHaveLength(100);
    for (const s of found) {
      const i = Number(s.labels.i);
      const { ts, vs } = s.samples();
      expect(ts.length).toBeGreaterThanOrEqual(last);
      for (let k = 0; k < last; k++) {
        expect(ts[k]).toBe(k + 1);
        expect(vs[k]).toBe((k + 1) * 10 + i);
      }
    }
    db.close();
  });
});
