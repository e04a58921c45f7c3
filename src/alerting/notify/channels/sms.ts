// SMS through an HTTP gateway speaking Twilio's Messages API (Twilio itself, or any compatible
// gateway): one form POST per message, basic auth AccountSid:AuthToken, 201 with the message sid as
// the receipt. The text is the shared plain rendering cut to Twilio's 1600-character maximum.
import type { Channel, Notification, SendResult } from "../channel.js";
import { HttpConfigError, readSecret, type HttpClientConfig } from "../http-config.js";
import { HttpSender, parseHttpUrl, REDACTED_URL } from "../http-send.js";
import { isResolution, plainText, renderFacts, truncate } from "./render.js";
import { delivered, failed, httpFailure, scrub } from "./result.js";

export const TWILIO_API_URL = "https://api.twilio.com";
/** Twilio refuses a longer Body (it would be split into more than 10 segments). */
export const SMS_BODY_MAX = 1600;
/** An SMS is read on a phone: a few alerts, then "and N more". */
const SMS_LISTED_ALERTS = 3;

export type SmsConfig = {
  /** Gateway base URL; default TWILIO_API_URL. */
  url?: string;
  accountSid: string;
  /** A secret. Exactly one of authToken and authTokenFile. */
  authToken?: string;
  authTokenFile?: string;
  from: string;
  /** One number per config: a retry then re-sends to exactly the number that failed. */
  to: string;
  sendResolved?: boolean;
  timeoutMs?: number;
  httpConfig?: HttpClientConfig;
};

export function smsBody(n: Notification): string {
  return truncate(plainText(renderFacts(n), { maxAlerts: SMS_LISTED_ALERTS }), SMS_BODY_MAX);
}

export class SmsChannel implements Channel {
  readonly type = "sms" as const;
  private readonly http: HttpSender;
  private readonly url: URL;

  constructor(
    readonly name: string,
    private readonly config: SmsConfig,
    private readonly now: () => number = Date.now,
  ) {
    if ((config.authToken === undefined) === (config.authTokenFile === undefined)) {
      throw new HttpConfigError("sms: exactly one of auth_token and auth_token_file must be configured");
    }
    if (!/^[A-Za-z0-9]+$/.test(config.accountSid)) {
      throw new HttpConfigError("sms: account_sid must be letters and digits");
    }
    const base = parseHttpUrl(config.url ?? TWILIO_API_URL, "url", (m) => new HttpConfigError(m));
    this.url = new URL(
      `${base.pathname.replace(/\/$/, "")}/2010-04-01/Accounts/${config.accountSid}/Messages.json`,
      base,
    );
    this.http = new HttpSender(config.httpConfig ?? {}, config.timeoutMs ?? 0, "sms");
  }

  async send(n: Notification, signal?: AbortSignal): Promise<SendResult> {
    if (this.config.sendResolved === false && isResolution(n)) {
      return delivered(this, n.key, "not sent: send_resolved is off", this.now());
    }
    let token: string;
    try {
      token =
        this.config.authTokenFile !== undefined
          ? readSecret(this.config.authTokenFile, "auth_token_file")
          : (this.config.authToken ?? "");
    } catch (err) {
      return failed((err as Error).message, true);
    }
    const form = new URLSearchParams({ To: this.config.to, From: this.config.from, Body: smsBody(n) });
    const auth = `Basic ${Buffer.from(`${this.config.accountSid}:${token}`).toString("base64")}`;
    try {
      const res = await this.http.post(
        this.url,
        Buffer.from(form.toString()),
        { contentType: "application/x-www-form-urlencoded", authorization: auth },
        signal,
      );
      if (res.status >= 200 && res.status < 300) {
        return delivered(this, n.key, `HTTP ${res.status} sid=${sidOf(res.body) ?? "unknown"}`, this.now());
      }
      return httpFailure(res.status, scrub(res.body, [token]));
    } catch (err) {
      return failed(
        scrub(`Post "${REDACTED_URL}": ${this.http.describeFailure(err, signal)}`, [token]),
        true,
      );
    }
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

function sidOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { sid?: unknown };
    return typeof parsed.sid === "string" ? parsed.sid : undefined;
  } catch {
    return undefined;
  }
}
