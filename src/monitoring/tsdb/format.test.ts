import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fileTree } from "../../test-support/file-tree.js";
import { VERSION } from "../../version.js";
import type { Labels } from "../model.js";
import { FORMAT_FILE, TSDB_FORMAT } from "./format.js";
import { tmpDir } from "./test-support/tmp.js";
import { Tsdb, TsdbErrors, type TsdbOptions } from "./tsdb.js";

const D = 1000;
const small: TsdbOptions = { blockDurationMs: D, autoCompact: false, walFlushIntervalMs: 0 };
const up: Labels = { __name__: "up", job: "line-controller" };

/** A TSDB with samples in a block (meta.json, index, chunks) and in the WAL, closed. */
function populated(dir: string): void {
  const db = Tsdb.open(dir, small);
  const app = db.appender();
  for (let t = 0; t <= 3 * D; t += 100) {
    app.append(up, t, t / 10);
  }
  app.commit();
  expect(db.compact().length).toBeGreaterThan(0);
  const more = db.appender();
  more.append(up, 3 * D + 100, 42);
  more.commit();
  db.close();
}

function samples(dir: string): number[] {
  const db = Tsdb.open(dir, small);
  try {
    const found = db
      .querier()
      .select([{ name: "job", type: "=", value: "line-controller" }], -Infinity, Infinity);
    return found.flatMap((s) => Array.from(s.samples().ts));
  } finally {
    db.close();
  }
}

const marker = (dir: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, FORMAT_FILE), "utf8"));

function refusal(dir: string): Error & { code?: string } {
  try {
    Tsdb.open(dir, small).close();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error(`Tsdb.open(${dir}) did not refuse`);
}

describe("TSDB format marker", () => {
  it("marks a new TSDB with this build's format and version", () => {
    const dir = path.join(tmpDir(), "tsdb");
    Tsdb.open(dir, small).close();
    expect(marker(dir)).toEqual({ format: TSDB_FORMAT, writtenBy: VERSION });
    expect(fs.existsSync(path.join(dir, `${FORMAT_FILE}.tmp`))).toBe(false);
  });

  it("reads a TSDB from before markers as format 1, keeps its data and marks it", () => {
    const dir = tmpDir();
    populated(dir);
    fs.rmSync(path.join(dir, FORMAT_FILE)); // as every lineops before the marker left it
    const expected = Array.from({ length: 31 }, (_, i) => i * 100).concat([3 * D + 100]);
    expect(samples(dir)).toEqual(expected);
    expect(marker(dir)).toEqual({ format: 1, writtenBy: VERSION });
    expect(samples(dir)).toEqual(expected);
  });

  it("refuses a TSDB written in a newer format, naming the directory and both versions, and changes nothing", () => {
    const dir = tmpDir();
    populated(dir);
    fs.writeFileSync(
      path.join(dir, FORMAT_FILE),
      JSON.stringify({ format: TSDB_FORMAT + 1, writtenBy: "9.9.9" }),
    );
    const before = fileTree(dir);
    const err = refusal(dir);
    expect(err.code).toBe(TsdbErrors.newerFormat.code);
    expect(err.message).toBe(
      `TSDB ${dir} (format ${TSDB_FORMAT + 1}) was written by a newer lineops (9.9.9) than this one ` +
        `(${VERSION}, reads format ${TSDB_FORMAT}): refusing to open so nothing is corrupted; ` +
        "run the newer version or restore a backup",
    );
    expect(fileTree(dir)).toEqual(before);
  });

  it("refuses a marker it cannot read, and changes nothing", () => {
    for (const bad of [
      "",
      "{",
      "null",
      '{"format":"1","writtenBy":"x"}',
      '{"format":0,"writtenBy":"x"}',
      '{"format":1}',
    ]) {
      const dir = tmpDir();
      populated(dir);
      fs.writeFileSync(path.join(dir, FORMAT_FILE), bad);
      const before = fileTree(dir);
      const err = refusal(dir);
      expect(err.code).toBe(TsdbErrors.corrupt.code);
      expect(err.message).toContain(`TSDB ${dir}: ${FORMAT_FILE} is not`);
      expect(fileTree(dir)).toEqual(before);
    }
  });
});
