// One Alertmanager <webhook_config>: a single POST attempt of a group's message, classified as
// Alertmanager's webhook notifier does (2xx delivered, 5xx and network errors worth retrying,
// anything else final). Retrying is deliver()'s job.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { VERSION } from "../../version.js";
import {
  AgentPool,
  authorizationHeader,
  type HttpClientConfig,
  HttpConfigError,
  validateHttpConfig,
} from "./http-config.js";
import {
  encodeWebhookPayload,
  webhookPayload,
  type WebhookPayload,
  type WebhookPayloadInput,
} from "./payload.js";

export type WebhookConfig = {
  /** A secret: never logged, never in an error. Exactly one of url and urlFile. */
  url?: string;
  /** Read on every notification, as Alertmanager does, so the file can be rotated. */
  urlFile?: string;
  /** Default true. */
  sendResolved?: boolean;
  /** 0 (default) sends every alert. */
  maxAlerts?: number;
  /** Per attempt; 0 (default) means none, the delivery deadline still applies. */
  timeoutMs?: number;
  httpConfig?: HttpClientConfig;
};

/** The outcome of one attempt. `error` is absent exactly when the receiver answered 2xx. */
export type NotifyResult = { retry: boolean; status?: number; error?: string };

/** Shown in errors instead of the URL, whose path or query often carries a token (Slack-style hooks). */
export const REDACTED_URL = "<redacted>";
/** Go's http.Client gives up after 10 redirects. */
const MAX_REDIRECTS = 10;
/** Enough of an error body to explain the failure without flooding the log. */
const MAX_ERROR_BODY_BYTES = 1024;

export const USER_AGENT = `lineops/${VERSION}`;

export class WebhookNotifier {
  private readonly agents: AgentPool;
  private readonly timeoutMs: number;

  constructor(private readonly config: WebhookConfig) {
    if (
      (config.url === undefined || config.url === "") ===
      (config.urlFile === undefined || config.urlFile === "")
    ) {
      throw new HttpConfigError(
        config.url || config.urlFile
          ? "at most one of url & url_file must be configured"
          : "one of url or url_file must be configured",
      );
    }
    if (config.url !== undefined) {
      parseUrl(config.url, "url");
    }
    const maxAlerts = config.maxAlerts ?? 0;
    if (!Number.isInteger(maxAlerts) || maxAlerts < 0) {
      throw new HttpConfigError(`max_alerts must be a non-negative integer, got ${String(maxAlerts)}`);
    }
    this.timeoutMs = config.timeoutMs ?? 0;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs < 0) {
      throw new HttpConfigError(`timeout must be a non-negative duration, got ${String(config.timeoutMs)}`);
    }
    validateHttpConfig(config.httpConfig ?? {});
    this.agents = new AgentPool(config.httpConfig?.tlsConfig);
  }

  get sendResolved(): boolean {
    return this.config.sendResolved ?? true;
  }

  /**
   * The message this receiver sends for a group, with its send_resolved and max_alerts applied;
   * null when send_resolved is off and nothing in the group is firing (count that as delivered).
   */
  payload(input: WebhookPayloadInput, now: number): WebhookPayload | null {
    return webhookPayload(input, {
      now,
      maxAlerts: this.config.maxAlerts ?? 0,
      sendResolved: this.sendResolved,
    });
  }

  /** One POST of the message. Never throws; `signal` aborts the attempt (the delivery deadline). */
  async notify(payload: WebhookPayload, signal?: AbortSignal): Promise<NotifyResult> {
    let url: URL;
    let auth: string | undefined;
    try {
      url = this.currentUrl();
      auth = authorizationHeader(this.config.httpConfig ?? {});
    } catch (err) {
      // A missing url_file or secret file may appear later (a mounted secret): worth retrying.
      return { retry: true, error: (err as Error).message };
    }
    const signals = [signal, this.timeoutMs > 0 ? AbortSignal.timeout(this.timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const attemptSignal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    const body = Buffer.from(encodeWebhookPayload(payload));
    try {
      const res = await this.post(url, body, auth, attemptSignal);
      if (res.status >= 200 && res.status < 300) {
        return { retry: false, status: res.status };
      }
      const details = res.body.trim();
      return {
        retry: res.status >= 500 && res.status < 600,
        status: res.status,
        error: `unexpected status code ${res.status}${details === "" ? "" : `: ${details}`}`,
      };
    } catch (err) {
      return { retry: true, error: `Post "${REDACTED_URL}": ${this.describeFailure(err, signal)}` };
    }
  }

  /** Closes idle keep-alive connections (call when the receiver is removed by a reload). */
  close(): void {
    this.agents.close();
  }

  private currentUrl(): URL {
    if (this.config.urlFile !== undefined && this.config.urlFile !== "") {
      let text: string;
      try {
        text = readFileSync(this.config.urlFile, "utf8").trim();
      } catch (err) {
        throw new HttpConfigError(`read url_file: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
      }
      if (text === "") {
        throw new HttpConfigError("webhook URL is empty");
      }
      return parseUrl(text, "url_file");
    }
    return parseUrl(this.config.url ?? "", "url");
  }

  private describeFailure(err: unknown, outer: AbortSignal | undefined): string {
    if (outer?.aborted) {
      return `delivery canceled: ${reasonText(outer.reason)}`;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.name === "TimeoutError" || e.name === "AbortError") {
      return `configured webhook timeout reached (${this.timeoutMs}ms)`;
    }
    // Node's network errors name the address and the cause (ECONNREFUSED 127.0.0.1:9), never the
    // URL; an error from a redirect target could, so strip any URL-looking text to be sure.
    return (e.message || String(err)).replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, REDACTED_URL);
  }

  private async post(url: URL, body: Buffer, auth: string | undefined, signal: AbortSignal | undefined) {
    let method = "POST";
    let payload: Buffer | undefined = body;
    let withUserinfo = true;
    for (let hop = 0; ; hop++) {
      const res = await this.request(url, method, payload, auth, withUserinfo, signal);
      const location = res.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && typeof location === "string";
      if (!redirect || this.config.httpConfig?.followRedirects === false) {
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

  private request(
    url: URL,
    method: string,
    body: Buffer | undefined,
    auth: string | undefined,
    withUserinfo: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const headers: Record<string, string> = { "User-Agent": USER_AGENT };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
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
            // Drain everything so the connection can be reused; keep only the start for errors.
            if (size < MAX_ERROR_BODY_BYTES) {
              chunks.push(c);
            }
            size += c.length;
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString("utf8"),
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

function parseUrl(text: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The text itself is a secret: say what is wrong, not what it is.
    throw new HttpConfigError(`${field} is not a valid absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HttpConfigError(`${field} must use http or https, not ${url.protocol.replace(/:$/, "")}`);
  }
  return url;
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
