// Admin routes: the audit trail and API tokens. Token plaintext appears once, in the create response.
import { JSON_TYPES } from "../body.js";
import type { ApiContext } from "../context.js";
import { ApiErrors } from "../errors.js";
import {
  auditQuery,
  idParams,
  tokenBody,
  type AuditResponse,
  type CreatedToken,
  type RevokedToken,
  type TokensResponse,
} from "../types.js";
import { route, type ApiApp } from "../validation.js";

const admin = (summary: string, accepts?: readonly string[]) => ({
  role: "admin" as const,
  tag: "admin",
  summary,
  ...(accepts ? { accepts } : {}),
});

export function adminRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    "/api/v1/audit",
    route(admin("Audit records, newest first"), { querystring: auditQuery }),
    async ({ query }): Promise<AuditResponse> => ({
      records: ctx.audit.list({
        limit: query.limit,
        ...(query.before === undefined ? {} : { before: query.before }),
        ...(query.actor === undefined ? {} : { actor: query.actor }),
      }),
    }),
  );

  app.get(
    "/api/v1/tokens",
    route(admin("List tokens (never their values)")),
    async (): Promise<TokensResponse> => ({ tokens: ctx.tokens.list() }),
  );

  app.post(
    "/api/v1/tokens",
    route(admin("Create a token; the value is returned only here", JSON_TYPES), { body: tokenBody }),
    async (request, reply): Promise<CreatedToken> => {
      const { name, role, user: userName } = request.body;
      const user = userName === undefined ? undefined : ctx.users.get(userName);
      if (userName !== undefined && !user) {
        throw ApiErrors.invalidField(`body.user: no user named ${JSON.stringify(userName)}`);
      }
      const { token, record } = ctx.tokens.create(name, role, user && { id: user.id, name: user.name });
      reply.code(201);
      return { ...record, token };
    },
  );

  app.delete(
    "/api/v1/tokens/:id",
    route(admin("Revoke a token"), { params: idParams }),
    async ({ params }): Promise<RevokedToken> => {
      if (!ctx.tokens.revoke(params.id)) {
        throw ApiErrors.badRequest(`no live token with id "${params.id}"`);
      }
      return { revoked: params.id };
    },
  );
}
