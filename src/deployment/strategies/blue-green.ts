// Blue-green: bring up the full new stack beside the old one (reachable only through the preview
// header), analyse it, switch all traffic at once, keep the old stack warm for an instant
// rollback, then retire it.
import { PREVIEW, PREVIOUS, STABLE, type Rollout } from "../rollout.js";

export async function blueGreen(r: Rollout): Promise<void> {
  const s = r.strategyOf("blueGreen");
  const from = r.from?.revision.hash;
  const to = r.to.revision.hash;
  if (!r.snapshot().state.switched) {
    r.setTraffic(
      {
        groups: { [to]: PREVIEW, ...(from ? { [from]: STABLE } : {}) },
        weights: { [STABLE]: 100, [PREVIEW]: 0 },
      },
      "new stack starting as preview (x-lineops-preview: 1)",
    );
    // Only missing slots: a rollout resumed after a restart keeps the preview instances it adopted.
    await Promise.all(r.missingSlots().map((slot) => r.startNew(slot)));
    await r.waitReady(r.newInstances().map((i) => i.id));
    r.save({ step: 1 });
    r.log("step", "preview stack ready");
    if (s.prePromotionAnalysis) {
      await r.analysis(s.prePromotionAnalysis, 1);
    }
    if (!s.autoPromote) {
      await r.pause(s.autoPromoteTimeout, "waiting for promotion of the preview stack");
    }
    r.check();
    r.setTraffic(
      {
        groups: { [to]: STABLE, ...(from ? { [from]: PREVIOUS } : {}) },
        weights: { [STABLE]: 100, [PREVIOUS]: 0 },
      },
      "switched: all traffic on the new stack; old stack kept warm",
    );
    r.save({ step: 2, state: { switched: true } });
  }
  if (s.scaleDownDelay > 0) {
    await r.sleep(s.scaleDownDelay);
    r.check();
  }
  await r.retire(r.oldInstances());
  r.save({ step: 3 });
}
