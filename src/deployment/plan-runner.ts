// Plan runner: applies a whole line. Each service is recorded as a revision; new ones are started
// by reconcile, changed running ones are deployed level by level of the dependency DAG, and a
// failure halts the plan and rolls back what it already deployed. Also the dry run (`deploy plan`)
// and the line file: reloading it, and resolving relative working directories against it.
import path from "node:path";
import type { LineSpec } from "../config/line-schema.js";
import { sameTemplate, type Revision } from "../store/revisions.js";
import type { Control } from "./control.js";
import type { Fleet } from "./fleet.js";
import { loadLineFile, parseLine, startOrder } from "./line.js";
import type { Reconciler } from "./reconcile.js";
import {
  releaseOf,
  type ApplyResult,
  type PlanPreview,
  type Release,
  type StoredServiceSpec,
} from "./types.js";

export class PlanRunner {
  constructor(
    private readonly fleet: Fleet,
    private readonly reconciler: Reconciler,
    private readonly control: Control,
  ) {}

  /** Where relative `cwd`s of a line given as text resolve: the line file's directory, else the cwd. */
  lineDir(): string {
    const file = this.fleet.o.lineFile;
    return file ? path.dirname(file) : process.cwd();
  }

  /** Applies a line.yaml given as text (POST /api/v1/line). */
  applyLineText(text: string, source: string): Promise<ApplyResult> {
    return this.apply(parseLine(text, source), this.lineDir());
  }

  /** Dry run of a line.yaml given as text; `dir` overrides where its relative paths resolve. */
  planLineText(text: string, source: string, dir?: string): PlanPreview {
    return this.planLine(parseLine(text, source), dir ?? this.lineDir());
  }

  /** Re-reads the configured line file and applies it (SIGHUP, POST /-/reload). */
  async reloadLine(): Promise<ApplyResult | { reloaded: false; reason: string }> {
    const file = this.fleet.o.lineFile;
    if (!file) {
      return { reloaded: false, reason: "no line file configured" };
    }
    return this.apply(loadLineFile(file), path.dirname(file));
  }

  /**
   * Records each service of `line` as a revision and converges on it: a service that is not running
   * yet is started; a running service whose spec changed is deployed with its strategy, level by
   * level of the dependency DAG; if one fails, the plan halts and the ones already deployed are
   * rolled back in reverse order.
   */
  async apply(line: LineSpec, lineDir: string, by = "line apply"): Promise<ApplyResult> {
    const { runtime, revisions, bus } = this.fleet.o;
    this.fleet.lineName = line.line.name;
    this.fleet.templates = line.analysisTemplates;
    this.fleet.lineGates = line.gates;
    const results: ApplyResult["services"] = [];
    const changed = new Map<string, Release>();
    for (const s of line.services) {
      const spec = storedSpec(s, lineDir);
      const running = runtime
        .list({ service: s.name })
        .some((i) => i.state !== "stopped" && i.state !== "failed");
      const current = this.fleet.releases.get(s.name);
      const { revision, created } = revisions.record(s.name, s.version, spec);
      if (running && current && current.revision.hash !== revision.hash) {
        changed.set(s.name, { spec, revision });
      } else {
        revisions.setCurrent(s.name, revision.hash);
        this.fleet.releases.set(s.name, { spec, revision });
      }
      // line.yaml's count wins over a scale only when its declaration changed since the last apply
      // (as kubectl apply's last-applied): re-applying the same line keeps a scaled count.
      if (revisions.replicas(s.name).declared !== s.replicas) {
        revisions.setReplicas(s.name, { declared: s.replicas, desired: null });
      }
      results.push({ name: s.name, revision: revision.hash, number: revision.number, created });
    }
    for (const name of [...this.fleet.releases.keys()]) {
      if (!line.services.some((s) => s.name === name)) {
        await this.reconciler.removeService(name);
      }
    }
    bus.emit("line.applied", {
      services: results.map((r) => ({ name: r.name, revision: r.revision, created: r.created })),
      at: Date.now(),
    });
    await this.reconciler.reconcileAll();
    let failed: string | undefined;
    if (changed.size > 0) {
      // The new line's DAG orders the plan (as `deploy plan` shows it): a dependency added by this
      // very change, e.g. for a new `requires`, must already be deployed first.
      failed = await this.runPlan(changed, by, results, startOrder(line));
    }
    return {
      line: this.fleet.lineName,
      order: startOrder(line),
      services: results,
      ...(failed ? { failed } : {}),
    };
  }

