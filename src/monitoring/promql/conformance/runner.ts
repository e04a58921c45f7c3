// Runs promqltest scripts against the engine and a storage (MemoryStorage or the real TSDB, see
// storages.ts), classifying each eval case as
// pass, fail or unsupported (native histograms), with file:line, query, expected and got for failures.
import { readFileSync } from "node:fs";
import { STALE_NAN, labelsKey } from "../../model.js";
import type { Labels } from "../../model.js";
import type { Expr } from "../ast.js";
import { Engine } from "../engine.js";
import type { QueryResult } from "../format.js";
import { formatFloat } from "../format.js";
import { compileMatcher, matchesAll } from "../matcher.js";
import { parseExpr } from "../parser.js";
import { openScriptStorage, type ScriptStorage, type StorageKind } from "./storages.js";
import { parseScript } from "./script.js";
import type { EvalCmd, SeqValue, SeriesDesc } from "./script.js";

export type Outcome = "pass" | "fail" | "unsupported";
export type CaseResult = { file: string; line: number; expr: string; outcome: Outcome; detail?: string };
export type Counts = { pass: number; fail: number; unsupported: number };

export const CORE_FILES = [
  "aggregators",
  "at_modifier",
  "collision",
  "functions",
  "histograms",
  "limit",
  "literals",
  "name_label_dropping",
  "operators",
  "range_queries",
  "selectors",
  "staleness",
  "subquery",
  "trig_functions",
];
export const EXPERIMENTAL_FILES = [
  "duration_expression",
  "extended_vectors",
  "fill-modifier",
  "info",
  "start_timestamps",
  "type_and_unit",
  "native_histograms",
];

class CaseFailure extends Error {}

/** Go's almost.Equal with Prometheus's test epsilon. */
export function almostEqual(a: number, b: number, epsilon = 1e-6): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) {
    return true;
  }
  if (a === b) {
    return true;
  }
  const minNormal = 2.2250738585072014e-308;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < minNormal) {
    return diff < epsilon * minNormal;
  }
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

function fmtLabels(l: Labels): string {
  const names = Object.keys(l).sort();
  return "{" + names.map((n) => `${n}="${l[n]}"`).join(", ") + "}";
}

function selectorsOf(e: Expr, out: Expr[] = []): Expr[] {
  switch (e.kind) {
    case "vectorSelector":
      out.push(e);
      break;
    case "matrixSelector":
      out.push(e.vs);
      break;
    case "subquery":
    case "paren":
    case "unary":
      selectorsOf(e.expr, out);
      break;
    case "call":
      e.args.forEach((a) => selectorsOf(a, out));
      break;
    case "aggregate":
      selectorsOf(e.expr, out);
      if (e.param) {
        selectorsOf(e.param, out);
      }
      break;
    case "binary":
      selectorsOf(e.lhs, out);
      selectorsOf(e.rhs, out);
      break;
    default:
      break;
  }
  return out;
}

export class ScriptRunner {
  private db: ScriptStorage | undefined;
  /** Label sets of series that hold native histograms (not loaded: the engine is float-only). */
  private histograms: Labels[] = [];
  private readonly engine: Engine;

  constructor(
    engine?: Engine,
    /** The storage scripts load into and query: MemoryStorage or the real TSDB. */
    private readonly kind: StorageKind = "memory",
  ) {
    this.engine = engine ?? new Engine({ timeoutMs: 100_000, noStepSubqueryIntervalMs: 60_000 });
  }

  private get storage() {
    this.db ??= openScriptStorage(this.kind);
    return this.db.storage;
  }

  private clear(): void {
    this.db?.close();
    this.db = undefined;
    this.histograms = [];
  }

