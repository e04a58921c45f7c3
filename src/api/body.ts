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

const VALUE_START = new Set(["", " ", "\t", "[", "{", ",", ":", "-", "?"]);

/**
 * An upper bound on the nesting of a YAML text, from one pass over its lines: two levels per
 * indentation column on the stack (a block mapping and a sequence may share a column), one per
 * compact indicator ("- ", "? ", ": ") on the line, plus open flow brackets. It never counts less
 * than the parser nests — a quote only hides closing brackets, never opening ones — so it can
 * refuse a document before the parser recurses into it (100,000 "[" take 2 s and 110 MB there).
 * It over-counts brackets and indentation inside quoted and block scalars, which is harmless at 64.
 */
export function yamlDepth(text: string, limit = Infinity): number {
  const indents: number[] = [];
  let flow = 0;
  let quote = "";
  let max = 0;
  for (const line of text.split("\n")) {
    let i = 0;
    while (line[i] === " ") {
      i++;
    }
    if (quote === "" && (i === line.length || line[i] === "#" || line[i] === "\r")) {
      continue;
    }
    while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= i) {
      indents.pop();
    }
    indents.push(i);
    let compact = 0;
    let prev = "";
    for (; i < line.length; i++) {
      const c = line[i] ?? "";
      const next = line[i + 1] ?? " ";
      if (quote !== "") {
        if (quote === '"' && c === "\\") {
          i++;
        } else if (c === quote) {
          if (quote === "'" && next === "'") {
            i++;
          } else {
            quote = "";
          }
        } else if (c === "[" || c === "{") {
          flow++;
        }
      } else if (c === "#" && (prev === "" || prev === " " || prev === "\t")) {
        break;
      } else if ((c === '"' || c === "'") && VALUE_START.has(prev)) {
        quote = c;
      } else if (c === "[" || c === "{") {
        flow++;
      } else if ((c === "]" || c === "}") && flow > 0) {
        flow--;
      } else if ((c === "-" || c === "?" || c === ":") && (next === " " || next === "\t" || next === "\r")) {
        compact++;
      }
      prev = c;
      max = Math.max(max, 2 * indents.length + compact + flow);
      if (max > limit) {
        return max;
      }
    }
    max = Math.max(max, 2 * indents.length + compact + flow);
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
