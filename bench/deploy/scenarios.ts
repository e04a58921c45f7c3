// The deploy benchmark's scenarios, each under the running load: deployments repeated back and forth
// until the scenario has seen enough requests, every failed request attributed to the deployment
// event that preceded it (which phase was running when it failed).
import { normalise } from "./failures.js";
import type { LoadClient, Mark, Window } from "./load-client.js";
import { TERMINAL, type Deployment, type DeploymentEvent, type LineopsApi } from "./api.js";

export type Ctx = {
  api: LineopsApi;
  load: LoadClient;
  log: (msg: string) => void;
  /** Per deployment: the longest it may take before the benchmark gives up on it. */
  deployDeadlineMs: number;
};

export type DeployRun = {
  id: string;
  service: string;
  from: string;
  to: string;
  strategy: string;
  phase: string;
  reason: string;
  seconds: number;
  failed: number;
  total: number;
  events: DeploymentEvent[];
  window: Window;
};

export type ScenarioResult = {
  failed: number;
  total: number;
  availability: number;
  deploys: number;
  phases: Record<string, number>;
  seconds: number;
  rate: number;
};

export type ScenarioDiagnosis = {
  byCause: Record<string, number>;
  /** "cause @ last deployment event before it" → count, most frequent first (top 15). */
  byPhase: Record<string, number>;
  /** A few failures with their time relative to the deployment's start. */
  samples: { service: string; tSeconds: number; cause: string; path: string; after: string }[];
  deploys: {
    id: string;
    service: string;
    from: string;
    to: string;
    phase: string;
    seconds: number;
    failed: number;
    total: number;
  }[];
};

export async function versionOf(api: LineopsApi, service: string): Promise<string> {
  const s = (await api.status()).services.find((x) => x.name === service);
  if (!s) {
    throw new Error(`service ${service} is not in the line`);
  }
  return s.version;
}

/** The other healthy version: 1.0.0 ↔ 1.1.0. */
export function toggle(version: string): string {
  return version === "1.1.0" ? "1.0.0" : "1.1.0";
}

/** Deploys one version under load and waits for a terminal phase. */
export async function runDeploy(
  ctx: Ctx,
  service: string,
  version: string,
  strategy: unknown,
): Promise<DeployRun> {
  const from = await versionOf(ctx.api, service);
  const a = await ctx.load.mark();
  const t0 = Date.now();
  const rec = await ctx.api.deploy(service, version, strategy);
  const d = await ctx.api.waitFor(rec.id, ctx.deployDeadlineMs);
  const seconds = (Date.now() - t0) / 1000;
  const b = await ctx.load.mark();
  const window = ctx.load.window(a, b);
  const type = (strategy as { type?: string }).type ?? "?";
  ctx.log(
    `  ${service} ${from} → ${version} (${type}): ${d.phase} in ${seconds.toFixed(1)} s` +
      `${d.reason ? ` (${d.reason})` : ""}; load ${window.total} req at ${window.rate}/s, ${window.failed} failed` +
      `${window.failed > 0 ? ` ${JSON.stringify(window.byCause)}` : ""}`,
  );
  return {
    id: d.id,
    service,
    from,
    to: version,
    strategy: type,
    phase: d.phase,
    reason: d.reason ?? "",
    seconds,
    failed: window.failed,
    total: window.total,
    events: d.events,
    window,
  };
}

export type Plan = {
  name: string;
  /** The i-th deployment of the scenario (service, version, strategy), given the run so far. */
  next(i: number): Promise<{ service: string; version: string; strategy: unknown }>;
  /** Requests the scenario must see (0: one deployment is enough). */
  targetRequests: number;
  /** Wall-clock cap, whatever the request count. */
  maxSeconds: number;
  /**
   * Exactly this many deployments, `gapMs` apart, counting only the requests during them: for a
   * measurement that must not see the previous deployment's data (an analysis over a rate window).
   */
  spaced?: { deploys: number; gapMs: number };
};

