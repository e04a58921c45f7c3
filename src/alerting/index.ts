// The alerting engine's public entry (what main.ts, the API and other engines may import):
// Alertmanager-compatible configuration, routing, inhibition and time intervals; silences, the
// notification log and alert fingerprints; the alert store, dispatcher and the engine that ties them
// together (createAlertingEngine). The API joins as it is built.
export {
  loadAlertingConfig,
  parseAlertingConfig,
  resolveAlertingConfig,
  routeTreeOf,
  validateAlertingConfig,
  type AlertingConfig,
  type ConfigProblem,
} from "./config/load.js";
export {
  ALERTING_DEFAULTS,
  alertingConfigSchema,
  httpConfigSchema,
  type AlertingConfigInput,
  type HttpConfig,
  type InhibitRuleConfig,
  type ReceiverConfig,
  type RouteConfig,
  type WebhookConfig,
} from "./config/schema.js";
export { AlertingErrors } from "./errors.js";
export { Inhibitor, type InhibitingAlert, type InhibitRule } from "./routing/inhibit.js";
export {
  formatMatcher,
  formatMatchers,
  matchesAll,
  newMatcher,
  parseMatchers,
  type LabelMatcher,
} from "./routing/matchers.js";
export {
  buildRouteTree,
  formatLabelSet,
  Route,
  routesFor,
  type RouteDefaults,
  type RouteOpts,
} from "./routing/route-tree.js";
export {
  compileTimeInterval,
  isActive,
  mutedAt,
  type NamedTimeIntervals,
  type TimeInterval,
  type TimeIntervalSpec,
} from "./routing/time-intervals.js";
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
export {
  formatMatcher as formatSilenceMatcher,
  matcherOperator,
  type SilenceMatcher,
} from "./silences/matchers.js";
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
export { deliver, type DeliverOptions, type DeliveryResult, type Notifier } from "./notify/deliver.js";
export { HttpConfigError, type HttpClientConfig, type TlsConfig } from "./notify/http-config.js";
export {
  alertStatus,
  encodeWebhookPayload,
  webhookPayload,
  type AlertStatus,
  type NotifyAlert,
  type WebhookAlert,
  type WebhookPayload,
  type WebhookPayloadInput,
  type WebhookPayloadOptions,
} from "./notify/payload.js";
export {
  USER_AGENT,
  WebhookNotifier,
  type NotifyResult,
  type WebhookConfig as WebhookNotifierConfig,
} from "./notify/webhook.js";
export {
  createAlertingEngine,
  DEFAULT_ALERT_GC_INTERVAL_MS,
  incomingAlertOf,
  webhookNotifierOf,
  type AlertingEngine,
  type AlertingEngineOptions,
  type AlertingLogger,
  type RuleAlert,
} from "./engine.js";
export {
  AlertStore,
  AlertStoreErrors,
  isResolved,
  mergeAlerts,
  prepareAlerts,
  type HeldAlert,
} from "./dispatch/alert-store.js";
export type {
  AlertGroupView,
  AlertingService,
  AlertQuery,
  AlertState,
  AlertView,
  IncomingAlert,
} from "./types.js";
export { resolveConfigPaths } from "./config/paths.js";
// Incidents: correlation, root cause, timeline, one-click links (src/alerting/incidents/).
export * from "./incidents/index.js";
export type { IncidentObserver } from "./engine.js";
// People and on-call (P10): contact methods, teams, schedules; OnCallDirectory.resolve for escalation.
export * from "./oncall/index.js";
// ISA-18.2 alarm management (alarms/): its API, CLI and main.ts wiring import it from here.
export * from "./alarms/index.js";
export * from "./escalation/index.js";
