// The alerting engine's contract with the API, the CLI's server side and main.ts: what the
// Alertmanager API v2 routes call. Times are ms since the epoch (the API formats RFC 3339).
import type { Labels } from "../model/labels.js";
import type { LabelMatcher } from "./routing/matchers.js";
import type { Silences } from "./silences/silences.js";

/** An alert as POSTed to /api/v2/alerts or sent by lineops's own alerting rules. */
export type IncomingAlert = {
  labels: Labels;
  annotations?: Labels;
  startsAt?: number;
  endsAt?: number;
  generatorURL?: string;
};

export type AlertState = "active" | "suppressed" | "unprocessed";

/** An alert as GET /api/v2/alerts returns it (Alertmanager's gettableAlert). */
export type AlertView = {
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  generatorURL?: string;
  receivers: string[];
  status: { state: AlertState; silencedBy: string[]; inhibitedBy: string[]; mutedBy?: string[] };
};

/** The filters of GET /api/v2/alerts and /api/v2/alerts/groups (defaults true). */
export type AlertQuery = {
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
  unprocessed?: boolean;
  /** `filter` matchers, already parsed (routing/matchers.ts parseMatchers). */
  filter?: LabelMatcher[];
  /** `receiver` regex (anchored), as a predicate. */
  receiver?: (name: string) => boolean;
};

export type AlertGroupView = { labels: Labels; receiver: string; alerts: AlertView[] };

export interface AlertingService {
  /**
   * Validates and takes alerts; throws a LineopsError (400) naming the alert index and field
   * (`alerts[2].labels: alertname missing` style, as Alertmanager refuses) before taking any.
   */
  receive(alerts: IncomingAlert[]): void;
  alerts(q?: AlertQuery): AlertView[];
  groups(q?: AlertQuery): AlertGroupView[];
  readonly silences: Silences;
  receivers(): string[];
  /** The running configuration as YAML (secrets redacted as Alertmanager prints them) and uptime. */
  status(): { configYaml: string; startedAt: number };
}
