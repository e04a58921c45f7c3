import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../store/db.js";
import { SilenceRepository } from "../../store/silences.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { SilenceErrors, type SilenceValidationError } from "./errors.js";
import type { SilenceMatcher } from "./matchers.js";
import { Silences, silenceState, type PostableSilence, type SilencesOptions } from "./silences.js";

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const eq = (name: string, value: string): SilenceMatcher => ({ name, value, isRegex: false, isEqual: true });
const ne = (name: string, value: string): SilenceMatcher => ({ name, value, isRegex: false, isEqual: false });
const re = (name: string, value: string): SilenceMatcher => ({ name, value, isRegex: true, isEqual: true });
const nre = (name: string, value: string): SilenceMatcher => ({ name, value, isRegex: true, isEqual: false });

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) {
    if (db.open) {
      db.close();
    }
  }
});

/** A store on a fresh database; `reopen()` closes it and loads another store from the same file, as a restart does. */
function setup(options: Partial<SilencesOptions> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "lineops-silences-"));
  const clock = new ManualClock(T0);
  let n = 0;
  const newId = () => `sil-${++n}`;
  const open = () => {
    const db = openDb(dir);
    opened.push(db);
    return { db, silences: new Silences(new SilenceRepository(db), { clock, newId, ...options }) };
  };
  let current = open();
  return {
    clock,
    get db() {
      return current.db;
    },
    get silences() {
      return current.silences;
    },
    reopen() {
      current.silences.stopMaintenance();
      current.db.close();
      current = open();
      return current.silences;
    },
  };
}

function silence(overrides: Partial<PostableSilence> = {}): PostableSilence {
  return {
    matchers: [eq("alertname", "StationJammed")],
    startsAt: T0,
    endsAt: T0 + HOUR,
    createdBy: "operator@line",
    comment: "clearing the jam",
    ...overrides,
  };
}

function thrown(f: () => unknown): SilenceValidationError {
  try {
    f();
  } catch (err) {
    return err as SilenceValidationError;
  }
  throw new Error("expected a throw");
}

describe("silence lifecycle", () => {
  it("goes pending -> active -> expired with the clock and mutes only while active", async () => {
    const { clock, silences } = setup();
    const s = silences.set(silence({ startsAt: T0 + 10 * MIN, endsAt: T0 + 70 * MIN }));
    const jammed = { alertname: "StationJammed", station: "press-1" };
    expect(s).toEqual({
      id: "sil-1",
      matchers: [eq("alertname", "StationJammed")],
      startsAt: T0 + 10 * MIN,
      endsAt: T0 + 70 * MIN,
      updatedAt: T0,
      createdBy: "operator@line",
      comment: "clearing the jam",
      status: { state: "pending" },
    });
    expect(silences.mutes(jammed)).toEqual([]);

    await clock.advance(10 * MIN);
    expect(silences.get("sil-1")?.status.state).toBe("active");
    expect(silences.mutes(jammed)).toEqual(["sil-1"]);
    expect(silences.mutes({ alertname: "PlcDisconnected" })).toEqual([]);

    await clock.advance(60 * MIN); // exactly endsAt: expired, as the API reports it
    expect(silences.get("sil-1")?.status.state).toBe("expired");
    expect(silences.mutes(jammed)).toEqual([]);
  });

  it("answers mutes() for another time than now", () => {
    const { silences } = setup();
    silences.set(silence({ startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR }));
    expect(silences.mutes({ alertname: "StationJammed" })).toEqual([]);
    expect(silences.mutes({ alertname: "StationJammed" }, T0 + 90 * MIN)).toEqual(["sil-1"]);
    expect(silences.mutes({ alertname: "StationJammed" }, T0 + 2 * HOUR)).toEqual([]);
  });

  it("starts a silence posted with a start in the past now", () => {
    const { silences } = setup();
    const s = silences.set(silence({ startsAt: T0 - HOUR }));
    expect(s.startsAt).toBe(T0);
    expect(s.status.state).toBe("active");
  });

  it("expires an active silence at now, and a pending one with start = end = now", () => {
    const { silences } = setup();
    const active = silences.set(silence());
    const pending = silences.set(silence({ startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR }));
    expect(silences.expire(active.id)).toMatchObject({
      startsAt: T0,
      endsAt: T0,
      updatedAt: T0,
      status: { state: "expired" },
    });
    expect(silences.expire(pending.id)).toMatchObject({
      startsAt: T0,
      endsAt: T0,
      status: { state: "expired" },
    });
    expect(silences.mutes({ alertname: "StationJammed" })).toEqual([]);
  });

  it("expiring an expired silence changes nothing (idempotent, as Alertmanager)", async () => {
    const { clock, silences } = setup();
    const s = silences.set(silence());
    silences.expire(s.id);
    await clock.advance(5 * MIN);
    expect(silences.expire(s.id)).toMatchObject({ endsAt: T0, updatedAt: T0, status: { state: "expired" } });
  });

  it("expiring an unknown id is not_found (404)", () => {
    const { silences } = setup();
    const err = thrown(() => silences.expire("no-such-silence"));
    expect(err.code).toBe(SilenceErrors.notFound.code);
    expect((err as unknown as { httpStatus: number }).httpStatus).toBe(404);
    expect(err.message).toBe("silence not found");
  });

  it("keeps expired silences for the retention (120 h by default), then GC removes them", async () => {
    const { clock, silences } = setup();
    const s = silences.set(silence({ endsAt: T0 + HOUR }));
    const other = silences.set(silence({ endsAt: T0 + 200 * HOUR }));
    await clock.advance(HOUR + 120 * HOUR - 1);
    expect(silences.gc()).toBe(0);
    expect(silences.get(s.id)?.status.state).toBe("expired");
    await clock.advance(1);
    expect(silences.gc()).toBe(1);
    expect(silences.get(s.id)).toBeUndefined();
    expect(silences.get(other.id)?.status.state).toBe("active");
    expect(silences.query().map((x) => x.id)).toEqual([other.id]);
  });

  it("collects garbage on the clock once maintenance is started, with a configured retention", async () => {
    const { clock, silences } = setup({ retentionMs: HOUR });
    const s = silences.set(silence({ endsAt: T0 + 10 * MIN }));
    silences.startMaintenance(15 * MIN);
    await clock.advance(75 * MIN); // GC at 15, 30, 45, 60, 75 min; removable from 70 min
    expect(silences.get(s.id)).toBeUndefined();
    silences.stopMaintenance();
    expect(clock.pending()).toEqual([]);
  });
});

