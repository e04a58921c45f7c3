// Calls another line service through the URL lineops injected (its stable front door), with a
// timeout; an unset URL means "not wired" and the call is skipped so services also run standalone.
//
// node:http with one keep-alive agent rather than fetch: a work order makes three calls, and
// undici's fetch costs several times the CPU of http.request per call, which made the sample line
// (not lineops) the bottleneck of the deployment benchmark on a 2-core edge box.
import http from "node:http";
import type { Counter } from "prom-client";

export type DependencyOutcome = "ok" | "skipped" | "http_error" | "timeout" | "network_error";

/** A failed call to a dependency; `kind` lets callers answer 504 for timeouts and 502 otherwise. */
export class DependencyError extends Error {
  constructor(
    readonly dependency: string,
    readonly kind: Exclude<DependencyOutcome, "ok" | "skipped">,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "DependencyError";
  }
}

export type Dependency = {
  readonly name: string;
  readonly configured: boolean;
  /** POSTs JSON; resolves to the parsed 2xx body, or `undefined` when the dependency is not configured. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<unknown>;
};

/**
 * Idle pooled sockets are closed after 1 s, well before Node's default 5 s server keep-alive
 * timeout: a request written to a socket the server is closing for idleness fails with
 * "socket hang up", and a POST must not be retried.
 */
const agent = new http.Agent({ keepAlive: true, timeout: 1_000, maxFreeSockets: 64 });

type Answer = { status: number; text: string };

export function createDependency(opts: {
  name: string;
  baseUrl: string | undefined;
  timeoutMs?: number;
  calls?: Counter<"dependency" | "outcome">;
}): Dependency {
  const { name, baseUrl, timeoutMs = 2_000, calls } = opts;
  const count = (outcome: DependencyOutcome) => calls?.inc({ dependency: name, outcome });
  const fail = (kind: "timeout" | "network_error", err?: unknown) => {
    count(kind);
    return new DependencyError(
      name,
      kind,
      kind === "timeout"
        ? `${name} did not answer within ${timeoutMs} ms`
        : `${name} unreachable: ${describe(err)}`,
    );
  };
  return {
    name,
    configured: baseUrl !== undefined,
    async post(path, body, headers = {}) {
      if (baseUrl === undefined) {
        count("skipped");
        return undefined;
      }
      const { status, text } = await new Promise<Answer>((resolve, reject) => {
        const payload = JSON.stringify(body);
        let settled = false;
        const settle = (err: DependencyError | undefined, answer?: Answer) => {
          if (settled) {
            return;
          }
          settled = true;
          clearTimeout(timer);
          if (err) {
            req.destroy();
            reject(err);
          } else {
            resolve(answer as Answer);
          }
        };
        const req = http.request(
          baseUrl + path,
          {
            method: "POST",
            agent,
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(payload),
              ...headers,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
              settle(undefined, {
                status: res.statusCode ?? 0,
                text: Buffer.concat(chunks).toString("utf8"),
              }),
            );
            res.on("error", (err) => settle(fail("network_error", err)));
          },
        );
        // One deadline for connect, send and the whole answer (a body that trickles in too slowly).
        const timer = setTimeout(() => settle(fail("timeout")), timeoutMs);
        req.on("error", (err) => settle(fail("network_error", err)));
        req.end(payload);
      });
      if (status < 200 || status > 299) {
        count("http_error");
        throw new DependencyError(
          name,
          "http_error",
          `${name} answered ${status}: ${text.slice(0, 200)}`,
          status,
        );
      }
      count("ok");
      if (text === "") {
        return {};
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new DependencyError(
          name,
          "http_error",
          `${name} answered ${status} with a non-JSON body`,
          status,
        );
      }
    },
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return typeof code === "string" && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
