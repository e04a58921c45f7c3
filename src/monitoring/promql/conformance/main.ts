// Conformance runner: executes Prometheus's PromQL test scripts against the engine on each storage
// (MemoryStorage and the real TSDB) and prints pass / fail / unsupported per file and in total;
// `--json` ends with one JSON summary line per storage. Exits non-zero when any float case of a
// core file fails on either.
import { join } from "node:path";
import { corpusDirFor } from "./corpus.js";
import { CORE_FILES, EXPERIMENTAL_FILES, ScriptRunner, tally } from "./runner.js";
import { STORAGE_KINDS, type StorageKind } from "./storages.js";
import type { CaseResult, Counts } from "./runner.js";

async function main(): Promise<void> {
  let failed = false;
  for (const kind of STORAGE_KINDS) {
    failed = (await runOn(kind)) || failed;
  }
  process.exitCode = failed ? 1 : 0;
}

/** Runs the corpus on one storage; true if a core float case failed. */
async function runOn(kind: StorageKind): Promise<boolean> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const verbose = args.includes("--verbose") || args.includes("-v");
  const only = args.filter((a) => !a.startsWith("-"));
  const dir = corpusDirFor();
  console.log(`storage: ${kind}`);
  const files: Record<string, Counts> = {};
  const core: Counts = { pass: 0, fail: 0, unsupported: 0 };
  const experimental: Counts = { pass: 0, fail: 0, unsupported: 0 };
  const failures: CaseResult[] = [];
  for (const name of [...CORE_FILES, ...EXPERIMENTAL_FILES]) {
    if (only.length > 0 && !only.includes(name)) {
      continue;
    }
    const runner = new ScriptRunner(undefined, kind);
    const results = await runner.runFile(join(dir, `${name}.test`), name);
    const c = tally(results);
    files[name] = c;
    const total = CORE_FILES.includes(name) ? core : experimental;
    total.pass += c.pass;
    total.fail += c.fail;
    total.unsupported += c.unsupported;
    const isCore = CORE_FILES.includes(name);
    for (const r of results) {
      if (r.outcome === "fail" && (isCore || verbose)) {
        failures.push(r);
      }
    }
    console.log(
      `${isCore ? "core" : "exp "} ${name.padEnd(22)} pass ${String(c.pass).padStart(4)}  fail ${String(c.fail).padStart(4)}  unsupported ${String(c.unsupported).padStart(4)}`,
    );
  }
  for (const f of failures) {
    console.log(`FAIL ${f.file}.test:${f.line}: ${f.expr}\n     ${f.detail ?? ""}`);
  }
  console.log(`${kind} core: pass ${core.pass} fail ${core.fail} unsupported ${core.unsupported}`);
  console.log(
    `${kind} experimental: pass ${experimental.pass} fail ${experimental.fail} unsupported ${experimental.unsupported}`,
  );
  if (json) {
    console.log(JSON.stringify({ storage: kind, core, experimental, files }));
  }
  return core.fail > 0;
}

await main();