describe("silence updates (Alertmanager's canUpdate)", () => {
  it("edits a pending silence in place: same id, new fields", async () => {
    const { clock, silences } = setup();
    const s = silences.set(silence({ startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR }));
    await clock.advance(MIN);
    const u = silences.set({
      ...silence({ startsAt: T0 + 30 * MIN, endsAt: T0 + 3 * HOUR, comment: "longer" }),
      id: s.id,
    });
    expect(u).toMatchObject({
      id: s.id,
      startsAt: T0 + 30 * MIN,
      endsAt: T0 + 3 * HOUR,
      comment: "longer",
      updatedAt: T0 + MIN,
    });
    expect(silences.query()).toHaveLength(1);
  });

  it("replaces a pending silence whose new start is in the past: the old one expires unstarted", async () => {
    const { clock, silences } = setup();
    const s = silences.set(silence({ startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR }));
    await clock.advance(MIN);
    const u = silences.set({ ...silence({ startsAt: T0, endsAt: T0 + 2 * HOUR }), id: s.id });
    expect(u.id).toBe("sil-2");
    expect(u).toMatchObject({ startsAt: T0 + MIN, status: { state: "active" } });
    expect(silences.get(s.id)).toMatchObject({
      startsAt: T0 + MIN,
      endsAt: T0 + MIN,
      status: { state: "expired" },
    });
  });

  it("edits an active silence's end and comment in place", async () => {
    const { clock, silences } = setup();
    const s = silences.set(silence());
    await clock.advance(10 * MIN);
    const u = silences.set({ ...silence({ endsAt: T0 + 5 * HOUR, comment: "still jammed" }), id: s.id });
    expect(u).toMatchObject({
      id: s.id,
      startsAt: T0,
      endsAt: T0 + 5 * HOUR,
      comment: "still jammed",
      updatedAt: T0 + 10 * MIN,
    });
    expect(silences.query()).toHaveLength(1);
  });

  it("compares an active silence's start to the second, so a client dropping milliseconds still edits in place", async () => {
    const { clock, silences } = setup();
    await clock.advance(1500);
    const a = silences.set(silence({ startsAt: T0, endsAt: T0 + HOUR }));
    expect(a.startsAt).toBe(T0 + 1500); // a start in the past becomes now, to the millisecond
    await clock.advance(MIN);
    // What a client that prints RFC 3339 without milliseconds sends back: the same second.
    const u = silences.set({ ...silence({ startsAt: T0 + 1000, endsAt: T0 + 2 * HOUR }), id: a.id });
    expect(u).toMatchObject({ id: a.id, startsAt: T0 + 1000, endsAt: T0 + 2 * HOUR });
    const v = silences.set({ ...silence({ startsAt: T0 + 2000, endsAt: T0 + 2 * HOUR }), id: a.id });
    expect(v.id).not.toBe(a.id);
    expect(silences.get(a.id)?.status.state).toBe("expired");
  });

  it("replaces an active silence whose matchers change: the old one ends now, the new one starts now", async () => {
    const { clock, silences } = setup();
    const s = silences.set(silence());
    await clock.advance(10 * MIN);
    const u = silences.set({
      ...silence({ matchers: [eq("alertname", "StationJammed"), eq("station", "press-1")] }),
      id: s.id,
    });
    expect(u).toMatchObject({
      id: "sil-2",
      startsAt: T0 + 10 * MIN,
      endsAt: T0 + HOUR,
      status: { state: "active" },
    });
    expect(silences.get(s.id)).toMatchObject({
      startsAt: T0,
      endsAt: T0 + 10 * MIN,
      updatedAt: T0 + 10 * MIN,
      status: { state: "expired" },
    });
    expect(silences.mutes({ alertname: "StationJammed", station: "press-1" })).toEqual(["sil-2"]);
    expect(silences.mutes({ alertname: "StationJammed", station: "press-2" })).toEqual([]);
  });

  it("replaces an active silence whose start changes", async () => {
    const { clock, silences } = setup();
    const s = silences.set(silence());
    await clock.advance(10 * MIN);
    const u = silences.set({ ...silence({ startsAt: T0 + 20 * MIN }), id: s.id });
    expect(u).toMatchObject({ id: "sil-2", startsAt: T0 + 20 * MIN, status: { state: "pending" } });
    expect(silences.get(s.id)?.status.state).toBe("expired");
  });

  it("replaces an expired silence with a new one and leaves the old one as it was", async () => {
    const { clock, silences } = setup();
    const s = silences.set(silence({ endsAt: T0 + 10 * MIN }));
    await clock.advance(20 * MIN);
    const u = silences.set({ ...silence({ endsAt: T0 + HOUR }), id: s.id });
    expect(u).toMatchObject({ id: "sil-2", startsAt: T0 + 20 * MIN, status: { state: "active" } });
    expect(silences.get(s.id)).toMatchObject({ endsAt: T0 + 10 * MIN, updatedAt: T0 });
  });

  it("refuses to update an unknown id with not_found", () => {
    const { silences } = setup();
    const err = thrown(() => silences.set({ ...silence(), id: "nope" }));
    expect(err.code).toBe(SilenceErrors.notFound.code);
    expect(silences.query()).toEqual([]);
  });
});

