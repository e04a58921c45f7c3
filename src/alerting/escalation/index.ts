// Escalation policies and the runner that pages along them (docs/escalation.md).
export { EscalationPolicies, type SavedPolicy } from "./policies.js";
export {
  checkPolicy,
  EscalationErrors,
  POLICY_NAME,
  policySpecSchema,
  selectPolicy,
  type Policy,
  type PolicySpec,
  type TargetChecker,
} from "./policy.js";
export { EscalationRunner, type EscalationIncidents, type EscalationRunnerOptions } from "./runner.js";
export { PersonChannels, type ContactReceivers } from "./person-channels.js";
export { Delivery, deliveryPolicies, type DeliveryOptions } from "./delivery.js";
