// The alert-state repository: what is saved comes back exactly (optional times, NaN and ±Inf
// values, labels), one evaluation's changes land atomically, and a reload's removed rules go.
import { describe, expect, it } from "vitest";
import { tempDir } from "../test-support/line.js";
import { AlertStateRepository, type AlertStateRecord } from "./alert-state.js";
import { openDb } from "./db.js";

const firing: AlertStateRecord = {
  ruleKey: '["r.yaml","line","Hot","",0]',
  fingerprint: "alertname=Hot,zone=a",
  labels: { alertname: "Hot", zone: "a" },
  annotations: { summary: "zone a is hot" },
  state: "firing",
  activeAt: 1000,
  firedAt: 61_000,
  lastSentAt: 61_000,
  validUntil: 301_000,
  value: Number.NaN,
  lastEvalAt: 61_000,
};
const pending: AlertStateRecord = {
  ruleKey: '["r.yaml","line","Cold","",0]',
  fingerprint: "alertname=Cold,zone=b",
  labels: { alertname: "Cold", zone: "b" },
  annotations: {},
  state: "pending",
  activeAt: 2000,
  value: -Infinity,
  lastEvalAt: 62_000,
};

describe("alert state store", () => {
  it("gives back exactly what was saved, across a reopen", () => {
    const dir = tempDir();
    const db = openDb(dir);
    new AlertStateRepository(db).save({ upsert: [firing, pending], remove: [] });
    db.close();
    const again = openDb(dir);
    expect(new AlertStateRepository(again).load()).toEqual([pending, firing]);
    again.close();
  });

  it("updates and removes in one transaction: a failing batch leaves the store as it was", () => {
    const db = openDb(tempDir());
    const repo = new AlertStateRepository(db);
    repo.save({ upsert: [firing, pending], remove: [] });
    const resolved = { ...firing, state: "inactive" as const, resolvedAt: 121_000, value: 3 };
    expect(() =>
      repo.save({
        upsert: [resolved, { ...pending, state: "bogus" as "pending" }],
        remove: [{ ruleKey: pending.ruleKey, fingerprint: pending.fingerprint }],
      }),
    ).toThrow(/CHECK constraint failed/);
    expect(repo.load()).toEqual([pending, firing]);
    repo.save({
      upsert: [resolved],
      remove: [{ ruleKey: pending.ruleKey, fingerprint: pending.fingerprint }],
    });
    expect(repo.load()).toEqual([resolved]);
    db.close();
  });

  it("keeps only the alerts of the rules that still exist", () => {
    const db = openDb(tempDir());
    const repo = new AlertStateRepository(db);
    repo.save({ upsert: [firing, pending], remove: [] });
    repo.retainRules([pending.ruleKey, '["gone"]']);
    expect(repo.load()).toEqual([pending]);
    repo.retainRules([]);
    expect(repo.load()).toEqual([]);
    db.close();
  });
});