  async runFile(path: string, name: string): Promise<CaseResult[]> {
    const cmds = parseScript(readFileSync(path, "utf8"));
    this.clear();
    const results: CaseResult[] = [];
    try {
      for (const cmd of cmds) {
        if (cmd.kind === "clear") {
          this.clear();
        } else if (cmd.kind === "load") {
          this.load(cmd.intervalMs, cmd.series, cmd.withNhcb);
        } else {
          results.push(await this.runEval(cmd, name));
        }
      }
    } finally {
      this.clear();
    }
    return results;
  }

  private load(intervalMs: number, series: SeriesDesc[], withNhcb: boolean): void {
    this.db ??= openScriptStorage(this.kind);
    const db = this.db;
    for (const s of series) {
      if (s.values.some((v) => v === "histogram")) {
        this.histograms.push(s.labels);
      }
      s.values.forEach((v, i) => {
        if (v === undefined || v === "histogram") {
          return;
        }
        db.add(s.labels, i * intervalMs, v === "stale" ? STALE_NAN : v);
      });
      if (withNhcb) {
        // load_with_nhcb also stores each classic histogram as a native one under its base name.
        const name = s.labels.__name__ ?? "";
        const m = /^(.*)_(bucket|count|sum)$/.exec(name);
        if (m) {
          const base: Record<string, string> = { ...s.labels, __name__: m[1] as string };
          delete base.le;
          this.histograms.push(base);
        }
      }
    }
    db.loaded();
  }

  private touchesHistograms(expr: Expr): boolean {
    for (const sel of selectorsOf(expr)) {
      if (sel.kind !== "vectorSelector") {
        continue;
      }
      const cms = sel.matchers.map(compileMatcher);
      if (this.histograms.some((h) => matchesAll(cms, h))) {
        return true;
      }
    }
    return false;
  }

  private async runEval(cmd: EvalCmd, file: string): Promise<CaseResult> {
    const base = { file, line: cmd.line, expr: cmd.expr };
    if (cmd.unreadable) {
      return { ...base, outcome: "unsupported", detail: cmd.unreadable };
    }
    if (cmd.series.some((s) => s.values.some((v) => v === "histogram"))) {
      return { ...base, outcome: "unsupported", detail: "expects native histograms" };
    }
    let expr: Expr | undefined;
    try {
      expr = parseExpr(cmd.expr);
    } catch {
      expr = undefined;
    }
    if (expr && this.touchesHistograms(expr)) {
      return { ...base, outcome: "unsupported", detail: "reads native histogram series" };
    }
    try {
      await this.check(cmd);
      return { ...base, outcome: "pass" };
    } catch (e) {
      if (e instanceof CaseFailure) {
        return { ...base, outcome: "fail", detail: e.message };
      }
      return { ...base, outcome: "fail", detail: `unexpected error: ${(e as Error).stack ?? String(e)}` };
    }
  }

  private isFail(cmd: EvalCmd): boolean {
    return cmd.fail || cmd.expects.some((e) => e.type === "fail");
  }

