// Incidents: correlated alerts as one thing to acknowledge and resolve, with a timeline, one-click
// links and topology- and deployment-aware correlation. What the engine, main.ts and the API use.
export { AckLinks, loadLinkSecret, LINK_ACTIONS, TOKEN_PATTERN, type LinkAction } from "./ack-links.js";
export { IncidentErrors } from "./errors.js";
export {
  DEFAULT_INCIDENTS_CONFIG,
  IncidentManager,
  type IncidentAlertView,
  type IncidentDetail,
  type IncidentManagerOptions,
  type IncidentsConfig,
  type IncidentSummary,
  type NotificationSink,
  type ObservedAlert,
} from "./manager.js";
export { TopologyIndex, type Topology, type TopologyService } from "./topology.js";
