// Bearer-token authentication and role checks for every /api/v1 route. A route declares the
// least role it needs in its config (viewer < operator < admin); no declaration means viewer.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Role, TokenRecord, TokenRepository } from "../store/tokens.js";
import { ApiErrors } from "./errors.js";

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

declare module "fastify" {
  interface FastifyRequest {
    principal?: TokenRecord;
  }
  interface FastifyContextConfig {
    role?: Role;
    /** Routes outside /api/v1 that still need a token (e.g. POST /-/reload). */
    authenticate?: boolean;
    /** POST routes that only read (PromQL over a form body): not audited. */
    readOnly?: boolean;
    /** High-rate ingestion (remote write): only denied or failed calls are audited. */
    auditFailuresOnly?: boolean;
  }
}

export function hasRole(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1];
}

export function authHook(tokens: TokenRepository) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const config = request.routeOptions.config;
    const protectedRoute = request.url.startsWith("/api/v1/") || config.authenticate === true;
    if (!protectedRoute) {
      return;
    }
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      throw ApiErrors.unauthorized("missing bearer token (Authorization: Bearer <token>)");
    }
    const principal = tokens.verify(token);
    if (!principal) {
      throw ApiErrors.unauthorized("invalid or revoked token");
    }
    request.principal = principal;
    const need = config.role ?? "viewer";
    if (!hasRole(principal.role, need)) {
      throw ApiErrors.forbidden(
        `this action needs the ${need} role; token "${principal.name}" is ${principal.role}`,
      );
    }
  };
}