  private async check(cmd: EvalCmd): Promise<void> {
    const failExp = cmd.expects.find((e) => e.type === "fail");
    let res: QueryResult;
    try {
      res = cmd.instant
        ? await this.engine.instantQuery(
            this.storage,
            cmd.expr,
            cmd.rangeVector ? cmd.rangeVector.endMs : cmd.startMs,
          )
        : await this.engine.rangeQuery(this.storage, cmd.expr, cmd.startMs, cmd.endMs, cmd.stepMs);
    } catch (e) {
      const msg = (e as Error).message;
      if (!this.isFail(cmd)) {
        throw new CaseFailure(`error evaluating query: ${msg}`);
      }
      if (
        failExp &&
        !(failExp.message !== undefined ? failExp.message === msg : failExp.regex!.matches(msg))
      ) {
        throw new CaseFailure(
          `expected error matching ${failExp.message ?? failExp.regex?.source} but got: ${msg}`,
        );
      }
      return;
    }
    if (this.isFail(cmd)) {
      throw new CaseFailure(`expected error but got none (result ${describe(res)})`);
    }
    this.checkAnnotations(cmd, res);
    this.compare(cmd, res, cmd.instant ? cmd.startMs : cmd.startMs);
    const ordered = cmd.ordered || cmd.expects.some((e) => e.type === "ordered");
    if (
      cmd.instant &&
      !cmd.rangeVector &&
      cmd.expectedString === undefined &&
      !/(start|end|range|step)\(\)/.test(cmd.expr) &&
      !ordered
    ) {
      // As Prometheus's runner: the same query in range mode must agree at the middle step.
      const t = cmd.startMs;
      let rr: QueryResult;
      try {
        rr = await this.engine.rangeQuery(this.storage, cmd.expr, t - 60_000, t + 60_000, 60_000);
      } catch (e) {
        throw new CaseFailure(`error in range mode: ${(e as Error).message}`);
      }
      if (rr.resultType !== "matrix") {
        throw new CaseFailure("range mode did not return a matrix");
      }
      const ts = t / 1000;
      if (res.resultType === "scalar") {
        const p = rr.result[0]?.values.find((v) => v[0] === ts);
        this.compareScalar(cmd, p ? p[1] : NaN, "range mode");
      } else {
        const vec: QueryResult = {
          resultType: "vector",
          result: rr.result.flatMap((s) => {
            const p = s.values.find((v) => v[0] === ts);
            return p ? [{ metric: s.metric, value: p }] : [];
          }),
        };
        this.compare(cmd, vec, t, "range mode: ");
      }
    }
  }

  private checkAnnotations(cmd: EvalCmd, res: QueryResult): void {
    const warnings = res.warnings ?? [];
    const infos = res.infos ?? [];
    if (cmd.warn && warnings.length === 0) {
      throw new CaseFailure("expected warnings but got none");
    }
    if (cmd.info && infos.length === 0) {
      throw new CaseFailure("expected info annotations but got none");
    }
    const check = (type: string, actual: string[]) => {
      const exp = cmd.expects.filter((e) => e.type === type);
      if (exp.length === 0) {
        return;
      }
      const matches = (e: (typeof exp)[number], a: string) =>
        e.message !== undefined ? e.message === a : e.regex!.matches(a);
      if (actual.length === 0) {
        throw new CaseFailure(`expected ${type} annotations but none were found`);
      }
      for (const e of exp) {
        if (!actual.some((a) => matches(e, a))) {
          throw new CaseFailure(
            `expected ${type} annotation ${e.message ?? e.regex?.source}, found: ${JSON.stringify(actual)}`,
          );
        }
      }
      for (const a of actual) {
        if (!exp.some((e) => matches(e, a))) {
          throw new CaseFailure(`unexpected ${type} annotation ${JSON.stringify(a)}`);
        }
      }
    };
    check("warn", warnings);
    check("info", infos);
    if (cmd.expects.some((e) => e.type === "no_warn") && warnings.length > 0) {
      throw new CaseFailure(`unexpected warnings: ${JSON.stringify(warnings)}`);
    }
    if (cmd.expects.some((e) => e.type === "no_info") && infos.length > 0) {
      throw new CaseFailure(`unexpected infos: ${JSON.stringify(infos)}`);
    }
  }

  private compareScalar(cmd: EvalCmd, got: number, ctx: string): void {
    if (cmd.scalar === undefined) {
      throw new CaseFailure(`${ctx}: expected vector or matrix result, but got scalar ${formatFloat(got)}`);
    }
    if (!almostEqual(cmd.scalar, got)) {
      throw new CaseFailure(`${ctx}: expected scalar ${formatFloat(cmd.scalar)} but got ${formatFloat(got)}`);
    }
  }

