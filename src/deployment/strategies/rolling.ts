// Rolling update: replace instances slot by slot (per station where the service runs per station),
// at most maxSurge extra and maxUnavailable missing at a time. Old and new serve side by side.
import type { Instance } from "../../runtime/types.js";
import { STABLE, type Rollout } from "../rollout.js";

export async function rolling(r: Rollout): Promise<void> {
  const { maxSurge, maxUnavailable, minReadySeconds } = r.strategyOf("rolling");
  const batch = Math.max(1, maxSurge > 0 ? maxSurge : maxUnavailable);
  const revisions = { [r.to.revision.hash]: STABLE, ...(r.from ? { [r.from.revision.hash]: STABLE } : {}) };
  r.setTraffic(
    { groups: revisions, weights: { [STABLE]: 100 } },
    "old and new revisions share traffic during the rolling update",
  );
  const pending = r
    .slots()
    .filter((slot) => !r.newInstances().some((i) => i.station === slot && i.state === "ready"));
  for (let k = 0; k < pending.length; k += batch) {
    const chunk = pending.slice(k, k + batch);
    const olds = takeOld(r, chunk);
    if (maxSurge > 0) {
      const fresh = await Promise.all(chunk.map((slot) => r.startNew(slot)));
      await r.waitReady(
        fresh.map((i) => i.id),
        minReadySeconds * 1000,
      );
      await r.retire(olds);
    } else {
      await r.retire(olds);
      const fresh = await Promise.all(chunk.map((slot) => r.startNew(slot)));
      await r.waitReady(
        fresh.map((i) => i.id),
        minReadySeconds * 1000,
      );
    }
    r.save({ step: k + chunk.length });
    r.log("step", `${Math.min(k + batch, pending.length)}/${pending.length} instances on the new revision`);
  }
  await r.retire(r.oldInstances());
}

/** The old instances that the new ones for these slots replace (same station, else any). */
export function takeOld(r: Rollout, slots: (string | undefined)[]): Instance[] {
  const old = r.oldInstances();
  const picked: Instance[] = [];
  for (const slot of slots) {
    const k = old.findIndex((i) => i.station === slot);
    const j = k >= 0 ? k : old.findIndex(() => true);
    if (j >= 0) {
      picked.push(...old.splice(j, 1));
    }
  }
  return picked;
}
