// Errors of people and on-call: a schedule, team, override or contact method that does not hold
// together (400, naming the field at fault) and the names that do not exist (404) or exist (409).
import { defineError } from "../../errors.js";

export const OnCallErrors = {
  invalidSchedule: defineError("LINEOPS_ERR_ONCALL_SCHEDULE_INVALID", 400, "bad_data"),
  invalidOverride: defineError("LINEOPS_ERR_ONCALL_OVERRIDE_INVALID", 400, "bad_data"),
  invalidContact: defineError("LINEOPS_ERR_ONCALL_CONTACT_INVALID", 400, "bad_data"),
  invalidTeam: defineError("LINEOPS_ERR_ONCALL_TEAM_INVALID", 400, "bad_data"),
  invalidRange: defineError("LINEOPS_ERR_ONCALL_RANGE_INVALID", 400, "bad_data"),
  userNotFound: defineError("LINEOPS_ERR_ONCALL_USER_NOT_FOUND", 404, "not_found"),
  scheduleNotFound: defineError("LINEOPS_ERR_ONCALL_SCHEDULE_NOT_FOUND", 404, "not_found"),
  teamNotFound: defineError("LINEOPS_ERR_ONCALL_TEAM_NOT_FOUND", 404, "not_found"),
  overrideNotFound: defineError("LINEOPS_ERR_ONCALL_OVERRIDE_NOT_FOUND", 404, "not_found"),
  userInUse: defineError("LINEOPS_ERR_ONCALL_USER_IN_USE", 409, "conflict"),
  teamExists: defineError("LINEOPS_ERR_ONCALL_TEAM_EXISTS", 409, "conflict"),
} as const;
