// Reads a JSON request body under a size limit and offers small validators, so malformed or
// oversized input becomes a 400/413 answer instead of an exception or unbounded buffering.
import type { IncomingMessage } from "node:http";
import { HttpError, badRequest } from "./http-error.js";

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Resolves to the parsed body (undefined for an empty body). Past the limit the rest is drained and
 * discarded, so the client still gets a clean 413; past 16x the limit the socket is destroyed instead
 * of reading on, which bounds the work a hostile client can cause.
 */
export function readJsonBody(req: IncomingMessage, limitBytes = DEFAULT_BODY_LIMIT_BYTES): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > 16 * limitBytes) {
    req.resume();
    return Promise.reject(tooLarge(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (!settled) {
        settled = true;
        reject(err);
      }
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > 16 * limitBytes) {
        fail(tooLarge(limitBytes));
        req.destroy();
      } else if (size <= limitBytes) {
        chunks.push(chunk);
      }
    });
    req.on("error", fail);
    req.on("end", () => {
      if (settled) {
        return;
      }
      if (size > limitBytes) {
        fail(tooLarge(limitBytes));
        return;
      }
      settled = true;
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") {
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(
          new HttpError(400, "invalid_json", `request body is not valid JSON: ${(err as Error).message}`),
        );
      }
    });
  });
}

function tooLarge(limitBytes: number) {
  return new HttpError(413, "payload_too_large", `request body exceeds ${limitBytes} bytes`);
}

/** The body as a plain object; an absent body counts as {} so optional-field routes accept no body. */
export function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined) {
    return {};
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

export function requireString(obj: Record<string, unknown>, key: string): string {
  const value = obj[key];
  if (typeof value === "string" && value.trim() !== "") {
    return value;
  }
  // Station ids travel as numbers from some callers; accept them but keep one string form.
  if (typeof value === "number" && Number.isFinite(value)) {
    return String(value);
  }
  throw badRequest(`"${key}" is required and must be a non-empty string`);
}

export function optionalString(obj: Record<string, unknown>, key: string): string | undefined {
  return obj[key] === undefined ? undefined : requireString(obj, key);
}

export function optionalNonNegativeInt(obj: Record<string, unknown>, key: string): number | undefined {
  const value = obj[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw badRequest(`"${key}" must be a non-negative integer`);
  }
  return value;
}