describe("silence matching", () => {
  const alert = { alertname: "StationJammed", station: "press-1", line: "A", note: "two\nlines" };
  const table: [string, SilenceMatcher[], Record<string, string>, boolean][] = [
    ["= equal", [eq("station", "press-1")], alert, true],
    ["= other value", [eq("station", "press-2")], alert, false],
    ["= is exact, not a prefix", [eq("station", "press")], alert, false],
    ["!= other value", [eq("alertname", "StationJammed"), ne("station", "press-2")], alert, true],
    ["!= same value", [eq("alertname", "StationJammed"), ne("station", "press-1")], alert, false],
    ['!= of a missing label (it is "")', [eq("alertname", "StationJammed"), ne("zone", "x")], alert, true],
    ["=~ is anchored at both ends", [re("station", "press")], alert, false],
    ["=~ whole value", [re("station", "press-.*")], alert, true],
    ["=~ alternation is anchored as a group", [re("station", "press-2|press-1")], alert, true],
    ["=~ alternation not a substring", [re("station", "ress-1|x")], alert, false],
    ["=~ is case-sensitive", [re("station", "PRESS-1")], alert, false],
    ["=~ (?i) folds case", [re("station", "(?i)PRESS-1")], alert, true],
    ["=~ . does not cross a newline (no (?s), as Alertmanager)", [re("note", "two.lines")], alert, false],
    ["=~ \\n matched explicitly", [re("note", "two\\nlines")], alert, true],
    ["=~ $ is the end of the value, not before a newline", [re("note", "two")], alert, false],
    ["!~ value matching", [eq("alertname", "StationJammed"), nre("station", "press-.*")], alert, false],
    ["!~ value not matching", [eq("alertname", "StationJammed"), nre("station", "oven-.*")], alert, true],
    ["!~ missing label against .+", [eq("alertname", "StationJammed"), nre("zone", ".+")], alert, true],
    [
      '=~ missing label matches a regex matching ""',
      [eq("alertname", "StationJammed"), re("zone", "|x")],
      alert,
      true,
    ],
    [
      '= "" requires the label absent or empty',
      [eq("alertname", "StationJammed"), eq("line", "")],
      alert,
      false,
    ],
    ["all matchers must match", [eq("alertname", "StationJammed"), eq("line", "B")], alert, false],
    ["UTF-8 names and values", [eq("zone.name", "Halle Süd")], { "zone.name": "Halle Süd" }, true],
  ];
  it.each(table)("%s", (_name, matchers, labels, muted) => {
    const { silences } = setup();
    const s = silences.set(silence({ matchers }));
    expect(silences.mutes(labels)).toEqual(muted ? [s.id] : []);
  });

  it("lists every active silence that matches", () => {
    const { silences } = setup();
    const a = silences.set(silence({ matchers: [eq("alertname", "StationJammed")] }));
    silences.set(silence({ matchers: [eq("alertname", "PlcDisconnected")] }));
    const c = silences.set(silence({ matchers: [re("station", "press-.*")] }));
    expect(silences.mutes({ alertname: "StationJammed", station: "press-1" })).toEqual([a.id, c.id]);
  });
});

