// The webhook channel: Alertmanager's v4 message, byte for byte, through the webhook notifier's
// HTTP path, plus what Alertmanager does not send — an HMAC-SHA256 signature over a timestamp and
// the exact body, and the idempotency key — so a receiver can prove the message is lineops's, is
// fresh, and is not a retry of one it already handled.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Channel, Notification, SendResult } from "../channel.js";
import { readSecret } from "../http-config.js";
import type { WebhookAlert, WebhookPayload } from "../payload.js";
import { WebhookNotifier, type WebhookConfig } from "../webhook.js";
import { isResolution } from "./render.js";
import { delivered, failed } from "./result.js";

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; several v1 entries while a secret rotates. */
export const SIGNATURE_HEADER = "X-Lineops-Signature";
/** The notification's idempotency key: the same on every retry of one message. */
export const IDEMPOTENCY_HEADER = "Idempotency-Key";
/** trigger | acknowledge | resolve | flood */
export const EVENT_HEADER = "X-Lineops-Event";
/** Five minutes, the window Stripe and Slack use: long enough for clock skew, short enough against replays. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type WebhookChannelConfig = WebhookConfig & {
  /** HMAC key; a secret. At most one of signingSecret and signingSecretFile. */
  signingSecret?: string;
  /** Read on every message so the secret can be rotated without a reload. */
  signingSecretFile?: string;
};

/** The signature header value for `body` sent at `unixSeconds`. */
export function signWebhook(body: string | Buffer, secret: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, body)}`;
}

function hmac(secret: string, t: number, body: string | Buffer): string {
  return createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex");
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Checks a received webhook: the header parses, its timestamp is within `toleranceSeconds` of
 * `nowMs`, and one v1 signature matches one of `secrets` (old and new while rotating). Compare in
 * constant time so the signature cannot be guessed byte by byte.
 */
export function verifyWebhookSignature(input: {
  body: string | Buffer;
  header: string | string[] | undefined;
  secrets: string | readonly string[];
  toleranceSeconds?: number;
  nowMs?: number;
}): VerifyResult {
  const header = Array.isArray(input.header) ? input.header.join(",") : input.header;
  if (header === undefined || header.trim() === "") {
    return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  }
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (eq < 0) {
      return { ok: false, reason: `malformed ${SIGNATURE_HEADER} header: expected t=<unix>,v1=<hex>` };
    }
    if (k === "t") {
      t = /^\d{1,12}$/.test(v) ? Number(v) : NaN;
    } else if (k === "v1" && /^[0-9a-f]{64}$/i.test(v)) {
      signatures.push(v.toLowerCase());
    }
  }
  if (t === undefined || Number.isNaN(t)) {
    return { ok: false, reason: `malformed ${SIGNATURE_HEADER} header: no valid t=<unix seconds>` };
  }
  if (signatures.length === 0) {
    return { ok: false, reason: `malformed ${SIGNATURE_HEADER} header: no v1=<64 hex digits> signature` };
  }
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const age = Math.floor((input.nowMs ?? Date.now()) / 1000) - t;
  if (Math.abs(age) > tolerance) {
    return {
      ok: false,
      reason: `signature timestamp is ${age > 0 ? `${age}s old` : `${-age}s in the future`}, outside the ${tolerance}s tolerance`,
    };
  }
  const secrets = typeof input.secrets === "string" ? [input.secrets] : input.secrets;
  for (const secret of secrets) {
    const expected = Buffer.from(hmac(secret, t, input.body), "hex");
    for (const s of signatures) {
      if (timingSafeEqual(expected, Buffer.from(s, "hex"))) {
        return { ok: true, timestamp: t };
      }
    }
  }
  return { ok: false, reason: "signature does not match the body (wrong secret or altered body)" };
}

export class WebhookChannel implements Channel {
  readonly type = "webhook" as const;
  private readonly notifier: WebhookNotifier;

  constructor(
    readonly name: string,
    private readonly config: WebhookChannelConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.notifier = new WebhookNotifier(config);
  }

  async send(n: Notification, signal?: AbortSignal): Promise<SendResult> {
    if (this.config.sendResolved === false && isResolution(n)) {
      return delivered(this, n.key, "not sent: send_resolved is off", this.now());
    }
    let secret: string | undefined;
    try {
      secret =
        this.config.signingSecretFile !== undefined
          ? readSecret(this.config.signingSecretFile, "signing_secret_file")
          : this.config.signingSecret;
    } catch (err) {
      // A mounted secret may appear later.
      return failed((err as Error).message, true);
    }
    const headers = (body: Buffer): Record<string, string> => ({
      [IDEMPOTENCY_HEADER]: n.key,
      [EVENT_HEADER]: n.event,
      ...(secret !== undefined && secret !== ""
        ? { [SIGNATURE_HEADER]: signWebhook(body, secret, Math.floor(this.now() / 1000)) }
        : {}),
    });
    const res = await this.notifier.notify(
      limitAlerts(n.payload, this.config.maxAlerts ?? 0),
      signal,
      headers,
    );
    if (res.error === undefined) {
      return delivered(this, n.key, `HTTP ${res.status ?? 200}`, this.now());
    }
    // The notifier follows Alertmanager (only 5xx retried); a channel also retries 408 and 429.
    const retriable = res.retry || res.status === 429 || res.status === 408;
    return failed(res.error, retriable, res.status);
  }

  async close(): Promise<void> {
    this.notifier.close();
  }
}

/** max_alerts on an already built message: keep the first N, count the rest as truncated. */
function limitAlerts(p: WebhookPayload, max: number): WebhookPayload {
  if (max <= 0 || p.alerts.length <= max) {
    return p;
  }
  const alerts = p.alerts.slice(0, max);
  return {
    ...p,
    alerts,
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    truncatedAlerts: p.truncatedAlerts + p.alerts.length - max,
  };
}

function common(sets: WebhookAlert["labels"][]): Record<string, string> {
  const [first, ...rest] = sets;
  return Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every((s) => s[k] === v)));
}
