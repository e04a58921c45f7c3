import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { corpusDirFor } from "./corpus.js";
import { CORE_FILES, ScriptRunner, tally } from "./runner.js";

describe("PromQL conformance (Prometheus's own test scripts, core files)", () => {
  for (const name of CORE_FILES) {
    it(`${name}.test: every float case passes`, async () => {
      const results = await new ScriptRunner().runFile(join(corpusDirFor(), `${name}.test`), name);
      const failures = results.filter((r) => r.outcome === "fail");
      for (const f of failures) {
        console.error(`FAIL ${f.file}.test:${f.line}: ${f.expr}\n     ${f.detail ?? ""}`);
      }
      expect(failures.map((f) => `${f.file}.test:${f.line}: ${f.expr} — ${f.detail ?? ""}`)).toEqual([]);
      expect(tally(results).pass).toBeGreaterThan(0);
    });
  }
});