describe("silence validation (Alertmanager's messages, with the field at fault)", () => {
  const table: [string, Partial<PostableSilence>, string, string][] = [
    ["no matchers", { matchers: [] }, "matchers", "invalid silence: at least one matcher required"],
    [
      "only matchers that match the empty string",
      { matchers: [eq("station", ""), re("line", ".*")] },
      "matchers",
      "invalid silence: at least one matcher must not match the empty string",
    ],
    [
      "only a regex that matches the empty string",
      { matchers: [re("zone", "a*")] },
      "matchers",
      "invalid silence: at least one matcher must not match the empty string",
    ],
    [
      "empty label name",
      { matchers: [eq("alertname", "X"), eq("", "v")] },
      "matchers[1].name",
      'invalid silence: invalid label matcher 1: invalid label name ""',
    ],
    [
      "label name not UTF-8",
      { matchers: [eq("a\uD800", "v")] },
      "matchers[0].name",
      'invalid silence: invalid label matcher 0: invalid label name "a\\ud800"',
    ],
    [
      "label value not UTF-8",
      { matchers: [eq("a", "\uDC00")] },
      "matchers[0].value",
      'invalid silence: invalid label matcher 0: invalid label value "\\udc00"',
    ],
    [
      "regex that does not compile",
      { matchers: [re("station", "press-(1")] },
      "matchers[0].value",
      'invalid silence: invalid label matcher 0: invalid regular expression "press-(1": error parsing regexp: missing closing ): `press-(1`',
    ],
    [
      "JavaScript-only regex syntax",
      { matchers: [re("station", "(?=p)x")] },
      "matchers[0].value",
      'invalid silence: invalid label matcher 0: invalid regular expression "(?=p)x"',
    ],
    [
      "start equal to end",
      { startsAt: T0 + HOUR, endsAt: T0 + HOUR },
      "endsAt",
      "Failed to create silence: start time must be before end time",
    ],
    [
      "start after end",
      { startsAt: T0 + 2 * HOUR, endsAt: T0 + HOUR },
      "endsAt",
      "Failed to create silence: start time must be before end time",
    ],
    [
      "end in the past",
      { startsAt: T0 - 2 * HOUR, endsAt: T0 - HOUR },
      "endsAt",
      "Failed to create silence: end time can't be in the past",
    ],
    ["start not a time", { startsAt: Number.NaN }, "startsAt", "invalid silence: startsAt is not a time"],
  ];
  it.each(table)("%s", (_name, overrides, field, message) => {
    const { silences } = setup();
    const err = thrown(() => silences.set(silence(overrides)));
    expect(err.code).toBe(SilenceErrors.invalid.code);
    expect((err as unknown as { httpStatus: number }).httpStatus).toBe(400);
    expect(err.field).toBe(field);
    expect(err.message.startsWith(message)).toBe(true);
    expect(silences.query()).toEqual([]);
  });

  it('accepts a negative matcher beside a positive one, and != "" alone', () => {
    const { silences } = setup();
    expect(silences.set(silence({ matchers: [ne("station", "")] })).status.state).toBe("active");
    expect(silences.set(silence({ matchers: [nre("station", "")] })).status.state).toBe("active");
  });

  it("enforces the configured count limit (expired silences count, as Alertmanager)", () => {
    const { silences } = setup({ maxSilences: 2 });
    const a = silences.set(silence());
    silences.set(silence());
    silences.expire(a.id);
    const err = thrown(() => silences.set(silence()));
    expect(err.code).toBe(SilenceErrors.limit.code);
    expect(err.message).toBe("exceeded maximum number of silences: 2 (limit: 2)");
    // An in-place update adds nothing, so it is still allowed.
    const b = silences.query({ states: ["active"] })[0]!;
    expect(silences.set({ ...silence({ comment: "edited" }), id: b.id }).id).toBe(b.id);
  });

  it("enforces the configured size limit", () => {
    const { silences } = setup({ maxSilenceSizeBytes: 300 });
    const err = thrown(() => silences.set(silence({ comment: "x".repeat(400) })));
    expect(err.code).toBe(SilenceErrors.limit.code);
    expect(err.message).toMatch(/^silence exceeded maximum size: \d+ bytes \(limit: 300 bytes\)$/);
  });
});