/** Repeats deployments back to back until the scenario has seen targetRequests (or its time cap). */
export async function runScenario(
  ctx: Ctx,
  plan: Plan,
): Promise<{ result: ScenarioResult; runs: DeployRun[]; diagnosis: ScenarioDiagnosis }> {
  ctx.log(`scenario ${plan.name}: target ${plan.targetRequests} requests, cap ${plan.maxSeconds} s`);
  const start: Mark = await ctx.load.mark();
  const t0 = Date.now();
  const runs: DeployRun[] = [];
  for (let i = 0; i < 1000; i++) {
    if (plan.spaced && i > 0) {
      await new Promise((r) => setTimeout(r, plan.spaced?.gapMs));
    }
    const step = await plan.next(i);
    runs.push(await runDeploy(ctx, step.service, step.version, step.strategy));
    const seen = runs.reduce((s, r) => s + r.total, 0);
    const done = plan.spaced
      ? runs.length >= plan.spaced.deploys
      : seen >= plan.targetRequests || (Date.now() - t0) / 1000 > plan.maxSeconds;
    if (done) {
      break;
    }
  }
  const end = await ctx.load.mark();
  const w = plan.spaced ? sumWindows(runs) : ctx.load.window(start, end);
  const phases: Record<string, number> = {};
  for (const r of runs) {
    phases[r.phase] = (phases[r.phase] ?? 0) + 1;
  }
  const result: ScenarioResult = {
    failed: w.failed,
    total: w.total,
    availability: w.total === 0 ? 0 : 1 - w.failed / w.total,
    deploys: runs.length,
    phases,
    seconds: Math.round((end.snap.at - start.snap.at) / 100) / 10,
    rate: w.rate,
  };
  ctx.log(
    `scenario ${plan.name}: ${result.failed}/${result.total} failed over ${result.deploys} deployments ` +
      `(${JSON.stringify(phases)}), ${result.seconds} s at ${result.rate} req/s`,
  );
  return { result, runs, diagnosis: diagnose(runs, w) };
}

/** The deployments' own windows added up (the gaps between spaced deployments left out). */
function sumWindows(runs: DeployRun[]): Window {
  const sum: Window = {
    from: runs[0]?.window.from ?? 0,
    to: runs.at(-1)?.window.to ?? 0,
    rate: 0,
    total: 0,
    failed: 0,
    skipped: 0,
    byCause: {},
    failures: [],
    failuresDropped: 0,
    latencyMs: runs[0]?.window.latencyMs ?? { p50: 0, p99: 0, max: 0 },
  };
  let ms = 0;
  for (const { window: w, seconds } of runs) {
    sum.total += w.total;
    sum.failed += w.failed;
    sum.skipped += w.skipped;
    sum.failuresDropped += w.failuresDropped;
    sum.failures.push(...w.failures);
    for (const [cause, n] of Object.entries(w.byCause)) {
      sum.byCause[cause] = (sum.byCause[cause] ?? 0) + n;
    }
    ms += seconds * 1000;
  }
  sum.rate = ms > 0 ? Math.round((sum.total * 1000) / ms) : 0;
  return sum;
}

/** Attributes each failure to the deployment event before it. */
export function diagnose(runs: DeployRun[], w: Window): ScenarioDiagnosis {
  const byPhase = new Map<string, number>();
  const samples: ScenarioDiagnosis["samples"] = [];
  for (const r of runs) {
    const t0 = r.events[0]?.at ?? r.window.from;
    for (const f of r.window.failures) {
      const ev = lastEventBefore(r.events, f.at);
      const after = ev ? `${ev.kind}: ${normalise(ev.message)}` : "before the first event";
      const key = `${f.cause} @ ${r.service} ${after}`;
      byPhase.set(key, (byPhase.get(key) ?? 0) + 1);
      if (samples.length < 12) {
        samples.push({
          service: r.service,
          tSeconds: (f.at - t0) / 1000,
          cause: f.cause,
          path: f.path,
          after,
        });
      }
    }
  }
  return {
    byCause: w.byCause,
    byPhase: Object.fromEntries([...byPhase].sort((a, b) => b[1] - a[1]).slice(0, 15)),
    samples,
    deploys: runs.map((r) => ({
      id: r.id,
      service: r.service,
      from: r.from,
      to: r.to,
      phase: r.phase,
      seconds: Math.round(r.seconds * 10) / 10,
      failed: r.failed,
      total: r.total,
    })),
  };
}

