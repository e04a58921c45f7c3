// Whether a deployment found in progress at start can go on from its persisted step. Resuming is
// safe when every instance the persisted step relies on came through the restart (re-adopted by
// the runtime); when one is gone, the evidence the rollout gathered about it (readiness, analysis,
// traffic served) belongs to a process that no longer exists, so the deployment rolls back.
import type { Instance } from "../runtime/types.js";
import type { DeploymentPhase } from "../store/deployments.js";
import { CANARY, type Resume, type RolloutState } from "./rollout.js";
import type { Release } from "./types.js";

export function resumeVerdict(
  phase: DeploymentPhase,
  to: Release,
  state: RolloutState,
  live: readonly Instance[],
): Resume {
  if (phase === "RollingBack") {
    return { kind: "rollback", reason: "lineops restarted while the deployment was rolling back" };
  }
  const fresh = live.filter((i) => i.revision === to.revision.hash);
  const { strategy, stations } = to.spec;
  const slots = stations ?? Array.from({ length: to.spec.replicas }, () => undefined);
  if (strategy.type === "canary") {
    const gone = (state.stations ?? []).filter((st) => !fresh.some((i) => i.station === st));
    if (gone.length > 0) {
      return {
        kind: "rollback",
        reason: `the canary instance of station ${gone.join(", ")} did not survive the restart`,
      };
    }
    if ((state.traffic?.weights[CANARY] ?? 0) > 0 && fresh.length === 0) {
      return { kind: "rollback", reason: "no canary instance survived the restart" };
    }
  }
  if (strategy.type === "blueGreen" && state.switched === true && fresh.length < slots.length) {
    return {
      kind: "rollback",
      reason: `${slots.length - fresh.length} of ${slots.length} instances of the new stack did not survive the restart`,
    };
  }
  // Rolling and recreate start whatever their remaining slots lack; a canary or blue-green stack
  // that has not taken traffic yet restarts its missing instances the same way.
  return { kind: "continue" };
}
