import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../store/db.js";
import { NotificationLogRepository } from "../../store/notification-log.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import {
  decideNotification,
  NotificationLog,
  shouldNotify,
  type NotificationLogOptions,
  type NotifyReason,
} from "./nflog.js";

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) {
    if (db.open) {
      db.close();
    }
  }
});

function setup(options: Partial<NotificationLogOptions> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "lineops-nflog-"));
  const clock = new ManualClock(T0);
  const open = () => {
    const db = openDb(dir);
    opened.push(db);
    return { db, log: new NotificationLog(new NotificationLogRepository(db), { clock, ...options }) };
  };
  let current = open();
  return {
    clock,
    get db() {
      return current.db;
    },
    get log() {
      return current.log;
    },
    reopen() {
      current.log.stopMaintenance();
      current.db.close();
      current = open();
      return current.log;
    },
  };
}

const set = (...xs: number[]) => new Set(xs.map(String));
const list = (...xs: number[]) => xs.map(String);

describe("decideNotification (Alertmanager's TestDedupStageNeedsUpdate cases)", () => {
  const now = T0;
  type Case = [
    string,
    { sentAt?: number; firing?: string[]; resolved?: string[] } | undefined,
    Set<string>,
    Set<string>,
    number,
    boolean,
    NotifyReason,
  ];
  const table: Case[] = [
    ["no entry, alerts firing: send", undefined, set(2, 3, 4), set(), 0, false, "first-notification"],
    ["no entry, only resolved alerts: nothing", undefined, set(), set(2, 3, 4), 0, false, "do-not-notify"],
    [
      "another firing set: send",
      { firing: list(1, 2, 3) },
      set(2, 3, 4),
      set(),
      0,
      false,
      "new-alerts-in-group",
    ],
    [
      "zero timestamp always repeats",
      { sentAt: 0, firing: list(1, 2, 3) },
      set(1, 2, 3),
      set(),
      10 * MIN,
      false,
      "repeat-interval-elapsed",
    ],
    [
      "same firing set before repeat_interval: nothing",
      { sentAt: now - 9 * MIN, firing: list(1, 2, 3) },
      set(1, 2, 3),
      set(),
      10 * MIN,
      false,
      "do-not-notify",
    ],
    [
      "same firing set after repeat_interval: send",
      { sentAt: now - 11 * MIN, firing: list(1, 2, 3) },
      set(1, 2, 3),
      set(),
      10 * MIN,
      false,
      "repeat-interval-elapsed",
    ],
    [
      "exactly repeat_interval later: not yet (strictly before now - repeat)",
      { sentAt: now - 10 * MIN, firing: list(1, 2, 3) },
      set(1, 2, 3),
      set(),
      10 * MIN,
      false,
      "do-not-notify",
    ],
    [
      "other resolved alerts and none firing, after repeat_interval: nothing",
      { sentAt: now - 11 * MIN, resolved: list(1, 2, 3) },
      set(),
      set(3, 4, 5),
      10 * MIN,
      true,
      "do-not-notify",
    ],
    [
      "new resolved alerts without send_resolved: nothing",
      { sentAt: now - 9 * MIN, firing: list(1, 2), resolved: list(3) },
      set(1),
      set(2, 3),
      10 * MIN,
      false,
      "do-not-notify",
    ],
    [
      "new resolved alerts with send_resolved: send",
      { sentAt: now - 9 * MIN, firing: list(1, 2), resolved: list(3) },
      set(1),
      set(2, 3),
      10 * MIN,
      true,
      "new-resolved-alerts",
    ],
    [
      "all resolved without send_resolved: send (clears the log)",
      { sentAt: now - 9 * MIN, firing: list(1, 2), resolved: list(3) },
      set(),
      set(1, 2, 3),
      10 * MIN,
      false,
      "all-alerts-resolved",
    ],
    [
      "all resolved with send_resolved: send",
      { sentAt: now - 9 * MIN, firing: list(1, 2), resolved: list(3) },
      set(),
      set(1, 2, 3),
      10 * MIN,
      true,
      "all-alerts-resolved",
    ],
    // From DedupStage's reasons beyond that table:
    [
      "firing again after a notification that resolved everything: first again",
      { sentAt: now - MIN, firing: [], resolved: list(1) },
      set(1),
      set(),
      10 * MIN,
      true,
      "first-notification",
    ],
    [
      "same resolved set with send_resolved, before repeat: nothing",
      { sentAt: now - MIN, firing: list(1), resolved: list(2) },
      set(1),
      set(2),
      10 * MIN,
      true,
      "do-not-notify",
    ],
    [
      "fewer resolved than before, with send_resolved: nothing",
      { sentAt: now - MIN, firing: list(1), resolved: list(2, 3) },
      set(1),
      set(2),
      10 * MIN,
      true,
      "do-not-notify",
    ],
  ];
  it.each(table)("%s", (_name, entry, firing, resolved, repeat, sendResolved, reason) => {
    const last = entry && {
      sentAt: entry.sentAt ?? 0,
      firing: entry.firing ?? [],
      resolved: entry.resolved ?? [],
    };
    const got = decideNotification(last, firing, resolved, repeat, sendResolved, now);
    expect(got).toBe(reason);
    expect(shouldNotify(got)).toBe(reason !== "do-not-notify");
  });
});

