// Admin routes: the audit trail and API tokens. Token plaintext appears once, in the create response.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ROLES } from "../../store/tokens.js";
import { JSON_TYPES, zodValidator } from "../body.js";
import type { ApiContext } from "../context.js";
import { ApiErrors } from "../errors.js";

const tokenBody = z.strictObject({
  // Names appear in the audit trail's actor column: printable, one line.
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}]+$/u, "must not contain control characters"),
  role: z.enum(ROLES),
});

export function adminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { limit: number; before?: number; actor?: string } }>(
    "/api/v1/audit",
    {
      config: { role: "admin" },
      schema: {
        tags: ["admin"],
        summary: "Audit records, newest first",
        querystring: {
          type: "object",
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            before: { type: "integer" },
            actor: { type: "string" },
          },
        },
      },
    },
    async (request) => ({
      records: ctx.audit.list({
        limit: request.query.limit,
        ...(request.query.before === undefined ? {} : { before: request.query.before }),
        ...(request.query.actor === undefined ? {} : { actor: request.query.actor }),
      }),
    }),
  );

  app.get(
    "/api/v1/tokens",
    { config: { role: "admin" }, schema: { tags: ["admin"], summary: "List tokens (never their values)" } },
    async () => ({ tokens: ctx.tokens.list() }),
  );

  app.post<{ Body: z.output<typeof tokenBody> }>(
    "/api/v1/tokens",
    {
      config: { role: "admin", accepts: JSON_TYPES },
      validatorCompiler: zodValidator,
      schema: {
        tags: ["admin"],
        summary: "Create a token; the value is returned only here",
        body: tokenBody,
      },
    },
    async (request, reply) => {
      const { token, record } = ctx.tokens.create(request.body.name, request.body.role);
      reply.code(201);
      return { ...record, token };
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/api/v1/tokens/:id",
    {
      config: { role: "admin" },
      schema: {
        tags: ["admin"],
        summary: "Revoke a token",
        params: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
      },
    },
    async (request) => {
      if (!ctx.tokens.revoke(request.params.id)) {
        throw ApiErrors.badRequest(`no live token with id "${request.params.id}"`);
      }
      return { revoked: request.params.id };
    },
  );
}
