// One control request to the data plane over its unix socket: JSON in, JSON (or text) out, bounded
// in time and in answer size. Connection failures reject with `unreachable: true`, so the client
// can tell "the data plane is gone" (respawn it) from "it refused the request" (report it).
import http from "node:http";

import { LineopsError } from "../../errors.js";
import type { ErrorType } from "../../errors.js";
import { DataPlaneErrors } from "./errors.js";
import type { ErrorBody } from "./protocol.js";

const MAX_ANSWER_BYTES = 8 << 20;

export class Unreachable extends Error {
  readonly unreachable = true;
}

export type ControlCall = {
  method: "GET" | "POST" | "PUT";
  path: string;
  body?: unknown;
  timeoutMs?: number;
};

/** The answer's text; a non-2xx answer rejects with the data plane's error (code and status kept). */
export function controlRequest(socketPath: string, call: ControlCall): Promise<string> {
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
  const timeoutMs = call.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, text?: string) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        if (err) {
          reject(err);
        } else {
          resolve(text ?? "");
        }
      }
    };
    const req = http.request(
      {
        socketPath,
        method: call.method,
        path: call.path,
        agent: false,
        headers: {
          host: "dataplane",
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy();
            finish(
              DataPlaneErrors.unavailable(
                `data plane answer to ${call.path} exceeds ${MAX_ANSWER_BYTES} bytes`,
              ),
            );
            return;
          }
          chunks.push(c);
        });
        res.on("error", (err) => finish(new Unreachable(`data plane connection lost: ${err.message}`)));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            finish(undefined, text);
            return;
          }
          let body: Partial<ErrorBody> = {};
          try {
            body = JSON.parse(text) as ErrorBody;
          } catch {
            // not our envelope: reported by status below
          }
          const message = body.error ?? `data plane answered ${status} to ${call.method} ${call.path}`;
          const code = (body.code ?? "LINEOPS_ERR_DATAPLANE_BAD_REQUEST") as `LINEOPS_ERR_${string}`;
          finish(new LineopsError(code, message, status, (body.errorType ?? "internal") as ErrorType));
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(new Unreachable(`data plane did not answer ${call.method} ${call.path} within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("error", (err) =>
      finish(new Unreachable(`data plane unreachable at ${socketPath}: ${err.message}`)),
    );
    req.end(payload);
  });
}

export function isUnreachable(err: unknown): err is Unreachable {
  return err instanceof Unreachable;
}
