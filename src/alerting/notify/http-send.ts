// One outgoing notification request over Prometheus's <http_config>: authorization, TLS, Go's
// redirect rules, a per-attempt timeout, and errors that never carry the URL (which often holds a
// token). The webhook notifier and the HTTP channels (Slack, PagerDuty, SMS) all send through this,
// so there is one HTTP path to get right.
import http from "node:http";
import https from "node:https";
import { VERSION } from "../../version.js";
import { AgentPool, authorizationHeader, type HttpClientConfig } from "./http-config.js";

export const USER_AGENT = `lineops/${VERSION}`;
/** Shown in errors instead of the URL, whose path or query often carries a token (Slack-style hooks). */
export const REDACTED_URL = "<redacted>";
/** Go's http.Client gives up after 10 redirects. */
const MAX_REDIRECTS = 10;
/** Enough of a response body to explain a failure or read a receipt, without holding a flood. */
const MAX_BODY_BYTES = 4096;

export type HttpResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

export type HttpPostOptions = {
  contentType: string;
  /** Extra request headers (signature, idempotency key). */
  headers?: Record<string, string>;
  /** Overrides the http_config's Authorization (e.g. an SMS gateway's own basic auth). */
  authorization?: string;
};

export class HttpSender {
  private readonly agents: AgentPool;

  /** `what` names the sender in a timeout error ("webhook", "slack"). */
  constructor(
    private readonly httpConfig: HttpClientConfig,
    private readonly timeoutMs: number,
    private readonly what = "webhook",
  ) {
    this.agents = new AgentPool(httpConfig.tlsConfig);
  }

  /**
   * The Authorization header http_config gives now (secret files are read on every request).
   * Throws HttpConfigError when a secret file cannot be read.
   */
  authorization(): string | undefined {
    return authorizationHeader(this.httpConfig);
  }

  /**
   * One POST, redirects followed as Go's client does. Throws on network failure, timeout or abort;
   * turn the error into text with describeFailure.
   */
  async post(url: URL, body: Buffer, options: HttpPostOptions, signal?: AbortSignal): Promise<HttpResponse> {
    const signals = [signal, this.timeoutMs > 0 ? AbortSignal.timeout(this.timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const attemptSignal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    let auth = options.authorization ?? this.authorization();
    let method = "POST";
    let payload: Buffer | undefined = body;
    let withUserinfo = true;
    for (let hop = 0; ; hop++) {
      const res = await this.request(url, method, payload, options, auth, withUserinfo, attemptSignal);
      const location = res.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && typeof location === "string";
      if (!redirect || this.httpConfig.followRedirects === false) {
        return res;
      }
      if (hop >= MAX_REDIRECTS) {
        throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
      }
      // Go's client: 307/308 repeat the POST with its body, 301/302/303 follow with a bodiless GET.
      if (res.status !== 307 && res.status !== 308) {
        method = "GET";
        payload = undefined;
      }
      const next = new URL(location, url);
      // Alertmanager's client re-adds credentials on every hop, wherever it leads; lineops keeps
      // them to the configured origin, as browsers and Go's bare client do, so a redirect cannot
      // hand the receiver's token to another host.
      if (next.origin !== url.origin) {
        auth = undefined;
        withUserinfo = false;
      }
      url = next;
    }
  }

  /** Why a post() threw, without any URL in the text. `outer` is the caller's own signal. */
  describeFailure(err: unknown, outer: AbortSignal | undefined): string {
    if (outer?.aborted) {
      return `delivery canceled: ${reasonText(outer.reason)}`;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.name === "TimeoutError" || e.name === "AbortError") {
      return `configured ${this.what} timeout reached (${this.timeoutMs}ms)`;
    }
    // Node's network errors name the address and the cause (ECONNREFUSED 127.0.0.1:9), never the
    // URL; an error from a redirect target could, so strip any URL-looking text to be sure.
    return (e.message || String(err)).replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, REDACTED_URL);
  }

  /** Closes idle keep-alive connections (call when the receiver is removed by a reload). */
  close(): void {
    this.agents.close();
  }

  private request(
    url: URL,
    method: string,
    body: Buffer | undefined,
    options: HttpPostOptions,
    auth: string | undefined,
    withUserinfo: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { "User-Agent": USER_AGENT };
    if (body !== undefined) {
      Object.assign(headers, options.headers ?? {});
      headers["Content-Type"] = options.contentType;
      headers["Content-Length"] = String(body.length);
    }
    if (auth !== undefined) {
      headers.Authorization = auth;
    } else if (withUserinfo && (url.username !== "" || url.password !== "")) {
      // Go's client sends basic auth from URL userinfo when nothing else sets Authorization.
      const user = decodeURIComponent(url.username);
      headers.Authorization = `Basic ${Buffer.from(`${user}:${decodeURIComponent(url.password)}`).toString("base64")}`;
    }
    const isHttps = url.protocol === "https:";
    const agent = this.agents.agentFor(url.protocol);
    const serverName = isHttps ? this.agents.serverName : undefined;
    const send = isHttps ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
          port: url.port,
          path: url.pathname + url.search,
          method,
          headers,
          agent,
          ...(serverName !== undefined ? { servername: serverName } : {}),
          ...(signal !== undefined ? { signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            // Drain everything so the connection can be reused; keep only the start.
            if (size < MAX_BODY_BYTES) {
              chunks.push(c);
            }
            size += c.length;
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8"),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
}

/** An http(s) URL, or an error that names the field and never the (secret) text. */
export function parseHttpUrl(text: string, field: string, makeError: (m: string) => Error): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw makeError(`${field} is not a valid absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw makeError(`${field} must use http or https, not ${url.protocol.replace(/:$/, "")}`);
  }
  return url;
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
