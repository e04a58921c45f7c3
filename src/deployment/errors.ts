// Errors of the deployment layer (line apply, services, revisions).
import { defineError } from "../errors.js";

export const DeploymentErrors = {
  serviceNotFound: defineError("LINEOPS_ERR_SERVICE_NOT_FOUND", 404, "not_found"),
  revisionNotFound: defineError("LINEOPS_ERR_REVISION_NOT_FOUND", 404, "not_found"),
  noLine: defineError("LINEOPS_ERR_NO_LINE", 409, "conflict"),
  deploymentNotFound: defineError("LINEOPS_ERR_DEPLOYMENT_NOT_FOUND", 404, "not_found"),
  deploymentInProgress: defineError("LINEOPS_ERR_DEPLOYMENT_IN_PROGRESS", 409, "conflict"),
  deploymentFinished: defineError("LINEOPS_ERR_DEPLOYMENT_FINISHED", 409, "conflict"),
  nothingToDeploy: defineError("LINEOPS_ERR_NOTHING_TO_DEPLOY", 409, "conflict"),
  /** A scale the service cannot take: unknown service, a count out of range, a per-station service. */
  scaleRefused: defineError("LINEOPS_ERR_SCALE_REFUSED", 400, "bad_data"),
  versionConstraint: defineError("LINEOPS_ERR_VERSION_CONSTRAINT", 409, "conflict"),
} as const;
