// Waiting on a deployment in end-to-end tests: until it reaches one of some phases, or finishes;
// a timeout names the phase it was stuck in and its last events.
import type { Lineops } from "../main.js";
import { TERMINAL_PHASES, type DeploymentPhase } from "../store/deployments.js";
import { waitFor } from "./wait.js";

export function waitForPhase(
  lineops: Lineops,
  id: string,
  phases: readonly DeploymentPhase[],
  timeoutMs = 60_000,
) {
  const get = () => lineops.deployment.deployment(id);
  return waitFor(
    () => {
      const d = get();
      return phases.includes(d.phase) ? d : undefined;
    },
    timeoutMs,
    `deployment ${id} to reach ${phases.join(" or ")}`,
  ).catch((err: unknown) => {
    const d = get();
    throw new Error(
      `${String(err)}: ${d.phase} ${d.reason ?? ""}\n${d.events
        .map((e) => e.message)
        .slice(-8)
        .join("\n")}`,
    );
  });
}

/** Resolves with the deployment once it has finished (succeeded, rolled back, failed or aborted). */
export function waitFinished(lineops: Lineops, id: string, timeoutMs = 60_000) {
  return waitForPhase(lineops, id, TERMINAL_PHASES, timeoutMs);
}
