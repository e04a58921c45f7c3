import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { RotatingLog, tailLogs } from "./logs.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "lineops-logs-"));
  dirs.push(d);
  return d;
}

describe("RotatingLog", () => {
  it("rotates at line boundaries, keeps `files` files, and tails across them", async () => {
    const dir = tmp();
    const log = new RotatingLog(dir, 100, 3);
    // One big chunk of 30 ten-byte lines: split across files at newlines.
    log.write(Array.from({ length: 30 }, (_, i) => `line-${String(i).padStart(3, "0")}\n`).join(""));
    expect(fs.readdirSync(dir).sort()).toEqual(["output.log", "output.log.1", "output.log.2"]);
    for (const f of fs.readdirSync(dir)) {
      const content = fs.readFileSync(path.join(dir, f), "utf8");
      expect(content.length).toBeLessThanOrEqual(100);
      expect(content.endsWith("\n")).toBe(true);
    }
    expect(await tailLogs(dir, 2, 3)).toEqual(["line-028", "line-029"]);
    const all = await tailLogs(dir, 1000, 3);
    expect(all).toHaveLength(30);
    expect(all[0]).toBe("line-000");
    // The current file holds 8 lines (72 bytes): the 4th new line forces a rotation.
    for (let i = 30; i < 34; i++) {
      log.write(`line-0${i}\n`);
    }
    expect((await tailLogs(dir, 1000, 3)).at(-1)).toBe("line-033");
    // The oldest file was dropped by the rotation.
    expect(await tailLogs(dir, 1000, 3)).not.toContain("line-000");
  });

  it("cuts a line longer than maxBytes and rejoins it when tailing", async () => {
    const dir = tmp();
    const log = new RotatingLog(dir, 16, 4);
    log.write("short\n");
    log.write(`${"y".repeat(40)}\n`);
    expect(await tailLogs(dir, 2, 4)).toEqual(["short", "y".repeat(40)]);
  });

  it("with files=1 keeps only the current file; tails of missing logs are empty", async () => {
    const dir = tmp();
    const log = new RotatingLog(dir, 10, 1);
    log.write("aaaa\nbbbb\n");
    log.write("cccc\n");
    expect(fs.readdirSync(dir)).toEqual(["output.log"]);
    expect(await tailLogs(dir, 5, 1)).toEqual(["cccc"]);
    expect(await tailLogs(path.join(dir, "nope"), 5, 3)).toEqual([]);
    expect(await tailLogs(dir, 0, 1)).toEqual([]);
  });

  it("continues the size count of an existing file after a restart of the control plane", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "output.log"), "x".repeat(8) + "\n");
    const log = new RotatingLog(dir, 12, 2);
    log.write("zzzz\n");
    expect(fs.readdirSync(dir).sort()).toEqual(["output.log", "output.log.1"]);
  });
});
