// Joins the line's and the service's gates into one wait for the DeploymentEngine: every gate must
// be open at once; an admin override lets the deployment through; the earliest waitTimeout wins.
import type { Gates } from "../../config/deploy-schema.js";
import type { GateWaiter } from "../types.js";
import { GateEvaluator, type GateOptions } from "./gate.js";

export function gateWaiter(querier: GateOptions["querier"]): GateWaiter {
  return async (_service, gates, signal, onWaiting, override) => {
    const configs = gates.filter((g): g is Gates => g !== undefined);
    const evaluators = configs.map((g) => new GateEvaluator(g, { querier }));
    const deadlineMs = Date.now() + Math.min(...configs.map((g) => g.waitTimeout));
    const onOverride = () => evaluators.forEach((e) => e.override("admin"));
    override.addEventListener("abort", onOverride);
    try {
      for (;;) {
        if (override.aborted) {
          return "overridden";
        }
        const checks = await Promise.all(evaluators.map((e) => e.check()));
        const reasons = checks.flatMap((c) => c.reasons);
        if (checks.every((c) => c.open)) {
          return "open";
        }
        // Wait on the first closed gate; when it opens, re-check all of them together.
        const closed = evaluators[checks.findIndex((c) => !c.open)];
        onWaiting(reasons);
        const outcome = await closed?.waitFor({
          deadlineMs,
          signal,
          onWaiting: (r) => onWaiting([...new Set([...r, ...reasons])]),
        });
        if (outcome !== "open") {
          return outcome ?? "open";
        }
      }
    } finally {
      override.removeEventListener("abort", onOverride);
    }
  };
}
