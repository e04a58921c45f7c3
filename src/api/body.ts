// Request bodies: which media types a route takes (415 otherwise, before any parsing), and JSON and
// YAML nesting bounded before the parser sees the text. Their fields are checked by validation.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { MAX_YAML_DEPTH, yamlShape } from "../config/yaml-shape.js";
import { BODY_METHODS } from "./auth.js";
import { ApiErrors } from "./errors.js";

/** Deeper nesting than this is refused before parsing: real bodies stay under 12 levels. */
export const MAX_BODY_DEPTH = MAX_YAML_DEPTH;

/**
 * What a YAML body may hold, checked before the yaml package parses it. Keys: its duplicate-key
 * check compares each key with every earlier one of its mapping (8,000 keys in one mapping took
 * 1.3 s, a 1 MB body of keys minutes). Nodes: parsing and validating 10,000 sequence items took
 * 1 s; the lexer itself, ~3 µs a token, is stopped there too. Aliases: the loader's maxAliasCount,
 * refused before any work. (Times at load 13-15 on 2 cores.) Nodes and keys are set so the largest
 * body admitted parses in well under 100 ms of event loop (20,000 nodes took 220-470 ms at load 6):
 * the example line.yaml, six services, has depth 14, 122 keys and 454 nodes, so these limits fit
 * lines of some 50 services.
 */
export const YAML_LIMITS = { depth: MAX_BODY_DEPTH, keys: 1000, aliases: 100, nodes: 4000 } as const;

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

/**
 * Replaces Fastify's text/plain and JSON parsers and adds the YAML one: no route takes text/plain
 * (a POST that needs no CORS preflight), and JSON and YAML nesting is bounded before parsing.
 */
export function bodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser([...JSON_TYPES], { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (text === "") {
      // No body: the route's schema decides whether one was needed (400 naming "body" if so).
      done(null, undefined);
      return;
    }
    if (jsonDepth(text, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
      done(ApiErrors.bodyTooDeep(`JSON body nested deeper than ${MAX_BODY_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, text, done);
  });
  app.addContentTypeParser([...YAML_TYPES], { parseAs: "string" }, (_request, body, done) => {
    const text = body as string;
    const shape = yamlShape(text, YAML_LIMITS);
    if (shape.depth > YAML_LIMITS.depth) {
      done(ApiErrors.bodyTooDeep(`YAML body nested deeper than ${YAML_LIMITS.depth} levels`), undefined);
    } else if (shape.keys > YAML_LIMITS.keys) {
      done(ApiErrors.bodyTooComplex(`YAML body has more than ${YAML_LIMITS.keys} mapping keys`), undefined);
    } else if (shape.nodes > YAML_LIMITS.nodes) {
      done(ApiErrors.bodyTooComplex(`YAML body has more than ${YAML_LIMITS.nodes} nodes`), undefined);
    } else if (shape.aliases > YAML_LIMITS.aliases) {
      done(ApiErrors.bodyTooComplex(`YAML body has more than ${YAML_LIMITS.aliases} aliases`), undefined);
    } else {
      done(null, text);
    }
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
  // An empty body carries nothing to a handler, whatever its header says (fetch and curl -H often
  // send Content-Type: application/json on a bodyless POST).
  if (!hasBody || accepts.includes(media)) {
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
