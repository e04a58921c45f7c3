import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { corpusDirFor } from "./corpus.js";

describe("promqltest corpus location", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) {
      rmSync(d, { recursive: true, force: true });
    }
  });
  function tmp(): string {
    const d = mkdtempSync(join(tmpdir(), "lineops-corpus-"));
    dirs.push(d);
    return d;
  }

  it("finds shared/promqltest beside the repository or a folder above it", () => {
    const root = tmp();
    mkdirSync(join(root, "shared", "promqltest"), { recursive: true });
    const repoDir = join(root, "work", "lineops", "src", "monitoring");
    mkdirSync(repoDir, { recursive: true });
    expect(corpusDirFor(undefined, repoDir, [])).toBe(join(root, "shared", "promqltest"));
  });

  it("finds it beside the repository a temporary clone was cloned from", () => {
    const root = tmp();
    mkdirSync(join(root, "shared", "promqltest"), { recursive: true });
    const origin = join(root, "main");
    const clone = join(tmp(), "p", "src");
    mkdirSync(origin, { recursive: true });
    mkdirSync(clone, { recursive: true });
    expect(corpusDirFor(undefined, clone, [origin])).toBe(join(root, "shared", "promqltest"));
  });

  it("takes PROMQLTEST_DIR first, and fails when it does not exist", () => {
    const d = tmp();
    expect(corpusDirFor(d, "/")).toBe(d);
    expect(() => corpusDirFor(join(d, "missing"), "/")).toThrow(/PROMQLTEST_DIR=.*missing does not exist/);
  });

  it("fails, naming both ways to provide it, when there is none", () => {
    const d = tmp();
    expect(() => corpusDirFor(undefined, d, [])).toThrow(
      /set PROMQLTEST_DIR.*shared\/promqltest beside the repository/,
    );
  });
});
