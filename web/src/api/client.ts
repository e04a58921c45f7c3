// The one way the app talks to lineops: same-origin fetch with the session cookie, Prometheus's
// JSON envelope {status, data, errorType, error} unwrapped into data or an ApiError, the CSRF token
// on every mutating call, a deadline on every request, and 401 handed to the sign-in redirect.

/** lineops's (and Prometheus's) wire envelope. `code` is lineops's stable error code. */
export type Envelope<T> =
  | { status: "success"; data: T; warnings?: string[] }
  | { status: "error"; errorType: string; error: string; code?: string };

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when no answer arrived (network, deadline). */
    readonly status: number,
    /** Prometheus's errorType ("bad_data", "unauthorized", ...) or the client's own ("network", "bad_response"). */
    readonly errorType: string,
    message: string,
    /** lineops's stable code (LINEOPS_ERR_...), when the server sent one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type RequestOptions = {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /** Default 30 s: the server bounds its own work, this bounds the wait for a lost answer. */
  timeoutMs?: number;
  /**
   * lineops's own routes (/api/v1/deployments, /services, ...) answer success with the bare JSON
   * and only errors in the envelope; false reads such an answer. Default true (Prometheus routes).
   */
  envelope?: boolean;
};

type ClientState = {
  csrfToken: string | undefined;
  onUnauthorized: ((err: ApiError) => void) | undefined;
};

const state: ClientState = { csrfToken: undefined, onUnauthorized: undefined };

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const DEFAULT_TIMEOUT_MS = 30_000;

/** The session's CSRF token, sent as X-CSRF-Token on every mutating call (undefined: none yet). */
export function setCsrfToken(token: string | undefined): void {
  state.csrfToken = token;
}

/** Called on a 401 from any call but the session's own (the app redirects to sign-in). */
export function onUnauthorized(handler: ((err: ApiError) => void) | undefined): void {
  state.onUnauthorized = handler;
}

export function apiUrl(path: string, query: RequestOptions["query"] = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) {
      params.set(k, String(v));
    }
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Calls `path` (an absolute path, "/api/v1/...") and returns the envelope's data, or throws an
 * ApiError carrying the server's errorType, message and code. `quiet401` leaves a 401 to the caller
 * (the session probe itself), instead of sending the user to sign-in.
 */
export async function api<T>(path: string, opts: RequestOptions = {}, quiet401 = false): Promise<T> {
  const method = opts.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
  }
  if (MUTATING.has(method) && state.csrfToken !== undefined) {
    headers["x-csrf-token"] = state.csrfToken;
  }
  const deadline = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), {
      method,
      headers,
      credentials: "same-origin",
      signal,
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
  } catch (err) {
    if (opts.signal?.aborted) {
      throw err; // the caller cancelled: not an error to show
    }
    const timedOut = deadline.aborted;
    throw new ApiError(
      0,
      timedOut ? "timeout" : "network",
      timedOut
        ? `no answer from lineops within ${Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s (${path})`
        : `lineops could not be reached (${path}): ${(err as Error).message}`,
    );
  }
  const decoded = await decode<T>(res, path, opts.envelope ?? true);
  if (decoded instanceof ApiError) {
    if (res.status === 401 && !quiet401) {
      state.onUnauthorized?.(decoded);
    }
    throw decoded;
  }
  return decoded.data;
}

async function decode<T>(res: Response, path: string, envelope: boolean): Promise<{ data: T } | ApiError> {
  const text = await res.text();
  let body: Envelope<T> | undefined;
  try {
    body = JSON.parse(text) as Envelope<T>;
  } catch {
    body = undefined;
  }
  if (!envelope && res.ok) {
    if (text === "" || body !== undefined) {
      return { data: body as T }; // 204: no content
    }
    return new ApiError(
      res.status,
      "bad_response",
      `${path} answered ${res.status} with text that is not JSON`,
    );
  }
  if (body === undefined || typeof body !== "object" || body === null || !("status" in body)) {
    return new ApiError(
      res.status,
      "bad_response",
      `${path} answered ${res.status} ${res.statusText} without lineops's JSON envelope${text ? `: ${text.slice(0, 200)}` : ""}`,
    );
  }
  if (body.status === "error" || !res.ok) {
    const e = body as Extract<Envelope<T>, { status: "error" }>;
    return new ApiError(
      res.status,
      e.errorType ?? "unknown",
      e.error ?? `${path} answered ${res.status}`,
      e.code,
    );
  }
  return { data: body.data };
}