  /**
   * Dry run of applying `line`: which services would change, in what order, with which strategy,
   * and the spec differences (field paths with old and new values). Changes nothing.
   */
  planLine(line: LineSpec, lineDir: string): PlanPreview {
    const changed: PlanPreview["services"] = [];
    for (const s of line.services) {
      const spec = storedSpec(s, lineDir);
      const current = this.fleet.releases.get(s.name);
      if (current && sameTemplate(current.spec, spec)) {
        continue;
      }
      changed.push({
        name: s.name,
        action: current ? "deploy" : "create",
        fromVersion: current?.spec.version,
        toVersion: s.version,
        strategy: s.strategy.type,
        diff: current ? specDiff(current.spec, spec) : [],
      });
    }
    const names = new Set(changed.map((c) => c.name));
    const removed = [...this.fleet.releases.keys()].filter((n) => !line.services.some((s) => s.name === n));
    return {
      order: startOrder(line)
        .map((level) => level.filter((n) => names.has(n)))
        .filter((level) => level.length > 0),
      services: changed,
      removed,
    };
  }

  /** Deploys changed services in dependency order; on failure rolls back the deployed ones in reverse. */
  private async runPlan(
    changed: Map<string, Release>,
    by: string,
    results: ApplyResult["services"],
    order: string[][],
  ): Promise<string | undefined> {
    const planId = `plan-${Date.now().toString(36)}`;
    const done: { service: string; from: Revision }[] = [];
    for (const level of order) {
      const here = level.filter((n) => changed.has(n));
      const outcomes = await Promise.all(
        here.map(async (name) => {
          const target = changed.get(name);
          const from = this.fleet.releases.get(name)?.revision;
          if (!target) {
            return { name, phase: "Succeeded" };
          }
          const rec = this.control.startDeployment(name, target, { by, planId });
          const phase = await (this.fleet.rollouts.get(name)?.done ?? Promise.resolve(rec.phase));
          const r = results.find((x) => x.name === name);
          if (r) {
            r.deployment = rec.id;
            r.phase = phase;
          }
          if (phase === "Succeeded" && from) {
            done.push({ service: name, from });
          }
          return { name, phase };
        }),
      );
      if (this.fleet.stopping) {
        // lineops stopped mid-plan: each deployment resumes on its own at the next start; the
        // plan's order and rollback do not (a plan is not persisted), and that start re-applies the line file.
        return "interrupted: lineops stopped during the plan";
      }
      const bad = outcomes.find((o) => o.phase !== "Succeeded");
      if (bad) {
        await this.rollBack(done.reverse(), by, planId, bad.name);
        return `${bad.name}: ${bad.phase}`;
      }
    }
    return undefined;
  }

  /** Deploys each already-deployed service of a failed plan back to its previous revision, in order. */
  private async rollBack(
    done: { service: string; from: Revision }[],
    by: string,
    planId: string,
    failed: string,
  ): Promise<void> {
    for (const d of done) {
      const prev = this.fleet.o.revisions.get(d.service, d.from.hash);
      if (prev) {
        const rec = this.control.startDeployment(d.service, releaseOf(prev), {
          by: `${by} (plan rollback)`,
          planId,
          strategy: { type: "rolling", maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0 },
        });
        await this.fleet.rollouts.get(d.service)?.done;
        this.fleet.recordEvent(rec.id, d.service, "plan", `rolled back because ${failed} failed`);
      }
    }
  }
}

/** A line.yaml service as a revision stores it: its working directory resolved against the line's. */
function storedSpec(s: LineSpec["services"][number], lineDir: string): StoredServiceSpec {
  return { ...s, cwd: path.resolve(lineDir, s.cwd ?? ".") };
}

/** Field-by-field differences of two specs, as dotted paths. */
export function specDiff(
  a: unknown,
  b: unknown,
  prefix = "",
): { path: string; from: unknown; to: unknown }[] {
  const isObj = (x: unknown): x is Record<string, unknown> =>
    x !== null && typeof x === "object" && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .flatMap((k) => specDiff(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: prefix, from: a, to: b }];
}