  private compare(cmd: EvalCmd, res: QueryResult, _t: number, prefix = ""): void {
    const expected = new Map<string, { s: SeriesDesc; pos: number }>();
    cmd.series.forEach((s, i) => expected.set(labelsKey(s.labels), { s, pos: i }));
    const fail = (m: string) => {
      throw new CaseFailure(prefix + m);
    };
    switch (res.resultType) {
      case "string":
        if (cmd.expectedString !== res.result[1]) {
          fail(`expected string "${cmd.expectedString ?? ""}" but got "${res.result[1]}"`);
        }
        return;
      case "scalar":
        this.compareScalar(cmd, res.result[1], prefix + "scalar");
        return;
      case "vector": {
        if (cmd.scalar !== undefined) {
          fail(`expected scalar result, but got vector ${describe(res)}`);
        }
        const ordered = cmd.ordered || cmd.expects.some((e) => e.type === "ordered");
        const seen = new Set<string>();
        res.result.forEach((r, pos) => {
          const k = labelsKey(r.metric);
          const exp = expected.get(k);
          if (!exp) {
            fail(`unexpected metric ${fmtLabels(r.metric)} in result, has value ${formatFloat(r.value[1])}`);
            return;
          }
          if (ordered && exp.pos !== pos) {
            fail(`expected metric ${fmtLabels(r.metric)} at position ${exp.pos + 1} but was at ${pos + 1}`);
          }
          const v0 = exp.s.values[0];
          const want = v0 === "stale" ? NaN : (v0 as number);
          if (!almostEqual(want, r.value[1])) {
            fail(
              `expected ${formatFloat(want)} for ${fmtLabels(r.metric)} but got ${formatFloat(r.value[1])}`,
            );
          }
          seen.add(k);
        });
        for (const [k, e] of expected) {
          if (!seen.has(k)) {
            fail(`expected metric ${fmtLabels(e.s.labels)} not found (got ${describe(res)})`);
          }
        }
        return;
      }
      case "matrix": {
        if (cmd.scalar !== undefined) {
          fail(`expected scalar result, but got matrix ${describe(res)}`);
        }
        const grid = cmd.rangeVector ?? { startMs: cmd.startMs, endMs: cmd.endMs, stepMs: cmd.stepMs };
        const seen = new Set<string>();
        for (const r of res.result) {
          const k = labelsKey(r.metric);
          const exp = expected.get(k);
          if (!exp) {
            fail(`unexpected metric ${fmtLabels(r.metric)} in result, has ${JSON.stringify(r.values)}`);
            return;
          }
          seen.add(k);
          const want: [number, number][] = [];
          exp.s.values.forEach((v: SeqValue, i) => {
            if (v === undefined || v === "histogram") {
              return;
            }
            want.push([(grid.startMs + i * grid.stepMs) / 1000, v === "stale" ? NaN : v]);
          });
          const got = r.values;
          if (want.length !== got.length) {
            fail(
              `expected ${want.length} points for ${fmtLabels(r.metric)}, got ${JSON.stringify(got.map((p) => [p[0], formatFloat(p[1])]))}`,
            );
          }
          want.forEach((w, i) => {
            const g = got[i] as [number, number];
            if (w[0] !== g[0] || !almostEqual(w[1], g[1])) {
              fail(
                `expected ${formatFloat(w[1])}@${w[0]} for ${fmtLabels(r.metric)} but got ${formatFloat(g[1])}@${g[0]}`,
              );
            }
          });
        }
        for (const [k, e] of expected) {
          if (!seen.has(k)) {
            fail(`expected metric ${fmtLabels(e.s.labels)} not found (got ${describe(res)})`);
          }
        }
        return;
      }
    }
  }
}

function describe(res: QueryResult): string {
  const s = JSON.stringify(res.result, (_k, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? formatFloat(v) : v,
  );
  return s.length > 400 ? s.slice(0, 400) + "…" : s;
}

export function tally(results: CaseResult[]): Counts {
  const c: Counts = { pass: 0, fail: 0, unsupported: 0 };
  for (const r of results) {
    c[r.outcome]++;
  }
  return c;
}
