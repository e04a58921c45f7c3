// The alerting engine's public entry: Alertmanager-compatible configuration, routing, inhibition
// and time intervals (more of the engine joins here as it is built).
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
