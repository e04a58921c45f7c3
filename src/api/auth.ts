// Authorization on the matched route: every route declares the least role it needs where it is
// registered (deny by default: an undeclared route fails registration), and the check reads that
// declaration, never the URL text, so every spelling the router accepts gets the same answer.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import type { Role, TokenRecord, TokenRepository } from "../store/tokens.js";
import { ApiErrors } from "./errors.js";

/** "public": no token at all (health, readiness, lineops's own /metrics). */
export type RouteRole = "public" | Role;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const ROUTE_ROLES: readonly RouteRole[] = ["public", "viewer", "operator", "admin"];

declare module "fastify" {
  interface FastifyRequest {
    principal?: TokenRecord;
  }
  interface FastifyContextConfig {
    /** Required on every route: who may call it. */
    role?: RouteRole;
    /** Media types a body may have (POST/PUT/PATCH/DELETE); omitted: the route takes no body. */
    accepts?: readonly string[];
    /** POST routes that only read (PromQL over a form body): not audited, may accept form bodies. */
    readOnly?: boolean;
    /** High-rate ingestion (remote write): only denied or failed calls are audited. */
    auditFailuresOnly?: boolean;
  }
}

/** One row of the server's route table, as registered (HEAD twins of GET routes included). */
export type RouteEntry = {
  method: string;
  url: string;
  role: RouteRole;
  /** Media types a body may have; empty for routes that take no body. */
  accepts: readonly string[];
  readOnly: boolean;
};

export const BODY_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Form bodies need no CORS preflight: only routes that read may take them. */
const FORM_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/**
 * Adds the onRoute hook that refuses undeclared routes and records the route table. Call it on the
 * root instance before any route is registered; routes registered earlier are not seen.
 */
export function declareRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook("onRoute", (route: RouteOptions) => {
    const config = (route.config ?? {}) as {
      role?: unknown;
      accepts?: readonly string[];
      readOnly?: boolean;
    };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const where = `${methods.join(",")} ${route.url}`;
    if (!ROUTE_ROLES.includes(config.role as RouteRole)) {
      throw ApiErrors.routeUndeclared(
        `route ${where} declares no role (config.role: ${ROUTE_ROLES.join(" | ")}); routes are denied by default`,
      );
    }
    const accepts = config.accepts ?? [];
    const form = accepts.find((t) => FORM_TYPES.has(t));
    if (form !== undefined && config.readOnly !== true) {
      throw ApiErrors.routeUndeclared(
        `route ${where} accepts ${form} but changes state: only readOnly routes may`,
      );
    }
    for (const method of methods) {
      table.push({
        method,
        url: route.url,
        role: config.role as RouteRole,
        accepts,
        readOnly: config.readOnly === true,
      });
    }
  });
}

/** The routes registered on `app` since declareRoutes(app): for tests and `lineops` docs. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
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
    // Unmatched requests run no handler: they get the same 404 with or without a token.
    if (request.is404) {
      return;
    }
    const need = request.routeOptions.config.role;
    if (need === "public") {
      return;
    }
    if (need === undefined) {
      // Unreachable while declareRoutes guards registration; fail closed if that ever changes.
      throw ApiErrors.forbidden("this route declares no role");
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
    if (!hasRole(principal.role, need)) {
      throw ApiErrors.forbidden(
        `this action needs the ${need} role; token "${principal.name}" is ${principal.role}`,
      );
    }
  };
}
