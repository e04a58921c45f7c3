// Recreate: stop every old instance, then start the new ones. For a service that must never run
// two versions at once (a PLC gateway holding an exclusive connection); it has downtime by design.
import type { Rollout } from "../rollout.js";

export async function recreate(r: Rollout): Promise<void> {
  await r.retire(r.oldInstances());
  r.log("step", "old instances stopped; starting the new revision");
  await Promise.all(r.missingSlots().map((slot) => r.startNew(slot)));
  await r.waitReady(r.newInstances().map((i) => i.id));
  r.save({ step: 1 });
}
