// Sign-in, who-am-I and sign-out for the web app: a session cookie (HttpOnly, SameSite=Strict,
// Secure under TLS) and the CSRF token its changes must carry. A failed sign-in never says whether
// the name exists: an unknown or disabled user costs the same argon2 verification as a wrong password.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ActiveSession } from "../../store/sessions.js";
import { JSON_TYPES } from "../body.js";
import type { ApiContext } from "../context.js";
import { refuseCrossSite } from "../csrf.js";
import { ApiErrors } from "../errors.js";
import { verifyNobody, verifyPassword } from "../password.js";
import { clearedSessionCookie, csrfTokenFor, sessionCookie } from "../session.js";
import type { SignInLimiter } from "../sign-in-limiter.js";
import { signInBody, type SessionResponse, type SignedOutResponse } from "../types.js";
import { route, type ApiApp, type RouteDoc } from "../validation.js";

export type SessionRouteOptions = {
  limiter: SignInLimiter;
  /** lineops serves TLS: the cookie is Secure. */
  secure: boolean;
};

const doc = (role: RouteDoc["role"], summary: string, accepts?: readonly string[]): RouteDoc => ({
  role,
  tag: "session",
  summary,
  ...(accepts ? { accepts } : {}),
});

const answer = (id: string, session: ActiveSession): SessionResponse => ({
  status: "success",
  data: { user: { name: session.user.name, role: session.user.role }, csrfToken: csrfTokenFor(id) },
});

/** The request's session, or 401: these routes are about sessions, a bearer token has none. */
function sessionOf(request: FastifyRequest): { id: string; state: ActiveSession } {
  if (!request.session) {
    throw ApiErrors.unauthorized("no session: this request is not signed in with the session cookie");
  }
  return request.session;
}

export function sessionRoutes(app: ApiApp, ctx: ApiContext, opts: SessionRouteOptions): void {
  const { users, sessions } = ctx;
  const setCookie = (reply: FastifyReply, value: string) => void reply.header("set-cookie", value);

  app.post(
    "/api/v1/session",
    route(doc("public", "Sign in with a user name and password: sets the session cookie", JSON_TYPES), {
      body: signInBody,
    }),
    async (request, reply): Promise<SessionResponse> => {
      // Login CSRF: another site must not sign a browser in to an account of its choosing.
      refuseCrossSite(request);
      const { username, password } = request.body;
      // JSON.stringify: the attempted name goes into the audit detail escaped, on one line.
      request.auditDetail = `sign-in as ${JSON.stringify(username)}`;
      const address = request.ip;
      const wait = opts.limiter.waitMs(address, username);
      if (wait > 0) {
        request.auditDetail += ": throttled";
        throw ApiErrors.tooManyRequests(
          `too many failed sign-ins from this address or for this name; try again in ${Math.ceil(wait / 1000)} s`,
          { retryAfterSeconds: wait / 1000 },
        );
      }
      const user = users.credentials(username);
      const ok =
        user && !user.disabled
          ? await verifyPassword(user.passwordHash, password)
          : await verifyNobody(password);
      if (!ok || !user) {
        opts.limiter.failed(address, username);
        request.auditDetail += ": failed";
        throw ApiErrors.unauthorized("wrong user name or password");
      }
      opts.limiter.succeeded(username);
      const { id, session } = sessions.create(user);
      request.principal = { kind: "user", id: user.id, name: user.name, role: user.role };
      setCookie(reply, sessionCookie(id, session.absoluteExpiresAt - session.createdAt, opts.secure));
      // The browser must not keep a copy of the answer that carries the CSRF token.
      void reply.header("cache-control", "no-store");
      return answer(id, session);
    },
  );

  app.get(
    "/api/v1/session",
    route(doc("viewer", "The signed-in user and the session's CSRF token (401 without a session)")),
    async (request, reply): Promise<SessionResponse> => {
      const { id, state } = sessionOf(request);
      void reply.header("cache-control", "no-store");
      return answer(id, state);
    },
  );

  app.delete(
    "/api/v1/session",
    route(doc("viewer", "Sign out: ends the session (needs X-CSRF-Token)")),
    async (request, reply): Promise<SignedOutResponse> => {
      const { id } = sessionOf(request);
      sessions.end(id);
      setCookie(reply, clearedSessionCookie(opts.secure));
      return { status: "success", data: {} };
    },
  );
}
