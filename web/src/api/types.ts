// The server's wire types the app reads, re-exported type-only from the modules that define them, so
// a page never redeclares a shape the API already names (a server change breaks the web typecheck
// instead of the page at run time). Type-only: nothing of the server is bundled.
export type {
  IncidentAlertView,
  IncidentDetail,
  IncidentSummary,
} from "../../../src/alerting/incidents/index.js";
export type { IncidentStatus, RootCause, TimelineEntry } from "../../../src/store/incidents.js";
export type {
  OnCallAllResponse,
  SchedulesResponse,
  ShiftsResponse,
  TeamsResponse,
} from "../../../src/api/oncall-types.js";
import type { LineopsEvents } from "../../../src/events/bus.js";

/** What the live hub's `alert` topic carries for an incident change (source "incident"). */
export type IncidentChangedEvent = LineopsEvents["incident.changed"] & { source: "incident" };
export type {
  DiskHealth,
  InfrastructureHealthSummary,
  InstanceResources,
  NetworkHealth,
  NodeHealth,
} from "../../../src/infrastructure/health/health.js";
export type {
  CapacityReport,
  PackingSummary,
  RecommendationReport,
  ServiceRecommendation,
} from "../../../src/infrastructure/optimizer/optimizer.js";
export type { Headroom } from "../../../src/infrastructure/optimizer/capacity.js";
export type { ResourceAmounts, Verdict } from "../../../src/infrastructure/optimizer/recommender.js";
