import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { InstanceLog, splitAtLines, tailLogs } from "./logs.js";

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

/** Ten-byte numbered lines: "line-000\n" … */
const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `line-${String(from + i).padStart(4, "0")}\n`).join("");

/** Writes as an instance does: through its own O_APPEND descriptor. */
function write(log: InstanceLog, text: string): void {
  const fd = log.openForWriter();
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

const sizes = (dir: string) =>
  Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).size]));

describe("InstanceLog (copytruncate)", () => {
  it("leaves a file within its cap alone", () => {
    const dir = tmp();
    const log = new InstanceLog(dir, 100, 3);
    expect(log.rotateIfNeeded()).toBe(false); // no file yet
    write(log, lines(0, 10)); // exactly 100 bytes
    expect(log.rotateIfNeeded()).toBe(false);
    expect(sizes(dir)).toEqual({ "output.log": 100 });
  });

  it("moves the newest (files-1) × maxBytes into rotated files at line boundaries and empties the live file", async () => {
    const dir = tmp();
    const log = new InstanceLog(dir, 100, 3);
    write(log, lines(0, 30)); // 300 bytes: only the newest 200 are kept
    expect(log.rotateIfNeeded()).toBe(true);
    expect(sizes(dir)).toEqual({ "output.log": 0, "output.log.1": 100, "output.log.2": 100 });
    expect(fs.readFileSync(path.join(dir, "output.log.2"), "utf8")).toBe(lines(10, 20));
    expect(fs.readFileSync(path.join(dir, "output.log.1"), "utf8")).toBe(lines(20, 30));
    expect(await tailLogs(dir, 2, 3)).toEqual(["line-0028", "line-0029"]);
    expect(await tailLogs(dir, 1000, 3)).toHaveLength(20);
  });

  it("the writer's open O_APPEND descriptor continues at the start of the truncated file", async () => {
    const dir = tmp();
    const log = new InstanceLog(dir, 100, 2);
    const fd = log.openForWriter();
    try {
      fs.writeSync(fd, lines(0, 15));
      expect(log.rotateIfNeeded()).toBe(true);
      fs.writeSync(fd, lines(15, 17));
    } finally {
      fs.closeSync(fd);
    }
    // No hole of NULs where the old content was: the offset followed the truncation.
    expect(fs.readFileSync(path.join(dir, "output.log"), "utf8")).toBe(lines(15, 17));
    expect(fs.readFileSync(path.join(dir, "output.log.1"), "utf8")).toBe(lines(5, 15));
    expect(await tailLogs(dir, 3, 2)).toEqual(["line-0014", "line-0015", "line-0016"]);
  });

  it("shifts older rotated files and drops the oldest beyond `files`", async () => {
    const dir = tmp();
    const log = new InstanceLog(dir, 100, 3);
    write(log, lines(0, 11));
    log.rotateIfNeeded(); // 110 bytes ≤ the 200 kept: split at 100 into lines 0..9 and line 10
    expect(fs.readFileSync(path.join(dir, "output.log.1"), "utf8")).toBe(lines(10, 11));
    expect(fs.readFileSync(path.join(dir, "output.log.2"), "utf8")).toBe(lines(0, 10));
    write(log, lines(11, 22));
    log.rotateIfNeeded();
    expect(fs.readFileSync(path.join(dir, "output.log.1"), "utf8")).toBe(lines(21, 22));
    expect(fs.readFileSync(path.join(dir, "output.log.2"), "utf8")).toBe(lines(11, 21));
    expect(fs.readdirSync(dir).sort()).toEqual(["output.log", "output.log.1", "output.log.2"]);
    write(log, lines(22, 25));
    expect(log.rotateIfNeeded()).toBe(false);
    // Tail spans the live file and the rotated ones, in order.
    expect(await tailLogs(dir, 5, 3)).toEqual([
      "line-0020",
      "line-0021",
      "line-0022",
      "line-0023",
      "line-0024",
    ]);
  });

  it("reads only the kept tail of a file that grew unchecked, keeping a line that begins exactly there", () => {
    const dir = tmp();
    const log = new InstanceLog(dir, 100, 3);
    write(log, lines(0, 5000)); // 50 KB written while no lineops ran
    log.rotateIfNeeded();
    // 200 bytes kept, and byte size-200 starts a line: lines 4980..4999 exactly.
    expect(fs.readFileSync(path.join(dir, "output.log.2"), "utf8")).toBe(lines(4980, 4990));
    expect(fs.readFileSync(path.join(dir, "output.log.1"), "utf8")).toBe(lines(4990, 5000));
    // Not on a line start: the partial line is dropped, not half-kept.
    const dir2 = tmp();
    const log2 = new InstanceLog(dir2, 100, 3);
    write(log2, "x".repeat(5) + lines(0, 20)); // the cut falls 5 bytes into line 0
    log2.rotateIfNeeded();
    expect(fs.readFileSync(path.join(dir2, "output.log.2"), "utf8")).toBe(lines(1, 11));
    expect(fs.readFileSync(path.join(dir2, "output.log.1"), "utf8")).toBe(lines(11, 20));
  });

  it("cuts a line longer than maxBytes and rejoins it when tailing", async () => {
    const dir = tmp();
    const log = new InstanceLog(dir, 16, 5);
    write(log, `short\n${"y".repeat(40)}\n`);
    log.rotateIfNeeded();
    for (const size of Object.values(sizes(dir))) {
      expect(size).toBeLessThanOrEqual(16);
    }
    expect(await tailLogs(dir, 2, 5)).toEqual(["short", "y".repeat(40)]);
  });

  it("with files=1 truncates (nothing is kept); tails of missing logs are empty", async () => {
    const dir = tmp();
    const log = new InstanceLog(dir, 10, 1);
    write(log, "aaaa\nbbbb\ncccc\n");
    expect(log.rotateIfNeeded()).toBe(true);
    expect(sizes(dir)).toEqual({ "output.log": 0 });
    write(log, "dddd\n");
    expect(await tailLogs(dir, 5, 1)).toEqual(["dddd"]);
    expect(await tailLogs(path.join(dir, "nope"), 5, 3)).toEqual([]);
    expect(await tailLogs(dir, 0, 1)).toEqual([]);
  });

  it("creates its files private", () => {
    const dir = path.join(tmp(), "inst");
    const log = new InstanceLog(dir, 10, 2);
    write(log, "aaaa\nbbbb\ncccc\n");
    log.rotateIfNeeded();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, "output.log")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, "output.log.1")).mode & 0o777).toBe(0o600);
  });
});

describe("splitAtLines", () => {
  it("splits at the last newline that fits, cutting only lines longer than the limit", () => {
    const parts = splitAtLines(Buffer.from("aa\nbb\ncccccccc\nd"), 6).map((b) => b.toString());
    expect(parts).toEqual(["aa\nbb\n", "cccccc", "cc\nd"]);
    expect(splitAtLines(Buffer.alloc(0), 6)).toEqual([]);
  });
});
