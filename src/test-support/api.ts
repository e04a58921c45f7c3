// Calls a lineops's API in the test's own process through Fastify's inject: the same hooks,
// routes and error envelope as over HTTP, without a socket per request. Route-behaviour tests use
// it; transport tests (TLS, binding, Host over the wire) and the CLI's end-to-end tests keep HTTP.
import type { Lineops } from "../main.js";

export type ApiCall = {
  token?: string;
  /** Content-Type of the body; "" or absent sends none. */
  type?: string;
  /** Sent as is (a string or bytes) or as JSON (anything else, with Content-Type application/json). */
  body?: unknown;
  headers?: Record<string, string>;
};

export type ApiReply = {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  /** The body parsed as JSON, or {} when it is not JSON (text has it). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON of many shapes, asserted field by field
  body: Record<string, any>;
};

/** `api(method, url, call)` against `lineops` (resolved at call time, so it can start in beforeAll). */
export function injectApi(lineops: () => Pick<Lineops, "inject">) {
  return async (method: string, url: string, call: ApiCall = {}): Promise<ApiReply> => {
    const json = call.body !== undefined && typeof call.body !== "string" && !Buffer.isBuffer(call.body);
    const type = call.type ?? (json ? "application/json" : "");
    const res = await lineops().inject({
      method: method as "GET",
      url,
      headers: {
        ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
        ...(type ? { "content-type": type } : {}),
        ...call.headers,
      },
      ...(call.body === undefined
        ? {}
        : { payload: json ? JSON.stringify(call.body) : (call.body as string | Buffer) }),
    });
    let body: ApiReply["body"] = {};
    try {
      body = JSON.parse(res.body) as ApiReply["body"];
    } catch {
      // not JSON (health endpoints, /metrics): text has it
    }
    return { status: res.statusCode, headers: res.headers, text: res.body, body };
  };
}
