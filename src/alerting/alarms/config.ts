// The alarm philosophy lineops applies (ISA-18.2 / EEMUA 191): how an alert's priority and its
// operator position are found, and the limits for chattering, standing alarms and floods. Every
// field has the standards' usual value as its default, so `{}` is a sound configuration.
import { z } from "zod";
import { parseMatchers, type LabelMatcher } from "../routing/matchers.js";

const ms = (what: string) =>
  z
    .number()
    .int()
    .positive()
    .max(365 * 86_400_000, `${what}: at most a year`);
const PRIORITY = z.enum(["low", "medium", "high", "critical"]);

export const alarmConfigSchema = z.strictObject({
  /** Labels naming an operator position, in order ("line/station"); an alert without any is "plant". */
  positionLabels: z.array(z.string().min(1)).min(1).max(8).default(["line", "station"]),
  /** The label carrying an explicit priority; it wins over the severity mapping. */
  priorityLabel: z.string().min(1).default("priority"),
  /** severity label value -> priority; an unknown or missing severity is `defaultPriority`. */
  severityPriorities: z
    .record(z.string(), PRIORITY)
    .default({ critical: "high", error: "high", warning: "medium", info: "low" }),
  defaultPriority: PRIORITY.default("low"),
  chattering: z
    .strictObject({
      activations: z.number().int().min(2).max(1000).default(3),
      windowMs: ms("chattering.windowMs").default(60_000),
      /** Shelve a chattering alarm for this long (none: flag only). */
      autoShelveMs: ms("chattering.autoShelveMs").optional(),
    })
    .prefault({}),
  /** An alarm active longer than this is standing (stale). */
  staleMs: ms("staleMs").default(24 * 3_600_000),
  flood: z
    .strictObject({
      /** More than this many annunciated activations in the window is a flood (EEMUA 191: 10 in 10 min). */
      alarms: z.number().int().min(1).max(100_000).default(10),
      windowMs: ms("flood.windowMs").default(600_000),
      /** The flood ends once the window holds at most this many (default: the threshold). */
      endAtOrBelow: z.number().int().min(0).max(100_000).optional(),
    })
    .prefault({}),
  /** Suppression by design: while a line (or station) is in one of `states`, matching alarms are hidden. */
  suppression: z
    .array(
      z.strictObject({
        states: z.array(z.string().min(1)).min(1),
        /** Alertmanager matchers, e.g. `alertname=~"Station(Starved|Idle)"`. */
        matchers: z.array(z.string().min(1)).min(1),
      }),
    )
    .default([{ states: ["stopped", "changeover"], matchers: ['alertname=~".*(Starved|Starvation).*"'] }]),
  /** Longest shelving an operator may ask for (ISA-18.2: shelving is always timed). */
  maxShelveMs: ms("maxShelveMs").default(12 * 3_600_000),
  /** How long activations are kept after they return to normal. */
  retentionMs: ms("retentionMs").default(90 * 86_400_000),
  /** How often expiries, returns to normal, floods and line states are re-checked. */
  tickMs: z.number().int().min(100).max(3_600_000).default(5_000),
});

export type AlarmConfigInput = z.input<typeof alarmConfigSchema>;
export type AlarmConfig = z.output<typeof alarmConfigSchema> & {
  /** The suppression rules with their matchers parsed. */
  suppressionRules: { states: ReadonlySet<string>; matchers: LabelMatcher[] }[];
};

/** Validates a configuration; throws with the path of the first bad field (`flood.alarms: ...`). */
export function alarmConfigOf(input: AlarmConfigInput = {}): AlarmConfig {
  const parsed = alarmConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`alarms.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  const suppressionRules = parsed.data.suppression.map((s, i) => ({
    states: new Set(s.states),
    matchers: s.matchers.flatMap((m, j) => {
      try {
        return parseMatchers(m);
      } catch (err) {
        throw new Error(`alarms.suppression.${i}.matchers.${j}: ${(err as Error).message}`);
      }
    }),
  }));
  return { ...parsed.data, suppressionRules };
}
