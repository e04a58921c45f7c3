// Authorization on the matched route: every route declares the least role it needs where it is
// registered (deny by default: an undeclared route fails registration), and the check reads that
// declaration, never the URL text, so every spelling the router accepts gets the same answer.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import type { ActiveSession, SessionRepository } from "../store/sessions.js";
import type { Role, TokenRepository } from "../store/tokens.js";
import { ApiErrors } from "./errors.js";
import { clearedSessionCookie, sessionIdsFromCookie } from "./session.js";

/** "public": no token at all (health, readiness, lineops's own /metrics). */
export type RouteRole = "public" | Role;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const ROUTE_ROLES: readonly RouteRole[] = ["public", "viewer", "operator", "admin"];

/**
 * Who is calling: an API token or a signed-in user. Both authorise the same way (their role); the
 * name is what the audit trail and "created by" fields show. `user` is the person behind the call:
 * the signed-in user, or the user a token belongs to (absent for service tokens), so an
 * acknowledgement or any other action can name a person (actingUser).
 */
export type Principal = {
  kind: "token" | "user";
  id: string;
  name: string;
  role: Role;
  user?: { id: string; name: string };
};

/** The person behind a request, if any: whom an acknowledgement, note or change is attributed to. */
export function actingUser(principal: Principal | undefined): { id: string; name: string } | undefined {
  return principal?.user;
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    /** Set when the request is authenticated by a session cookie (never with a bearer token). */
    session?: { id: string; state: ActiveSession };
    /** A line the audit record of this request carries (what was attempted), never a secret. */
    auditDetail?: string;
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

export type AuthOptions = {
  /** Sign-in sessions: the lineops_session cookie authenticates like a token of the user's role. */
  sessions?: SessionRepository;
  /** lineops serves TLS: a cookie it clears carries Secure, as the one it set did. */
  secure?: boolean;
};

/** The live session among the cookie's candidates, with its id. */
function sessionOf(
  sessions: SessionRepository,
  cookie: string | undefined,
): { id: string; state: ActiveSession } | undefined {
  for (const id of sessionIdsFromCookie(cookie)) {
    const state = sessions.lookup(id);
    if (state) {
      return { id, state };
    }
  }
  return undefined;
}

export function authHook(tokens: TokenRepository, opts: AuthOptions = {}) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
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
    // An Authorization header wins over a cookie: the caller chose that credential explicitly.
    if (
      request.headers.authorization === undefined &&
      opts.sessions &&
      request.headers.cookie !== undefined
    ) {
      const session = sessionOf(opts.sessions, request.headers.cookie);
      if (!session) {
        if (sessionIdsFromCookie(request.headers.cookie).length > 0) {
          void reply.header("set-cookie", clearedSessionCookie(opts.secure === true));
          throw ApiErrors.unauthorized("session expired or signed out: sign in again");
        }
      } else {
        const { user } = session.state;
        request.session = session;
        request.principal = {
          kind: "user",
          id: user.id,
          name: user.name,
          role: user.role,
          user: { id: user.id, name: user.name },
        };
        requireRole(request.principal, need, `user "${user.name}"`);
        return;
      }
    }
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      throw ApiErrors.unauthorized(
        "missing bearer token (Authorization: Bearer <token>) or session cookie (POST /api/v1/session)",
      );
    }
    const record = tokens.verify(token);
    if (!record) {
      throw ApiErrors.unauthorized("invalid or revoked token");
    }
    request.principal = {
      kind: "token",
      id: record.id,
      name: record.name,
      role: record.role,
      ...(record.user ? { user: record.user } : {}),
    };
    requireRole(request.principal, need, `token "${record.name}"`);
  };
}

function requireRole(principal: Principal, need: Role, who: string): void {
  if (!hasRole(principal.role, need)) {
    throw ApiErrors.forbidden(`this action needs the ${need} role; ${who} is ${principal.role}`);
  }
}
