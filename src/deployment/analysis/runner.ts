// The DeploymentEngine's AnalysisRunner: resolves a step's templates, runs one AnalysisRun to its
// verdict, reports every measurement as a progress line, and cancels the run when the rollout aborts.
import type { AnalysisRef, AnalysisTemplate } from "../../config/deploy-schema.js";
import { formatMeasurement } from "./format.js";
import {
  AnalysisRun,
  resolveTemplates,
  type AnalysisRunOptions,
  type AnalysisVerdict,
  type Measurement,
} from "./run.js";

export type AnalysisRunnerOptions = Omit<
  AnalysisRunOptions,
  "templates" | "args" | "signal" | "background" | "baselineTimeMs"
> & {
  /** Called once per run before it starts, so the caller can keep it (snapshot(), terminate()). */
  onRun?: (run: AnalysisRun, ref: AnalysisRef) => void;
};

export type AnalysisRunExtra = {
  /** The rollout-long analysis of a canary strategy. */
  background?: boolean;
  /** When the deployment started: the "beforeDeployment" KPI baseline time. */
  baselineTimeMs?: number;
};

/** Builds a function with the DeploymentEngine's AnalysisRunner signature (plus an optional extra). */
export function createAnalysisRunner(opts: AnalysisRunnerOptions) {
  return async (
    templates: AnalysisTemplate[],
    ref: AnalysisRef,
    args: Record<string, string>,
    signal: AbortSignal,
    onProgress: (msg: string, measurement?: Measurement) => void,
    extra: AnalysisRunExtra = {},
  ): Promise<AnalysisVerdict> => {
    let resolved: AnalysisTemplate[];
    try {
      resolved = resolveTemplates(templates, ref.templates);
    } catch (e) {
      return { phase: "Error", message: e instanceof Error ? e.message : String(e) };
    }
    const { onRun, ...rest } = opts;
    const run = new AnalysisRun({
      ...rest,
      templates: resolved,
      args: { ...ref.args, ...args },
      signal,
      ...(extra.background !== undefined ? { background: extra.background } : {}),
      ...(extra.baselineTimeMs !== undefined ? { baselineTimeMs: extra.baselineTimeMs } : {}),
      onMeasurement: (m, status) => {
        onProgress(formatMeasurement(m), m);
        opts.onMeasurement?.(m, status);
      },
    });
    onRun?.(run, ref);
    return run.start();
  };
}
