// Alertmanager's inhibition (inhibit/inhibit.go): an alert matching a rule's target matchers is muted
// while a firing alert matching its source matchers has the same values for every `equal` label
// (absent and empty count as the same value) — unless that alert would also be a target and the
// source also matches the target matchers, so no alert mutes itself or its twin.
import type { Labels } from "../../model/labels.js";
import { matchesAll, type LabelMatcher } from "./matchers.js";

export type InhibitRule = {
  readonly sourceMatchers: readonly LabelMatcher[];
  readonly targetMatchers: readonly LabelMatcher[];
  readonly equal: readonly string[];
};

/** An alert the inhibitor knows; one with endsAt at or before `now` is resolved and inhibits nothing. */
export type InhibitingAlert = { readonly labels: Labels; readonly endsAt?: number | undefined };

type IndexedRule = InhibitRule & { sources: Map<string, InhibitingAlert[]> };

function equalKey(labels: Labels, equal: readonly string[]): string {
  return equal.map((n) => labels[n] ?? "").join("\u0000");
}

export class Inhibitor {
  private readonly rules: IndexedRule[];

  constructor(rules: readonly InhibitRule[], alerts: Iterable<InhibitingAlert> = []) {
    this.rules = rules.map((r) => ({ ...r, sources: new Map() }));
    this.setAlerts(alerts);
  }

  /** Replaces the alerts that may inhibit; each is indexed under the rules whose source it matches. */
  setAlerts(alerts: Iterable<InhibitingAlert>): void {
    for (const r of this.rules) {
      r.sources.clear();
    }
    for (const a of alerts) {
      for (const r of this.rules) {
        if (matchesAll(r.sourceMatchers, a.labels)) {
          const key = equalKey(a.labels, r.equal);
          const list = r.sources.get(key);
          if (list === undefined) {
            r.sources.set(key, [a]);
          } else {
            list.push(a);
          }
        }
      }
    }
  }

  /** The labels of a firing alert that inhibits an alert with these labels, or undefined. */
  inhibitedBy(labels: Labels, now: number = Date.now()): Labels | undefined {
    for (const r of this.rules) {
      if (!matchesAll(r.targetMatchers, labels)) {
        continue;
      }
      // An alert that is both source and target of a rule is only inhibited by a source that is not
      // also a target (Alertmanager's excludeTwoSidedMatch).
      const twoSided = matchesAll(r.sourceMatchers, labels);
      for (const s of r.sources.get(equalKey(labels, r.equal)) ?? []) {
        if (s.endsAt !== undefined && s.endsAt <= now) {
          continue;
        }
        if (twoSided && matchesAll(r.targetMatchers, s.labels)) {
          continue;
        }
        return s.labels;
      }
    }
    return undefined;
  }

  isInhibited(labels: Labels, now: number = Date.now()): boolean {
    return this.inhibitedBy(labels, now) !== undefined;
  }
}
