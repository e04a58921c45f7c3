// One measurement's judgement: the values of a query result, and a metric's outcome under
// Argo Rollouts' condition rules, except that no data or a NaN is never a pass (Inconclusive).
import type { QueryValue } from "../../monitoring/index.js";
import type { CompiledCondition } from "./conditions.js";

export type MeasurementPhase = "Pending" | "Successful" | "Failed" | "Inconclusive" | "Error";

/** Values of an instant query: every series of a vector (in result order), or the scalar. */
export function sampleValues(value: QueryValue): number[] | { error: string } {
  switch (value.type) {
    case "vector":
      return value.samples.map((s) => s.v);
    case "scalar":
      return [value.v];
    default:
      return {
        error: `query returned a ${value.type === "matrix" ? "range vector" : value.type}, expected an instant vector or scalar`,
      };
  }
}

/** Why these values cannot be judged (empty or NaN), or undefined when they can. */
export function noData(values: readonly number[]): string | undefined {
  if (values.length === 0) {
    return "query returned no data";
  }
  const nan = values.filter(Number.isNaN).length;
  return nan > 0 ? `query returned NaN for ${nan} of ${values.length} series` : undefined;
}

/**
 * Argo Rollouts' EvaluateResult: with both conditions, failure wins and "neither met" is
 * Inconclusive; with only a successCondition, not met is Failed; with only a failureCondition, not
 * met is Successful; with none, Successful. Throws ConditionError when a condition cannot be evaluated.
 */
export function judge(
  values: readonly number[],
  success: CompiledCondition | undefined,
  failure: CompiledCondition | undefined,
): { phase: "Successful" | "Failed" | "Inconclusive"; message: string } {
  const why = noData(values);
  if (why !== undefined) {
    return { phase: "Inconclusive", message: why };
  }
  let succeeded = success ? success.evaluate(values) : false;
  let failed = failure ? failure.evaluate(values) : false;
  if (!success && !failure) {
    return { phase: "Successful", message: "no conditions" };
  }
  if (success && !failure) {
    failed = !succeeded;
  } else if (!success && failure) {
    succeeded = !failed;
  }
  if (failed) {
    return {
      phase: "Failed",
      message: failure?.evaluate(values)
        ? `failureCondition ${failure.source} met`
        : `successCondition ${success?.source ?? ""} not met`,
    };
  }
  if (!succeeded) {
    return { phase: "Inconclusive", message: "neither successCondition nor failureCondition met" };
  }
  return {
    phase: "Successful",
    message: success
      ? `successCondition ${success.source} met`
      : `failureCondition ${failure?.source ?? ""} not met`,
  };
}
