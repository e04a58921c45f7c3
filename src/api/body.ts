// Request bodies: which media types a route takes (415 otherwise, before any parsing), JSON and YAML
// nesting bounded before the parser sees the text, and strict zod validation (no coercion, no
// silently dropped fields) for the routes that take JSON.
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  FastifySchemaCompiler,
} from "fastify";
import { z } from "zod";
import { BODY_METHODS } from "./auth.js";
import { ApiErrors } from "./errors.js";

/** Deeper nesting than this is refused before parsing: real bodies stay under 12 levels. */
export const MAX_BODY_DEPTH = 64;

export const JSON_TYPES = ["application/json"] as const;
export const YAML_TYPES = ["application/yaml", "text/yaml", "application/x-yaml"] as const;

/** Nesting of a JSON text, counted in one pass without parsing; stops counting past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) {
        i++; // backslash: skip the escaped character
      } else if (c === 0x22) {
        inString = false;
      }
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) {
          return max;
        }
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

const [LF, CR, SP, TAB, HASH, DQ, SQ, BS] = [10, 13, 32, 9, 35, 34, 39, 92];
const [LBRACKET, RBRACKET, LBRACE, RBRACE, COMMA, COLON, DASH, QMARK] = [91, 93, 123, 125, 44, 58, 45, 63];
const NONE = -1;
/** Characters after which a quote opens a quoted scalar (or a line start: NONE). */
const VALUE_START = new Set([NONE, SP, TAB, LBRACKET, LBRACE, COMMA, COLON, DASH, QMARK]);

/**
 * An upper bound on the nesting of a YAML text, from one pass over its characters: two levels per
 * indentation column on the stack (a block mapping and a sequence may share a column), one per
 * compact indicator ("- ", "? ", ": ") on the line, plus open flow brackets. It never counts less
 * than the parser nests — a quote only hides closing brackets, never opening ones — so it can
 * refuse a document before the parser recurses into it (100,000 "[" take 2 s and 110 MB there).
 * It over-counts brackets and indentation inside quoted and block scalars, which is harmless at 64.
 * One pass over char codes, no strings made: 1 MB of line.yaml scans in 27 ms once warm, next to
 * 22 ms for a bare loop over its characters (both measured at load average 15 on 2 cores).
 */
export function yamlDepth(text: string, limit = Infinity): number {
  const indents: number[] = [];
  const n = text.length;
  let flow = 0;
  let quote = 0;
  let max = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (text.charCodeAt(j) === SP) {
      j++;
    }
    const first = text.charCodeAt(j);
    if (quote === 0 && (j >= n || first === LF || first === CR || first === HASH)) {
      const nl = text.indexOf("\n", j);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    const indent = j - i;
    while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) {
      indents.pop();
    }
    indents.push(indent);
    let compact = 0;
    let prev = NONE;
    let depth = 2 * indents.length + flow;
    let grew = false;
    for (i = j; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === LF) {
        i++;
        break;
      }
      const next = i + 1 < n ? text.charCodeAt(i + 1) : LF;
      if (quote !== 0) {
        if (quote === DQ && c === BS) {
          i++;
        } else if (c === quote) {
          if (quote === SQ && next === SQ) {
            i++;
          } else {
            quote = 0;
          }
        } else if (c === LBRACKET || c === LBRACE) {
          flow++;
          grew = true;
        }
      } else if (c === HASH && (prev === NONE || prev === SP || prev === TAB)) {
        const nl = text.indexOf("\n", i);
        i = nl < 0 ? n : nl + 1;
        break;
      } else if ((c === DQ || c === SQ) && VALUE_START.has(prev)) {
        quote = c;
      } else if (c === LBRACKET || c === LBRACE) {
        flow++;
        grew = true;
      } else if ((c === RBRACKET || c === RBRACE) && flow > 0) {
        flow--;
      } else if (
        (c === DASH || c === QMARK || c === COLON) &&
        (next === SP || next === TAB || next === LF || next === CR)
      ) {
        compact++;
        grew = true;
      }
      prev = c;
      if (grew) {
        grew = false;
        depth = Math.max(depth, 2 * indents.length + compact + flow);
        if (depth > limit) {
          return depth;
        }
      }
    }
    max = Math.max(max, depth);
    if (max > limit) {
      return max;
    }
  }
  return max;
}

/**
 * Replaces Fastify's text/plain and JSON parsers and adds the YAML one: no route takes text/plain
 * (a POST that needs no CORS preflight), and JSON and YAML nesting is bounded before parsing.
 */
export function bodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser([...JSON_TYPES], { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (jsonDepth(text, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
      done(ApiErrors.bodyTooDeep(`JSON body nested deeper than ${MAX_BODY_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, text, done);
  });
  app.addContentTypeParser([...YAML_TYPES], { parseAs: "string" }, (_request, body, done) => {
    const text = body as string;
    if (yamlDepth(text, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
      done(ApiErrors.bodyTooDeep(`YAML body nested deeper than ${MAX_BODY_DEPTH} levels`), undefined);
      return;
    }
    done(null, text);
  });
}

const mediaType = (header: string | undefined): string =>
  (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/**
 * onRequest hook, after authentication: a body whose media type the matched route does not declare
 * is refused with 415 before it is read, so it never reaches a parser or a handler.
 */
export async function mediaTypeHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (request.is404 || !BODY_METHODS.has(request.method)) {
    return;
  }
  const accepts = request.routeOptions.config.accepts ?? [];
  const media = mediaType(request.headers["content-type"]);
  const hasBody =
    Number(request.headers["content-length"] ?? 0) > 0 || request.headers["transfer-encoding"] !== undefined;
  if (media === "" ? !hasBody : accepts.includes(media)) {
    return;
  }
  const route = `${request.method} ${request.routeOptions.url ?? ""}`;
  const got = media === "" ? "a body without Content-Type" : `Content-Type ${media}`;
  throw ApiErrors.unsupportedMediaType(
    accepts.length === 0
      ? `${route} takes no body; got ${got}`
      : `${route} accepts Content-Type ${accepts.join(" or ")}; got ${got}`,
  );
}

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
 * Route-level validator compiler for zod schemas: no coercion, unknown fields are errors (the
 * schemas are strict objects). Fastify's default ajv both coerces ("version": 1 became "1") and
 * drops unknown fields (a misspelled "stratgy" deployed with the default strategy).
 */
export const zodValidator: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  if (!(schema instanceof z.ZodType)) {
    throw ApiErrors.routeUndeclared(`zodValidator needs a zod schema for ${httpPart ?? "body"}`);
  }
  return (data: unknown) => {
    const r = schema.safeParse(data);
    return r.success
      ? { value: r.data }
      : { error: ApiErrors.invalidField(describeIssues(httpPart ?? "body", r.error)) };
  };
};
