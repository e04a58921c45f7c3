// Calls another line service through the URL lineops injected (its stable front door), with a
// timeout; an unset URL means "not wired" and the call is skipped so services also run standalone.
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

export function createDependency(opts: {
  name: string;
  baseUrl: string | undefined;
  timeoutMs?: number;
  calls?: Counter<"dependency" | "outcome">;
}): Dependency {
  const { name, baseUrl, timeoutMs = 2_000, calls } = opts;
  const count = (outcome: DependencyOutcome) => calls?.inc({ dependency: name, outcome });
  return {
    name,
    configured: baseUrl !== undefined,
    async post(path, body, headers = {}) {
      if (baseUrl === undefined) {
        count("skipped");
        return undefined;
      }
      let res: Response;
      let text: string;
      try {
        res = await fetch(baseUrl + path, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        // Inside the try: the timeout also covers a body that trickles in too slowly.
        text = await res.text();
      } catch (err) {
        const timedOut = err instanceof Error && err.name === "TimeoutError";
        count(timedOut ? "timeout" : "network_error");
        throw new DependencyError(
          name,
          timedOut ? "timeout" : "network_error",
          timedOut
            ? `${name} did not answer within ${timeoutMs} ms`
            : `${name} unreachable: ${describe(err)}`,
        );
      }
      if (!res.ok) {
        count("http_error");
        throw new DependencyError(
          name,
          "http_error",
          `${name} answered ${res.status}: ${text.slice(0, 200)}`,
          res.status,
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
          `${name} answered ${res.status} with a non-JSON body`,
          res.status,
        );
      }
    },
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    // undici hides the useful part (ECONNREFUSED...) in `cause`.
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
