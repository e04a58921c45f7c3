// The narrow interfaces alarm management needs from parts built elsewhere: where flood summaries
// go (the notification outbox and its channels, event "flood"), who acknowledged what (incidents),
// the line's state (monitoring's line_state / station_state) and the audit trail. main.ts plugs
// them in; each is optional and its absence is reported honestly, never guessed.
import type { AlarmPriorityName } from "../../store/alarms.js";
import type { LineStateSample } from "./classify.js";

/** One summary instead of a stream: sent once when a position's flood begins and once when it ends. */
export type FloodSummary = {
  event: "flood_started" | "flood_ended";
  position: string;
  startedAt: number;
  endedAt?: number;
  /** Annunciated alarms of the position in the window when it began / during the whole flood. */
  alarms: number;
  threshold: number;
  windowMs: number;
  /** The most frequent alarms of the flood, most first (at most 5). */
  topAlarms: { alertname: string; count: number }[];
  priorities: Record<AlarmPriorityName, number>;
};

/** Takes flood summaries; the outbox writes them durably (NotificationEvent "flood"). Must not throw. */
export interface FloodSummarySink {
  floodSummary(summary: FloodSummary): void;
}

/** When an activation was acknowledged, if it was: incidents provide it (acknowledge = stop the page). */
export interface AcknowledgementSource {
  acknowledgedAt(fingerprint: string, activatedAt: number): number | undefined;
}

/** The line's and stations' current states; a failure keeps the last reading. */
export interface LineStateSource {
  states(now: number): Promise<LineStateSample[]>;
}

/** Where automatic actions (chattering auto-shelve, unshelve at expiry) are recorded: AuditRepository fits. */
export interface AlarmAuditSink {
  append(r: {
    at: number;
    actor: string;
    action: string;
    target: string;
    outcome: "success" | "denied" | "failed";
    status: number;
    detail?: string;
  }): unknown;
}

/** What monitoring's query interface answers (MetricsQuerier.instant), restated so this stays narrow. */
export type InstantQuerier = {
  instant(
    query: string,
    timeMs: number,
  ): Promise<{ type: string; samples?: { labels: Readonly<Record<string, string>>; v: number }[] }>;
};

/**
 * The line states from the sample line's one-hot gauges: `line_state{state}` and
 * `station_state{station,state}` equal to 1 now.
 */
export function lineStatesFromQuerier(querier: InstantQuerier): LineStateSource {
  return {
    async states(now) {
      const out: LineStateSample[] = [];
      for (const q of ["line_state == 1", "station_state == 1"]) {
        const v = await querier.instant(q, now);
        for (const s of v.type === "vector" ? (v.samples ?? []) : []) {
          const state = s.labels.state;
          if (state === undefined) {
            continue;
          }
          out.push({
            state,
            ...(s.labels.line !== undefined ? { line: s.labels.line } : {}),
            ...(s.labels.station !== undefined ? { station: s.labels.station } : {}),
          });
        }
      }
      return out;
    },
  };
}
