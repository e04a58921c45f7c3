import { describe, expect, it } from "vitest";
import {
  compileSchedule,
  renderSchedule,
  whoIsOnCall,
  type LayerSpec,
  type ScheduleSpec,
} from "./schedule.js";

const PEOPLE = new Set(["alice", "bob", "carol", "dave"]);
const known = (u: string) => PEOPLE.has(u);
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const compile = (spec: ScheduleSpec) => compileSchedule(spec, known);

const daily = (over: Partial<LayerSpec> = {}): LayerSpec => ({
  name: "primary",
  rotation: { type: "daily" },
  rotationStart: "2026-03-27",
  handoff: "08:00",
  participants: ["alice", "bob", "carol"],
  ...over,
});

const view = (s: ReturnType<typeof renderSchedule>) =>
  s.map(
    (x) =>
      `${iso(x.start)} ${iso(x.end)} ${x.user} ${x.source.kind === "layer" ? x.source.layer : x.source.override}`,
  );

describe("rotations", () => {
  it("a daily rotation hands off at 08:00 local time; the turn across spring forward is 23 h", () => {
    const s = compile({ timezone: "Europe/Berlin", layers: [daily()] });
    expect(view(renderSchedule(s, at("2026-03-27T07:00:00Z"), at("2026-03-30T06:00:00Z")))).toEqual([
      "2026-03-27T07:00:00.000Z 2026-03-28T07:00:00.000Z alice primary",
      "2026-03-28T07:00:00.000Z 2026-03-29T06:00:00.000Z bob primary",
      "2026-03-29T06:00:00.000Z 2026-03-30T06:00:00.000Z carol primary",
    ]);
  });

  it("a turn across fall back is 25 h", () => {
    const s = compile({ timezone: "Europe/Berlin", layers: [daily({ rotationStart: "2026-10-24" })] });
    expect(view(renderSchedule(s, at("2026-10-24T06:00:00Z"), at("2026-10-25T07:00:00Z")))).toEqual([
      "2026-10-24T06:00:00.000Z 2026-10-25T07:00:00.000Z alice primary",
    ]);
  });

  it("a handoff in the skipped hour happens when the clock jumps; in the repeated hour the first time", () => {
    const spring = compile({ timezone: "Europe/Berlin", layers: [daily({ handoff: "02:30" })] });
    // 2026-03-29 02:30 never shows: the clock jumps from 02:00 CET to 03:00 CEST (01:00Z).
    expect(whoIsOnCall(spring, at("2026-03-29T00:59:00Z"))?.user).toBe("bob");
    expect(whoIsOnCall(spring, at("2026-03-29T01:00:00Z"))).toMatchObject({
      user: "carol",
      start: at("2026-03-29T01:00:00Z"),
      end: at("2026-03-30T00:30:00Z"),
    });
    const fall = compile({
      timezone: "Europe/Berlin",
      layers: [daily({ handoff: "02:30", rotationStart: "2026-10-24" })],
    });
    // 2026-10-25 02:30 shows twice: 00:30Z (CEST) and 01:30Z (CET); the handoff is at the first.
    expect(whoIsOnCall(fall, at("2026-10-25T00:29:00Z"))?.user).toBe("alice");
    expect(whoIsOnCall(fall, at("2026-10-25T00:30:00Z"))).toMatchObject({
      user: "bob",
      end: at("2026-10-26T01:30:00Z"),
    });
  });

  it("weekly and custom rotations cycle through their participants, also before the first handoff", () => {
    const s = compile({
      timezone: "UTC",
      layers: [
        daily({
          rotation: { type: "weekly" },
          rotationStart: "2026-01-05",
          handoff: "09:00",
          participants: ["alice", "bob"],
        }),
      ],
    });
    expect(whoIsOnCall(s, at("2026-01-05T09:00:00Z"))?.user).toBe("alice");
    expect(whoIsOnCall(s, at("2026-01-12T08:59:00Z"))?.user).toBe("alice");
    expect(whoIsOnCall(s, at("2026-01-12T09:00:00Z"))?.user).toBe("bob");
    expect(whoIsOnCall(s, at("2026-01-19T09:00:00Z"))?.user).toBe("alice");
    // The layer is in effect from its first handoff unless it says otherwise.
    expect(whoIsOnCall(s, at("2026-01-05T08:59:00Z"))).toBeUndefined();
    const early = compile({
      timezone: "UTC",
      layers: [
        daily({
          rotation: { type: "custom", every: 12, unit: "hours" },
          rotationStart: "2026-01-05",
          handoff: "06:00",
          participants: ["alice", "bob", "carol"],
          start: at("2026-01-01T00:00:00Z"),
        }),
      ],
    });
    expect(whoIsOnCall(early, at("2026-01-05T05:59:00Z"))?.user).toBe("carol");
    expect(whoIsOnCall(early, at("2026-01-05T18:00:00Z"))?.user).toBe("bob");
    expect(whoIsOnCall(early, at("2026-01-06T06:00:00Z"))?.user).toBe("carol");
  });
});

