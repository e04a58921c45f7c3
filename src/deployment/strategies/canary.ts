// Canary: move traffic to the new revision in steps (a weight, or whole stations), pausing and
// analysing between them; a background analysis can fail the rollout at any time. The final
// step brings every slot to the new revision.
import type { Strategy } from "../../config/deploy-schema.js";
import { CANARY, STABLE, type Rollout } from "../rollout.js";
import { takeOld } from "./rolling.js";

type CanaryStrategy = Extract<Strategy, { type: "canary" }>;

export async function canary(r: Rollout): Promise<void> {
  const s = r.strategyOf("canary");
  const from = r.from?.revision.hash;
  const to = r.to.revision.hash;
  // A per-station service is canaried by station: requests carry their station, and each station's
  // instance serves it whatever its revision, so weights must not hide a moved station's instance.
  const perStation = r.slots().some((slot) => slot !== undefined);
  const groups = perStation
    ? { [to]: STABLE, ...(from ? { [from]: STABLE } : {}) }
    : { [to]: CANARY, ...(from ? { [from]: STABLE } : {}) };
  const traffic = (w: number, why: string) => {
    // Per station, the station decides: every instance stays in the one (stable) group.
    const weights: Record<string, number> = perStation
      ? { [STABLE]: 100 }
      : { [STABLE]: 100 - w, [CANARY]: w };
    r.setTraffic({ groups, weights }, why);
  };
  traffic(0, "canary starting with no traffic");

  const background = s.analysis ? r.backgroundAnalysis(s.analysis) : undefined;
  try {
    await steps(r, s, traffic);
  } finally {
    await background?.stop();
  }
}

async function steps(
  r: Rollout,
  s: CanaryStrategy,
  traffic: (w: number, why: string) => void,
): Promise<void> {
  let weight = 0;

  for (let step = r.snapshot().step; step < s.steps.length; step++) {
    const st = s.steps[step];
    r.check();
    if (!st) {
      break;
    }
    if ("setWeight" in st) {
      if (r.newInstances().length === 0 && !r.slots().some((slot) => slot !== undefined)) {
        const count = Math.max(1, Math.round((r.slots().length * st.setWeight) / 100));
        const fresh = await Promise.all(Array.from({ length: count }, () => r.startNew(undefined)));
        await r.waitReady(fresh.map((i) => i.id));
      }
      weight = st.setWeight;
      traffic(st.setWeight, `canary weight ${st.setWeight}%`);
    } else if ("setStations" in st) {
      const moved = new Set(r.snapshot().state.stations ?? []);
      for (const station of st.setStations.filter((x) => !moved.has(x))) {
        const olds = takeOld(r, [station]);
        const fresh = await r.startNew(station);
        await r.waitReady([fresh.id]);
        r.standby(olds);
        moved.add(station);
        r.save({ state: { stations: [...moved] } });
        r.log("step", `station ${station} on the canary revision`);
      }
    } else if ("pause" in st) {
      await r.pause(
        st.pause.duration,
        st.pause.duration ? `pause ${st.pause.duration / 1000}s` : "paused until promoted",
      );
    } else {
      await r.analysis(st.analysis, step);
    }
    r.save({ step: step + 1 });
  }

  // Promotion: every remaining slot to the new revision, then all traffic to it.
  const fresh = await Promise.all(r.missingSlots().map((slot) => r.startNew(slot)));
  await r.waitReady(fresh.map((i) => i.id));
  if (weight < 100) {
    traffic(100, "promoted: all traffic on the new revision");
  }
  await r.retire(r.oldInstances());
}
