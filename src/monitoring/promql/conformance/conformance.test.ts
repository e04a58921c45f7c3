import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { corpusDirFor } from "./corpus.js";
import { CORE_FILES, ScriptRunner, tally } from "./runner.js";
import { STORAGE_KINDS } from "./storages.js";

describe.each(STORAGE_KINDS)(
  "PromQL conformance on %s storage (Prometheus's own test scripts, core files)",
  (kind) => {
    it.each(CORE_FILES)("%s.test: every float case passes", async (name) => {
      const results = await new ScriptRunner(undefined, kind).runFile(
        join(corpusDirFor(), `${name}.test`),
        name,
      );
      const failures = results.filter((r) => r.outcome === "fail");
      for (const f of failures) {
        console.error(`FAIL [${kind}] ${f.file}.test:${f.line}: ${f.expr}\n     ${f.detail ?? ""}`);
      }
      expect(failures.map((f) => `${f.file}.test:${f.line}: ${f.expr} — ${f.detail ?? ""}`)).toEqual([]);
      expect(tally(results).pass).toBeGreaterThan(0);
    });
  },
);
