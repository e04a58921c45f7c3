import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LineopsError } from "../../errors.js";
import { AlertRepository, type AlertRecord } from "../../store/alerts.js";
import { openDb, type Db } from "../../store/db.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { fingerprint } from "../fingerprint.js";
import { AlertStore, mergeAlerts, prepareAlerts } from "./alert-store.js";

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const MIN = 60_000;
const RESOLVE = 5 * MIN;

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) {
    if (db.open) {
      db.close();
    }
  }
});

function record(over: Partial<AlertRecord> = {}): AlertRecord {
  const labels = over.labels ?? { alertname: "A" };
  return {
    fingerprint: fingerprint(labels),
    labels,
    annotations: {},
    startsAt: T0,
    endsAt: T0 + RESOLVE,
    updatedAt: T0,
    generatorURL: "",
    timeout: false,
    ...over,
  };
}

describe("prepareAlerts (the v2 API's defaults and Alertmanager's checks)", () => {
  it("fills startsAt with now, endsAt with now + resolve_timeout marked as timeout", () => {
    const [r] = prepareAlerts([{ labels: { alertname: "A" } }], T0, RESOLVE);
    expect(r).toMatchObject({ startsAt: T0, endsAt: T0 + RESOLVE, updatedAt: T0, timeout: true });
  });

  it("takes a missing startsAt from endsAt (a bare resolve)", () => {
    const [r] = prepareAlerts([{ labels: { alertname: "A" }, endsAt: T0 - MIN }], T0, RESOLVE);
    expect(r).toMatchObject({ startsAt: T0 - MIN, endsAt: T0 - MIN, timeout: false });
  });

  it("refuses the whole batch, naming each bad alert's index and field", () => {
    const call = () =>
      prepareAlerts(
        [
          { labels: { alertname: "ok" } },
          { labels: { severity: "page" } },
          { labels: {} },
          { labels: { alertname: "A" }, startsAt: T0, endsAt: T0 - 1 },
          { labels: { alertname: "A", "": "x" } },
        ],
        T0,
        RESOLVE,
      );
    expect(call).toThrow(LineopsError);
    try {
      call();
    } catch (e) {
      const err = e as LineopsError;
      expect(err.httpStatus).toBe(400);
      expect(err.message).toBe(
        "alerts[1].labels: alertname missing; alerts[2].labels: at least one label pair required; " +
          'alerts[3].endsAt: start time must be before end time; alerts[4].labels: invalid name ""',
      );
    }
  });
});

describe("mergeAlerts (Alertmanager's types.Alert.Merge)", () => {
  it("keeps the earliest start and a later explicit end of a firing alert", () => {
    const held = record({ startsAt: T0 - MIN, endsAt: T0 + 10 * MIN, updatedAt: T0 - MIN });
    const fresh = record({ startsAt: T0, endsAt: T0 + 4 * MIN, updatedAt: T0 });
    expect(mergeAlerts(held, fresh, T0)).toMatchObject({
      startsAt: T0 - MIN,
      endsAt: T0 + 10 * MIN,
      updatedAt: T0,
    });
  });

  it("lets a resolve_timeout default give way to the newer end", () => {
    const held = record({ endsAt: T0 + 10 * MIN, updatedAt: T0 - MIN, timeout: true });
    const fresh = record({ endsAt: T0 + 4 * MIN, updatedAt: T0 });
    expect(mergeAlerts(held, fresh, T0).endsAt).toBe(T0 + 4 * MIN);
  });

  it("resolves with the newer alert's end when only it is resolved", () => {
    const held = record({ endsAt: T0 + 10 * MIN, updatedAt: T0 - MIN });
    const fresh = record({ endsAt: T0 - 1, updatedAt: T0 });
    expect(mergeAlerts(held, fresh, T0).endsAt).toBe(T0 - 1);
  });

  it("treats the older-updated argument as the held one", () => {
    const a = record({ startsAt: T0 - 2 * MIN, updatedAt: T0, annotations: { x: "new" } });
    const b = record({ startsAt: T0 - MIN, updatedAt: T0 - MIN, annotations: { x: "old" } });
    expect(mergeAlerts(a, b, T0)).toMatchObject({ annotations: { x: "new" }, startsAt: T0 - 2 * MIN });
  });
});

describe("AlertStore", () => {
  function open(dir: string, clock: ManualClock) {
    const db = openDb(dir);
    opened.push(db);
    return { db, store: new AlertStore(new AlertRepository(db), clock) };
  }

  it("writes every accepted alert before put() returns and reads them back after a reopen", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-alerts-"));
    const clock = new ManualClock(T0);
    const first = open(dir, clock);
    first.store.put(prepareAlerts([{ labels: { alertname: "A" }, annotations: { s: "x" } }], T0, RESOLVE));
    first.db.close();
    const again = open(dir, clock);
    expect(again.store.all()).toEqual([
      expect.objectContaining({ labels: { alertname: "A" }, annotations: { s: "x" }, timeout: true }),
    ]);
  });

  it("merges a re-sent alert whose range overlaps, replaces one that does not", async () => {
    const clock = new ManualClock(T0);
    const { store } = open(mkdtempSync(path.join(tmpdir(), "lineops-alerts-")), clock);
    store.put([record({ startsAt: T0 - MIN, endsAt: T0 + 3 * MIN })]);
    await clock.advance(MIN);
    const [merged] = store.put([record({ startsAt: T0, endsAt: T0 + 4 * MIN, updatedAt: T0 + MIN })]);
    expect(merged?.startsAt).toBe(T0 - MIN);
    const [replaced] = store.put([
      record({ startsAt: T0 + 10 * MIN, endsAt: T0 + 12 * MIN, updatedAt: T0 + 2 * MIN }),
    ]);
    expect(replaced?.startsAt).toBe(T0 + 10 * MIN);
  });

  it("garbage-collects resolved alerts nobody still needs, from the database too", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-alerts-"));
    const clock = new ManualClock(T0);
    const { db, store } = open(dir, clock);
    const a = record({ labels: { alertname: "A" }, endsAt: T0 + MIN });
    const b = record({ labels: { alertname: "B" }, endsAt: T0 + MIN });
    const c = record({ labels: { alertname: "C" }, endsAt: T0 + 10 * MIN });
    store.put([a, b, c]);
    await clock.advance(2 * MIN);
    expect(store.gc((fp) => fp === b.fingerprint)).toBe(1);
    expect(
      store
        .all()
        .map((x) => x.labels.alertname)
        .sort(),
    ).toEqual(["B", "C"]);
    db.close();
    expect(open(dir, clock).store.size).toBe(2);
  });
});