describe("silence queries (GET /api/v2/silences)", () => {
  it("filters by state and orders active (ending first), pending (starting first), expired (latest end first)", async () => {
    const { clock, silences } = setup();
    const e1 = silences.set(silence({ endsAt: T0 + 10 * MIN }));
    const e2 = silences.set(silence({ endsAt: T0 + 20 * MIN }));
    await clock.advance(30 * MIN);
    const a1 = silences.set(silence({ startsAt: T0, endsAt: T0 + 3 * HOUR }));
    const a2 = silences.set(silence({ startsAt: T0, endsAt: T0 + 2 * HOUR }));
    const p1 = silences.set(silence({ startsAt: T0 + 5 * HOUR, endsAt: T0 + 6 * HOUR }));
    const p2 = silences.set(silence({ startsAt: T0 + 4 * HOUR, endsAt: T0 + 6 * HOUR }));
    expect(silences.query().map((s) => s.id)).toEqual([a2.id, a1.id, p2.id, p1.id, e2.id, e1.id]);
    expect(silences.query({ states: ["expired"] }).map((s) => s.id)).toEqual([e2.id, e1.id]);
    expect(silences.query({ states: ["active", "pending"] }).map((s) => s.id)).toEqual([
      a2.id,
      a1.id,
      p2.id,
      p1.id,
    ]);
    expect(silences.query({ states: [] })).toEqual([]);
  });

  it("filter keeps silences that contain each filter matcher exactly (name, operator, value), not those that would match", () => {
    const { silences } = setup();
    const a = silences.set(
      silence({ matchers: [eq("alertname", "StationJammed"), eq("station", "press-1")] }),
    );
    const b = silences.set(silence({ matchers: [re("alertname", "Station.*")] }));
    const c = silences.set(silence({ matchers: [ne("alertname", "StationJammed"), eq("line", "A")] }));
    const ids = (filter: SilenceMatcher[]) =>
      silences
        .query({ filter })
        .map((s) => s.id)
        .sort();
    expect(ids([eq("alertname", "StationJammed")])).toEqual([a.id]);
    expect(ids([re("alertname", "Station.*")])).toEqual([b.id]);
    expect(ids([ne("alertname", "StationJammed")])).toEqual([c.id]);
    expect(ids([eq("alertname", "StationJammed"), eq("station", "press-1")])).toEqual([a.id]);
    expect(ids([eq("alertname", "StationJammed"), eq("station", "press-2")])).toEqual([]);
    expect(ids([])).toEqual([a.id, b.id, c.id].sort());
  });

  it("counts silences by state", async () => {
    const { clock, silences } = setup();
    silences.set(silence({ endsAt: T0 + MIN }));
    silences.set(silence());
    silences.set(silence({ startsAt: T0 + 2 * HOUR, endsAt: T0 + 3 * HOUR }));
    await clock.advance(2 * MIN);
    expect(silences.countByState()).toEqual({ active: 1, pending: 1, expired: 1 });
  });

  it("hands out copies: changing a result does not change the store", () => {
    const { silences } = setup();
    const s = silences.set(silence());
    s.matchers[0] = eq("alertname", "Other");
    (silences.query()[0] as { comment: string }).comment = "changed";
    expect(silences.get(s.id)).toMatchObject({
      matchers: [eq("alertname", "StationJammed")],
      comment: "clearing the jam",
    });
  });
});

