// Alertmanager's orders: alerts in a notification and a group (types.AlertSlice: by job, then
// instance, then the label sets) and groups in GET /api/v2/alerts/groups (by group labels, then
// receiver), so receivers and tools see the same order as from Alertmanager.
import { compareLabels, type Labels } from "../../model/labels.js";

/** types.AlertSlice's order: `job`, then `instance` (an alert having the label first), then the label sets. */
export function compareAlerts(a: { labels: Labels }, b: { labels: Labels }): number {
  for (const key of ["job", "instance"]) {
    const x = a.labels[key];
    const y = b.labels[key];
    if (x === undefined && y === undefined) {
      continue;
    }
    if (x === undefined) {
      return 1;
    }
    if (y === undefined) {
      return -1;
    }
    if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return compareLabels(a.labels, b.labels);
}

export function compareGroups(
  a: { labels: Labels; receiver: string },
  b: { labels: Labels; receiver: string },
): number {
  const byLabels = compareLabels(a.labels, b.labels);
  if (byLabels !== 0) {
    return byLabels;
  }
  return a.receiver < b.receiver ? -1 : a.receiver > b.receiver ? 1 : 0;
}
