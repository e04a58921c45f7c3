import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cpuSeconds, dirBytes, rssBytes } from "./proc.js";

describe("proc", () => {
  it("reads this process's CPU time, growing with work", () => {
    const a = cpuSeconds(process.pid);
    const end = Date.now() + 300;
    let x = 0;
    while (Date.now() < end) {
      x += Math.sqrt(x + 1);
    }
    expect(x).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThan(a);
  });

  it("reads a resident set size in bytes", () => {
    const rss = rssBytes(process.pid);
    expect(rss).toBeGreaterThan(10 * 2 ** 20);
    expect(rss).toBeLessThan(process.memoryUsage().rss * 2);
  });

  it("sums the files of a directory tree", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "proc-test-"));
    try {
      mkdirSync(path.join(dir, "a/b"), { recursive: true });
      writeFileSync(path.join(dir, "x"), Buffer.alloc(1000));
      writeFileSync(path.join(dir, "a/b/y"), Buffer.alloc(5000));
      const d = dirBytes(dir);
      expect(d.bytes).toBe(6000);
      expect(d.allocated).toBeGreaterThanOrEqual(6000);
      expect(dirBytes(path.join(dir, "missing")).bytes).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
