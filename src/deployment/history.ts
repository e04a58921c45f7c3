// DORA figures from the deployment history: deployment frequency, lead time from revision creation
// to running, change failure rate, and time to restore after a failed change.
import type { DeploymentRecord } from "../store/deployments.js";
import type { RevisionRepository } from "../store/revisions.js";

export type Dora = {
  windowDays: number;
  deployments: number;
  deploymentsPerDay: number;
  leadTimeSecondsMedian: number | null;
  changeFailureRate: number | null;
  timeToRestoreSecondsMedian: number | null;
};

const median = (xs: number[]) => {
  if (xs.length === 0) {
    return null;
  }
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export function dora(
  all: DeploymentRecord[],
  revisions: RevisionRepository,
  now: number,
  windowDays = 30,
): Dora {
  const since = now - windowDays * 86_400_000;
  const finished = all.filter((d) => d.finishedAt !== undefined && d.createdAt >= since);
  const succeeded = finished.filter((d) => d.phase === "Succeeded");
  const failed = finished.filter((d) => d.phase !== "Succeeded");
  const lead = succeeded.flatMap((d) => {
    const rev = revisions.get(d.service, d.toRevision);
    return rev && d.finishedAt !== undefined ? [(d.finishedAt - rev.createdAt) / 1000] : [];
  });
  // Time to restore: from a failed deployment's start to the service's next successful finish (a
  // rollback ends a failed change at once; this counts until the next good change too).
  const restore = failed.flatMap((f) => {
    const next = succeeded
      .filter((s) => s.service === f.service && s.createdAt >= f.createdAt)
      .sort((a, b) => a.createdAt - b.createdAt)[0];
    const end = next?.finishedAt ?? f.finishedAt;
    return end === undefined ? [] : [(end - f.createdAt) / 1000];
  });
  return {
    windowDays,
    deployments: finished.length,
    deploymentsPerDay: succeeded.length / windowDays,
    leadTimeSecondsMedian: median(lead),
    changeFailureRate: finished.length > 0 ? failed.length / finished.length : null,
    timeToRestoreSecondsMedian: median(restore),
  };
}