describe("layers and overrides", () => {
  const spec: ScheduleSpec = {
    timezone: "Europe/Berlin",
    layers: [
      daily({
        name: "days",
        rotation: { type: "weekly" },
        rotationStart: "2026-03-23",
        participants: ["alice", "bob"],
      }),
      // Nights only: a later layer takes precedence where it is on duty; the earlier shows through.
      daily({
        name: "nights",
        rotationStart: "2026-03-23",
        handoff: "22:00",
        participants: ["carol", "dave"],
        restrictions: ["22:00-06:00"],
      }),
    ],
    overrides: [
      { id: "o1", user: "bob", start: at("2026-03-25T00:00:00Z"), end: at("2026-03-25T02:00:00Z") },
    ],
  };

  it("a restricted later layer covers its windows, the earlier layer the rest, overrides lie on top", () => {
    const s = compile(spec);
    expect(view(renderSchedule(s, at("2026-03-24T12:00:00Z"), at("2026-03-25T12:00:00Z")))).toEqual([
      "2026-03-24T12:00:00.000Z 2026-03-24T21:00:00.000Z alice days",
      "2026-03-24T21:00:00.000Z 2026-03-25T00:00:00.000Z dave nights",
      "2026-03-25T00:00:00.000Z 2026-03-25T02:00:00.000Z bob o1",
      "2026-03-25T02:00:00.000Z 2026-03-25T05:00:00.000Z dave nights",
      "2026-03-25T05:00:00.000Z 2026-03-25T12:00:00.000Z alice days",
    ]);
  });

  it("whoIsOnCall agrees with the rendering at every quarter hour, across the DST change", () => {
    const s = compile(spec);
    const from = at("2026-03-27T00:00:00Z");
    const to = at("2026-03-31T00:00:00Z");
    const shifts = renderSchedule(s, from, to);
    for (let t = from; t < to; t += 15 * 60_000) {
      const expected = shifts.find((x) => x.start <= t && t < x.end)?.user;
      expect([iso(t), whoIsOnCall(s, t)?.user]).toEqual([iso(t), expected]);
    }
    // Nights follow the wall clock: 22:00 CEST is 20:00Z after the change.
    expect(
      shifts.filter((x) => x.source.kind === "layer" && x.source.layer === "nights").map((x) => iso(x.start)),
    ).toContain("2026-03-29T20:00:00.000Z");
  });

  it("a gap in every layer is nobody on call", () => {
    const s = compile({ timezone: "UTC", layers: [daily({ restrictions: ["Mon..Fri 08:00-17:00"] })] });
    expect(whoIsOnCall(s, at("2026-03-28T10:00:00Z"))).toBeUndefined(); // a Saturday
    expect(whoIsOnCall(s, at("2026-03-30T10:00:00Z"))?.user).toBe("alice");
  });
});

describe("bad schedules: clear errors naming the field", () => {
  const bad = (spec: ScheduleSpec) => {
    try {
      compile(spec);
    } catch (e) {
      return `${(e as { code: string }).code} ${(e as Error).message}`;
    }
    return "accepted";
  };

  it.each([
    [
      { timezone: "Mars/Olympus", layers: [daily()] },
      /SCHEDULE_INVALID timezone: unknown IANA time zone "Mars\/Olympus"/,
    ],
    [{ timezone: "UTC", layers: [] }, /layers: a schedule needs at least one layer/],
    [
      { timezone: "UTC", layers: [daily({ participants: [] })] },
      /layers\[0\]\.participants: empty layer "primary"/,
    ],
    [
      { timezone: "UTC", layers: [daily({ participants: ["alice", "mallory"] })] },
      /layers\[0\]\.participants\[1\]: unknown user "mallory"/,
    ],
    [
      { timezone: "UTC", layers: [daily({ rotation: { type: "custom", every: 0, unit: "hours" } })] },
      /layers\[0\]\.rotation\.every: a rotation needs a turn of at least 1 hour, got 0/,
    ],
    [{ timezone: "UTC", layers: [daily(), daily()] }, /layers\[1\]\.name: duplicate layer "primary"/],
    [
      { timezone: "UTC", layers: [daily({ rotationStart: "2026-02-30" })] },
      /layers\[0\]\.rotationStart: invalid date "2026-02-30"/,
    ],
    [
      { timezone: "UTC", layers: [daily({ handoff: "24:00" })] },
      /layers\[0\]\.handoff: invalid time "24:00"/,
    ],
    [
      { timezone: "UTC", layers: [daily({ restrictions: ["Mun 08:00-10:00"] })] },
      /layers\[0\]\.restrictions\[0\]: 1:1: unknown weekday "Mun"/,
    ],
    [
      { timezone: "UTC", layers: [daily({ restrictions: ["Mon..Fri 08:00-18:00", "Fri 17:00-20:00"] })] },
      /layers\[0\]\.restrictions\[1\]: overlaps layers\[0\]\.restrictions\[0\]/,
    ],
    [
      {
        timezone: "UTC",
        layers: [daily({ start: at("2026-04-01T00:00:00Z"), end: at("2026-04-01T00:00:00Z") })],
      },
      /layers\[0\]\.end: empty layer "primary"/,
    ],
    [
      {
        timezone: "UTC",
        layers: [daily()],
        overrides: [
          { id: "a", user: "bob", start: at("2026-04-01T00:00:00Z"), end: at("2026-04-01T06:00:00Z") },
          { id: "b", user: "carol", start: at("2026-04-01T05:00:00Z"), end: at("2026-04-01T07:00:00Z") },
        ],
      },
      /OVERRIDE_INVALID override b .* overlaps override a/,
    ],
    [
      { timezone: "UTC", layers: [daily()], overrides: [{ id: "a", user: "eve", start: 0, end: 1 }] },
      /overrides\[0\]\.user: unknown user "eve"/,
    ],
  ] as [ScheduleSpec, RegExp][])("%#", (spec, message) => {
    expect(bad(spec)).toMatch(message);
  });

  it("ranges: empty, too long", () => {
    const s = compile({ timezone: "UTC", layers: [daily()] });
    expect(() => renderSchedule(s, 10, 10)).toThrow(/to: the range must end after it starts/);
    expect(() => renderSchedule(s, 0, 401 * 86_400_000)).toThrow(/at most 400 days/);
  });
});
