// Route schemas: every route declares its body, query string and path parameters once, as zod (the
// schemas of types.ts); handlers get the inferred types through the zod type provider, requests are
// checked by the validator compiler below and the OpenAPI document is generated from the same schemas.
import type {
  FastifyBaseLogger,
  FastifyContextConfig,
  FastifyInstance,
  FastifySchema,
  FastifySchemaCompiler,
} from "fastify";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteRole } from "./auth.js";
import { ApiErrors } from "./errors.js";

/** The server as routes see it: request parts typed from their zod schemas. */
export type ApiApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** "body.strategy.type: ..." / `body: unknown field "stratgy"`: the field first, as a client needs it. */
export function describeIssues(part: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = [part, ...issue.path.map(String)].join(".");
      return issue.code === "unrecognized_keys"
        ? `${path}: unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}`
        : `${path}: ${issue.message}`;
    })
    .join("; ");
}

/**
 * The server's one validator compiler: zod only (a JSON Schema left on a route fails registration),
 * no coercion, unknown body fields are errors (the body schemas are strict objects). Fastify's
 * default ajv both coerced ("version": 1 became "1") and dropped unknown fields (a misspelled
 * "stratgy" deployed with the default strategy). A bad body is LINEOPS_ERR_INVALID_FIELD; a bad
 * query string or path parameter keeps the LINEOPS_ERR_BAD_REQUEST it had under ajv.
 */
export const zodValidator: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart, method, url }) => {
  const part = httpPart ?? "body";
  if (!(schema instanceof z.ZodType)) {
    throw ApiErrors.routeUndeclared(`${method} ${url}: the ${part} schema must be zod (see api/types.ts)`);
  }
  const refuse = part === "body" ? ApiErrors.invalidField : ApiErrors.badRequest;
  return (data: unknown) => {
    const r = schema.safeParse(data);
    return r.success ? { value: r.data } : { error: refuse(describeIssues(part, r.error)) };
  };
};

/** What a route says about itself: who may call it (auth.ts), what body it takes, how it is documented. */
export type RouteDoc = {
  role: RouteRole;
  tag: string;
  summary: string;
  /** Media types of its body (body.ts); omitted: the route takes no body. */
  accepts?: readonly string[];
  /** A POST that only reads: not audited. */
  readOnly?: boolean;
};

/**
 * A route's options from its declaration and its zod request parts ({body, querystring, params});
 * the type provider infers the handler's request types from the parts.
 */
export function route<const S extends Omit<FastifySchema, "tags" | "summary">>(
  doc: RouteDoc,
  parts: S = {} as S,
): { config: FastifyContextConfig; schema: S & { tags: string[]; summary: string } } {
  const accepts = doc.accepts === undefined ? {} : { accepts: doc.accepts };
  return {
    config: { role: doc.role, ...accepts, ...(doc.readOnly === undefined ? {} : { readOnly: doc.readOnly }) },
    schema: Object.assign(
      { tags: [doc.tag], summary: doc.summary },
      doc.accepts === undefined ? {} : { consumes: [...doc.accepts] },
      parts,
    ),
  };
}