describe("notification log", () => {
  it("dedups a group through its life: first send, quiet until repeat_interval, new alert, resolve", async () => {
    const { clock, log } = setup();
    const need = (firing: string[], resolved: string[] = []) =>
      log.needsUpdate("team-line", '{}:{alertname="StationJammed"}', firing, resolved, 4 * HOUR, true);
    const sent = (firing: string[], resolved: string[] = []) =>
      log.log("team-line", '{}:{alertname="StationJammed"}', firing, resolved, 8 * HOUR);

    expect(need(["a"])).toBe("first-notification");
    sent(["a"]);
    await clock.advance(5 * MIN); // the next group_interval flush
    expect(need(["a"])).toBe("do-not-notify");
    expect(need(["a", "b"])).toBe("new-alerts-in-group");
    sent(["a", "b"]);
    await clock.advance(5 * MIN);
    expect(need(["b"], ["a"])).toBe("new-resolved-alerts");
    sent(["b"], ["a"]);
    await clock.advance(4 * HOUR);
    expect(need(["b"], ["a"])).toBe("do-not-notify"); // exactly repeat_interval: not yet
    await clock.advance(1);
    expect(need(["b"], ["a"])).toBe("repeat-interval-elapsed");
    expect(need([], ["a", "b"])).toBe("all-alerts-resolved");
    sent([], ["a", "b"]);
    expect(need([], ["a", "b"])).toBe("do-not-notify");
  });

  it("keeps receivers and groups apart", () => {
    const { log } = setup();
    log.log("pager", "g1", ["a"], []);
    expect(log.needsUpdate("pager", "g1", ["a"], [], HOUR, false)).toBe("do-not-notify");
    expect(log.needsUpdate("webhook", "g1", ["a"], [], HOUR, false)).toBe("first-notification");
    expect(log.needsUpdate("pager", "g2", ["a"], [], HOUR, false)).toBe("first-notification");
    // Keys that would collide if joined with a separator stay apart.
    log.log("a:b", "c", ["x"], []);
    expect(log.get("a", "b:c")).toBeUndefined();
  });

  it("records the entry with its expiry: twice the repeat interval when given, capped by the retention", async () => {
    const { clock, log } = setup({ retentionMs: 10 * HOUR });
    expect(log.log("r", "g", ["a", "a"], ["b"], 8 * HOUR)).toEqual({
      receiver: "r",
      groupKey: "g",
      sentAt: T0,
      firing: ["a"],
      resolved: ["b"],
      expiresAt: T0 + 8 * HOUR,
    });
    await clock.advance(MIN);
    expect(log.log("r", "g", ["a"], [], 48 * HOUR).expiresAt).toBe(T0 + MIN + 10 * HOUR);
    expect(log.log("r", "g", ["a"], []).expiresAt).toBe(T0 + MIN + 10 * HOUR);
  });

  it("keeps a newer entry when the clock steps back", async () => {
    const { clock, log } = setup();
    await clock.advance(HOUR);
    log.log("r", "g", ["a"], []);
    const back = new ManualClock(T0);
    const ctx2 = new NotificationLog(new NotificationLogRepository(opened.at(-1)!), { clock: back });
    expect(ctx2.log("r", "g", ["z"], []).firing).toEqual(["a"]);
  });

  it("garbage-collects expired entries, in memory and in SQLite", async () => {
    const ctx = setup();
    ctx.log.log("r", "short", ["a"], [], 2 * HOUR);
    ctx.log.log("r", "long", ["a"], [], 20 * HOUR);
    await ctx.clock.advance(2 * HOUR - 1);
    expect(ctx.log.gc()).toBe(0);
    await ctx.clock.advance(1);
    expect(ctx.log.gc()).toBe(1);
    expect(ctx.log.get("r", "short")).toBeUndefined();
    // Collected: the group is new again, as in Alertmanager.
    expect(ctx.log.needsUpdate("r", "short", ["a"], [], HOUR, false)).toBe("first-notification");
    const after = ctx.reopen();
    expect(after.size).toBe(1);
    expect(after.get("r", "long")?.firing).toEqual(["a"]);
  });

  it("collects on the clock once maintenance is started", async () => {
    const { clock, log } = setup();
    log.log("r", "g", ["a"], [], 20 * MIN);
    log.startMaintenance(15 * MIN);
    await clock.advance(30 * MIN);
    expect(log.size).toBe(0);
    log.stopMaintenance();
    expect(clock.pending()).toEqual([]);
  });
});

describe("notification log durability", () => {
  it("after a restart, a group is not re-sent inside its repeat interval and its resolve still goes out", async () => {
    const ctx = setup();
    ctx.log.log("webhook", "g", ["a", "b"], [], 8 * HOUR);
    await ctx.clock.advance(MIN);
    const after = ctx.reopen(); // as after SIGKILL: the row was written before log() returned
    expect(after.needsUpdate("webhook", "g", ["a", "b"], [], 4 * HOUR, true)).toBe("do-not-notify");
    expect(after.needsUpdate("webhook", "g", ["a"], ["b"], 4 * HOUR, true)).toBe("new-resolved-alerts");
    expect(after.needsUpdate("webhook", "g", [], ["a", "b"], 4 * HOUR, false)).toBe("all-alerts-resolved");
  });

  it("does not record a notification it could not write", () => {
    const ctx = setup();
    ctx.db.close();
    expect(() => ctx.log.log("r", "g", ["a"], [])).toThrow(/database connection is not open/);
    expect(ctx.log.get("r", "g")).toBeUndefined();
  });

  it("ignores an unreadable row, says which, and loads the rest", () => {
    const ctx = setup();
    ctx.log.log("r", "good", ["a"], []);
    ctx.log.log("r", "bad", ["a"], []);
    ctx.db.prepare("UPDATE notification_log SET firing = '[1,' WHERE group_key = 'bad'").run();
    const warnings: string[] = [];
    const log = new NotificationLog(new NotificationLogRepository(ctx.db), {
      clock: ctx.clock,
      logger: { warn: (_o, msg) => warnings.push(msg ?? "") },
    });
    expect(log.size).toBe(1);
    expect(warnings).toEqual(["notification log entry of receiver r is unreadable and ignored"]);
  });
});