describe("silence durability", () => {
  it("brings back every silence, expired ones included, after a restart", async () => {
    const ctx = setup();
    const a = ctx.silences.set(silence({ matchers: [re("station", "press-.*"), ne("line", "B")] }));
    const p = ctx.silences.set(
      silence({ startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR, createdBy: "ci", comment: "planned" }),
    );
    const e = ctx.silences.set(silence());
    ctx.silences.expire(e.id);
    const before = ctx.silences.query();

    const after = ctx.reopen();
    expect(after.query()).toEqual(before);
    expect(after.mutes({ station: "press-3", line: "A" })).toEqual([a.id]);
    await ctx.clock.advance(HOUR);
    expect(after.get(p.id)?.status.state).toBe("active");
  });

  it("stores a replacing update (old expired + new created) together", async () => {
    const ctx = setup();
    const s = ctx.silences.set(silence());
    await ctx.clock.advance(MIN);
    const u = ctx.silences.set({ ...silence({ matchers: [eq("alertname", "Other")] }), id: s.id });
    const after = ctx.reopen();
    expect(after.get(s.id)).toMatchObject({ endsAt: T0 + MIN, status: { state: "expired" } });
    expect(after.get(u.id)?.status.state).toBe("active");
  });

  it("keeps a GC across a restart", async () => {
    const ctx = setup({ retentionMs: HOUR });
    const s = ctx.silences.set(silence({ endsAt: T0 + MIN }));
    await ctx.clock.advance(2 * HOUR);
    expect(ctx.silences.gc()).toBe(1);
    expect(ctx.reopen().get(s.id)).toBeUndefined();
  });

  it("acknowledges nothing it could not write: a failed write leaves the store as it was", () => {
    const ctx = setup();
    const s = ctx.silences.set(silence());
    ctx.db.close();
    expect(() => ctx.silences.set(silence())).toThrow(/database connection is not open/);
    expect(() => ctx.silences.expire(s.id)).toThrow(/database connection is not open/);
    expect(ctx.silences.query().map((x) => [x.id, x.status.state])).toEqual([[s.id, "active"]]);
  });

  it("ignores a stored row it cannot use, says which, and loads the rest", () => {
    const ctx = setup();
    const good = ctx.silences.set(silence());
    const bad = ctx.silences.set(silence({ matchers: [eq("alertname", "X")] }));
    const broken = ctx.silences.set(silence({ matchers: [eq("alertname", "Y")] }));
    ctx.db
      .prepare("UPDATE silences SET matchers = ? WHERE id = ?")
      .run(JSON.stringify([re("a", "(")]), bad.id);
    ctx.db.prepare("UPDATE silences SET matchers = '{not json' WHERE id = ?").run(broken.id);
    const warnings: string[] = [];
    ctx.silences.stopMaintenance();
    ctx.db.close();
    const db = openDb(path.dirname(ctx.db.name));
    opened.push(db);
    const loaded = new Silences(new SilenceRepository(db), {
      clock: ctx.clock,
      logger: { warn: (_o, msg) => warnings.push(msg ?? "") },
    });
    expect(loaded.query().map((s) => s.id)).toEqual([good.id]);
    expect(warnings).toHaveLength(2);
    expect(warnings.join("\n")).toContain(
      `stored silence ${bad.id} is ignored: invalid silence: invalid label matcher 0: invalid regular expression`,
    );
    expect(warnings.join("\n")).toContain(
      `stored silence ${broken.id} cannot be read: matchers are not JSON`,
    );
  });
});

describe("silenceState", () => {
  it.each([
    [T0 - 1, "pending"],
    [T0, "active"],
    [T0 + 999, "active"],
    [T0 + 1000, "expired"],
  ] as const)("at %d is %s", (at, state) => {
    expect(silenceState({ startsAt: T0, endsAt: T0 + 1000 }, at)).toBe(state);
  });
});
