// Writes one audit record for every mutating request, whatever its outcome, once the response is sent.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AuditRepository } from "../store/audit.js";
import type { Principal } from "./auth.js";

/**
 * The display name of who acted: a user as "alice (operator)", a service token by its name, a user's
 * token as `alice via token "laptop" (operator)`. The record's principal and user fields carry the
 * ids: a token and a user may share a name.
 */
export function actorOf(p: Principal | undefined): string {
  if (!p) {
    return "anonymous";
  }
  if (p.kind === "token" && p.user) {
    return `${p.user.name} via token ${JSON.stringify(p.name)} (${p.role})`;
  }
  return `${p.name} (${p.role})`;
}

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
        actor: actorOf(request.principal),
        ...(request.principal
          ? { principal: { kind: request.principal.kind, id: request.principal.id } }
          : {}),
        ...(request.principal?.user ? { user: request.principal.user } : {}),
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
