// The alerting engine's public entry: what main.ts, the API and other engines may import.
export { fingerprint } from "./fingerprint.js";
export {
  decideNotification,
  DEFAULT_NFLOG_GC_INTERVAL_MS,
  DEFAULT_NFLOG_RETENTION_MS,
  NotificationLog,
  shouldNotify,
  type NotificationLogEntry,
  type NotificationLogLogger,
  type NotificationLogOptions,
  type NotifyReason,
} from "./nflog/nflog.js";
export { SilenceErrors, SilenceValidationError } from "./silences/errors.js";
export { formatMatcher, matcherOperator, type SilenceMatcher } from "./silences/matchers.js";
export {
  DEFAULT_SILENCE_GC_INTERVAL_MS,
  DEFAULT_SILENCE_RETENTION_MS,
  Silences,
  silenceState,
  type PostableSilence,
  type Silence,
  type SilenceQuery,
  type SilencesLogger,
  type SilencesOptions,
  type SilenceState,
} from "./silences/silences.js";
