// Writes one audit record for every mutating request, whatever its outcome, once the response is sent.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AuditRepository } from "../store/audit.js";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function auditHook(audit: AuditRepository, onError: (err: unknown) => void) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const config = request.routeOptions.config;
    const status = reply.statusCode;
    if (
      !MUTATING.has(request.method) ||
      config.readOnly === true ||
      (config.auditFailuresOnly === true && status < 400)
    ) {
      return;
    }
    try {
      audit.append({
        at: Date.now(),
        actor: request.principal ? `${request.principal.name} (${request.principal.role})` : "anonymous",
        action: `${request.method} ${request.routeOptions.url ?? request.url}`,
        target: request.url.split("?")[0] ?? request.url,
        outcome: status < 400 ? "success" : status === 401 || status === 403 ? "denied" : "failed",
        status,
        ...(request.auditDetail === undefined ? {} : { detail: request.auditDetail }),
      });
    } catch (err) {
      onError(err);
    }
  };
}