function lastEventBefore(events: DeploymentEvent[], at: number): DeploymentEvent | undefined {
  let best: DeploymentEvent | undefined;
  for (const e of events) {
    if (e.at <= at) {
      best = e;
    }
  }
  return best;
}

export const BACK_ON_STABLE = "all traffic back on the stable revision";

/** Seconds from the first new instance's start (the first bad step) to all traffic back on stable. */
export function secondsToStable(d: { events: DeploymentEvent[] }): number | undefined {
  const bad =
    d.events.find((e) => e.kind === "instance" && e.message.startsWith("started")) ??
    d.events.find((e) => e.kind === "traffic");
  const back = d.events.find((e) => e.message === BACK_ON_STABLE);
  return bad && back ? (back.at - bad.at) / 1000 : undefined;
}

/**
 * A faulty canary that no health check catches (line-controller 1.2.0-faulty answers 20 % 500s but
 * stays ready): waits in its pause to see whether lineops rolls it back by itself, then aborts it
 * and times the way back to the stable revision.
 */
export async function abortPausedCanary(
  ctx: Ctx,
  opts: { service: string; version: string; weight: number; observeMs: number },
): Promise<{
  detectedWithoutAbort: boolean;
  phaseBeforeAbort: string;
  rollbackSeconds: number | undefined;
  rollbackCompleteSeconds: number;
  finalPhase: string;
  window: Window;
  events: DeploymentEvent[];
}> {
  const a = await ctx.load.mark();
  const rec = await ctx.api.deploy(opts.service, opts.version, {
    type: "canary",
    steps: [{ setWeight: opts.weight }, { pause: { duration: "30s" } }],
  });
  const paused = await ctx.api.waitFor(
    rec.id,
    ctx.deployDeadlineMs,
    (d) => d.phase === "Paused" || TERMINAL.has(d.phase),
  );
  ctx.log(
    `  ${opts.service} → ${opts.version} canary ${opts.weight}%: ${paused.phase}; watching ${opts.observeMs} ms`,
  );
  let d: Deployment = paused;
  const until = Date.now() + opts.observeMs;
  while (Date.now() < until && !TERMINAL.has(d.phase) && d.phase !== "RollingBack") {
    await new Promise((r) => setTimeout(r, 250));
    d = await ctx.api.deployment(rec.id);
  }
  const phaseBeforeAbort = d.phase;
  const detected = TERMINAL.has(d.phase) || d.phase === "RollingBack";
  const t0 = Date.now();
  if (!detected) {
    await ctx.api.control(rec.id, "abort");
  }
  const done = await ctx.api.waitFor(rec.id, ctx.deployDeadlineMs);
  const b = await ctx.load.mark();
  const back = done.events.find((e) => e.message === BACK_ON_STABLE);
  // The final phase event ("rolled back to revision N") marks the stable instances restored.
  const tEnd = done.events.filter((e) => e.kind === "phase").at(-1)?.at ?? Date.now();
  return {
    detectedWithoutAbort: detected,
    phaseBeforeAbort,
    rollbackSeconds: back && !detected ? Math.max(0, (back.at - t0) / 1000) : undefined,
    rollbackCompleteSeconds: (tEnd - t0) / 1000,
    finalPhase: done.phase,
    window: ctx.load.window(a, b),
    events: done.events,
  };
}
