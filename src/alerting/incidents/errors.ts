// Errors of incidents with stable codes: an unknown incident, a change its state does not allow,
// bad input, and the one-click links that are expired, spent or not lineops's own.
import { defineError } from "../../errors.js";

export const IncidentErrors = {
  notFound: defineError("LINEOPS_ERR_INCIDENT_NOT_FOUND", 404, "not_found"),
  /** Acknowledging a resolved incident, snoozing one that is resolved, ... */
  badTransition: defineError("LINEOPS_ERR_INCIDENT_TRANSITION", 409, "conflict"),
  invalid: defineError("LINEOPS_ERR_INCIDENT_INVALID", 400, "bad_data"),
  /** The link's signature does not verify or it does not parse: nobody may act on it. */
  linkInvalid: defineError("LINEOPS_ERR_INCIDENT_LINK_INVALID", 400, "bad_data"),
  linkExpired: defineError("LINEOPS_ERR_INCIDENT_LINK_EXPIRED", 410, "not_found"),
  linkUsed: defineError("LINEOPS_ERR_INCIDENT_LINK_USED", 409, "conflict"),
} as const;
