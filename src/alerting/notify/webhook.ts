// One Alertmanager <webhook_config>: a single POST attempt of a group's message, classified as
// Alertmanager's webhook notifier does (2xx delivered, 5xx and network errors worth retrying,
// anything else final). Retrying is deliver()'s job.
import { readFileSync } from "node:fs";
import { type HttpClientConfig, HttpConfigError, validateHttpConfig } from "./http-config.js";
import { HttpSender, parseHttpUrl, REDACTED_URL, USER_AGENT } from "./http-send.js";
import {
  encodeWebhookPayload,
  webhookPayload,
  type WebhookPayload,
  type WebhookPayloadInput,
} from "./payload.js";

export { REDACTED_URL, USER_AGENT };

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

/** Enough of an error body to explain the failure without flooding the log. */
const MAX_ERROR_BODY_BYTES = 1024;

export class WebhookNotifier {
  private readonly http: HttpSender;
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
    this.http = new HttpSender(config.httpConfig ?? {}, this.timeoutMs);
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

  /**
   * One POST of the message. Never throws; `signal` aborts the attempt (the delivery deadline).
   * `headers` adds request headers computed from the exact body sent (a signature).
   */
  async notify(
    payload: WebhookPayload,
    signal?: AbortSignal,
    headers?: (body: Buffer) => Record<string, string>,
  ): Promise<NotifyResult> {
    let url: URL;
    let auth: string | undefined;
    try {
      url = this.currentUrl();
      auth = this.http.authorization();
    } catch (err) {
      // A missing url_file or secret file may appear later (a mounted secret): worth retrying.
      return { retry: true, error: (err as Error).message };
    }
    const body = Buffer.from(encodeWebhookPayload(payload));
    try {
      const res = await this.http.post(
        url,
        body,
        {
          contentType: "application/json",
          ...(headers ? { headers: headers(body) } : {}),
          ...(auth !== undefined ? { authorization: auth } : {}),
        },
        signal,
      );
      if (res.status >= 200 && res.status < 300) {
        return { retry: false, status: res.status };
      }
      const details = Buffer.from(res.body).subarray(0, MAX_ERROR_BODY_BYTES).toString("utf8").trim();
      return {
        retry: res.status >= 500 && res.status < 600,
        status: res.status,
        error: `unexpected status code ${res.status}${details === "" ? "" : `: ${details}`}`,
      };
    } catch (err) {
      return { retry: true, error: `Post "${REDACTED_URL}": ${this.http.describeFailure(err, signal)}` };
    }
  }

  /** Closes idle keep-alive connections (call when the receiver is removed by a reload). */
  close(): void {
    this.http.close();
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
}

function parseUrl(text: string, field: string): URL {
  // The text itself is a secret: the error says what is wrong, not what it is.
  return parseHttpUrl(text, field, (m) => new HttpConfigError(m));
}
