// Email over SMTP with nodemailer: one message with a text and an HTML part, STARTTLS required by
// default as Alertmanager's require_tls, SMTP AUTH, and the server's 250 reply as the receipt. A
// Message-ID derived from the idempotency key lets mail systems and clients spot a retried copy.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { Channel, Notification, SendResult } from "../channel.js";
import { HttpConfigError, readSecret } from "../http-config.js";
import { isResolution, plainText, renderFacts, truncate, type NotificationFacts } from "./render.js";
import { delivered, failed, scrub } from "./result.js";

/** Long enough for a slow relay's greeting and DATA, short of the outbox's own deadline. */
const DEFAULT_TIMEOUT_MS = 15_000;
/** RFC 5322 allows longer folded lines, but clients show ~80; keep subjects readable. */
const SUBJECT_MAX = 200;

export type EmailConfig = {
  /** Comma-separated addresses, as Alertmanager's `to`. */
  to: string;
  from: string;
  /** host:port */
  smarthost: string;
  /** EHLO name; default "localhost" as Alertmanager. */
  hello?: string;
  authUsername?: string;
  /** A secret. At most one of authPassword and authPasswordFile. */
  authPassword?: string;
  authPasswordFile?: string;
  /** Default true: refuse to send unless the server offers STARTTLS (port 465: implicit TLS). */
  requireTls?: boolean;
  tlsConfig?: { caFile?: string; serverName?: string; insecureSkipVerify?: boolean };
  /** Alertmanager's email default: false. */
  sendResolved?: boolean;
  timeoutMs?: number;
};

export type EmailMessage = { subject: string; text: string; html: string; messageId: string };

export function parseSmarthost(smarthost: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(smarthost);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) {
    throw new HttpConfigError(`email: smarthost ${JSON.stringify(smarthost)} must be host:port`);
  }
  return { host: (m[1] ?? "").replace(/^\[(.*)\]$/, "$1"), port };
}

export function emailMessage(n: Notification): EmailMessage {
  const f = renderFacts(n);
  const digest = createHash("sha256").update(n.key).digest("hex").slice(0, 40);
  return {
    subject: truncate(`[${f.statusText.toUpperCase()} · ${f.priority}] ${f.title}`, SUBJECT_MAX),
    text: plainText(f, { maxAlerts: 50 }),
    html: emailHtml(f),
    messageId: `<${digest}@lineops>`,
  };
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

const COLORS: Record<string, string> = {
  critical: "#8b0000",
  high: "#c62828",
  medium: "#ef6c00",
  low: "#f9a825",
};

function emailHtml(f: NotificationFacts): string {
  const color = f.event === "resolve" ? "#2e7d32" : (COLORS[f.priority] ?? "#555");
  const rows = [
    ["Status", f.statusText],
    ["Priority", f.priority],
    ...(f.severity !== undefined ? [["Severity", f.severity]] : []),
    ...(f.line !== undefined ? [["Line", f.line]] : []),
    ...(f.station !== undefined ? [["Station", f.station]] : []),
    ...(f.rootCause ? [["Probable root cause", `${f.rootCause.service}: ${f.rootCause.reason}`]] : []),
  ]
    .map(
      ([k, v]) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${esc(k ?? "")}</th><td>${esc(v ?? "")}</td></tr>`,
    )
    .join("");
  const shown = f.alerts.slice(0, 50);
  const alerts = shown
    .map(
      (a) =>
        `<li><strong>${a.status === "firing" ? "FIRING" : "resolved"}</strong> ${esc(a.name)}` +
        `${a.summary ? ` — ${esc(a.summary)}` : ""}${a.generatorURL ? ` (<a href="${esc(a.generatorURL)}">source</a>)` : ""}</li>`,
    )
    .join("");
  const more = f.alerts.length - shown.length + f.truncated;
  const links = [
    f.ackUrl
      ? `<a href="${esc(f.ackUrl)}" style="display:inline-block;padding:8px 16px;background:${color};color:#fff;text-decoration:none;border-radius:4px">Acknowledge</a>`
      : "",
    f.incidentUrl ? `<a href="${esc(f.incidentUrl)}">Open incident</a>` : "",
  ]
    .filter((s) => s !== "")
    .join(" &nbsp; ");
  return (
    `<!doctype html><html><body style="font-family:sans-serif;color:#222">` +
    `<h2 style="border-left:6px solid ${color};padding-left:8px">${esc(f.title)}</h2>` +
    `<p>${esc(f.summary)}</p><table>${rows}</table>` +
    (alerts ? `<ul>${alerts}</ul>` : "") +
    (more > 0 ? `<p>and ${more} more</p>` : "") +
    (links ? `<p>${links}</p>` : "") +
    `</body></html>`
  );
}

export class EmailChannel implements Channel {
  readonly type = "email" as const;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly name: string,
    private readonly config: EmailConfig,
    private readonly now: () => number = Date.now,
  ) {
    ({ host: this.host, port: this.port } = parseSmarthost(config.smarthost));
    if (config.authPassword !== undefined && config.authPasswordFile !== undefined) {
      throw new HttpConfigError(
        "email: at most one of auth_password and auth_password_file must be configured",
      );
    }
    if (config.to.trim() === "" || config.from.trim() === "") {
      throw new HttpConfigError("email: to and from must be set");
    }
  }

  async send(n: Notification, signal?: AbortSignal): Promise<SendResult> {
    if (this.config.sendResolved !== true && isResolution(n)) {
      return delivered(this, n.key, "not sent: send_resolved is off", this.now());
    }
    let password: string | undefined;
    let ca: string | undefined;
    try {
      password =
        this.config.authPasswordFile !== undefined
          ? readSecret(this.config.authPasswordFile, "auth_password_file")
          : this.config.authPassword;
      const caFile = this.config.tlsConfig?.caFile;
      ca = caFile !== undefined ? readFileSync(caFile, "utf8") : undefined;
    } catch (err) {
      return failed((err as Error).message, true);
    }
    const timeout =
      this.config.timeoutMs && this.config.timeoutMs > 0 ? this.config.timeoutMs : DEFAULT_TIMEOUT_MS;
    const requireTls = this.config.requireTls ?? true;
    const implicitTls = this.port === 465;
    const options: SMTPTransport.Options = {
      host: this.host,
      port: this.port,
      secure: implicitTls,
      // Alertmanager: require_tls demands STARTTLS; without it no upgrade is attempted at all.
      requireTLS: requireTls && !implicitTls,
      ignoreTLS: !requireTls && !implicitTls,
      name: this.config.hello ?? "localhost",
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      tls: {
        rejectUnauthorized: this.config.tlsConfig?.insecureSkipVerify !== true,
        ...(ca !== undefined ? { ca } : {}),
        ...(this.config.tlsConfig?.serverName !== undefined
          ? { servername: this.config.tlsConfig.serverName }
          : {}),
      },
      ...(this.config.authUsername !== undefined
        ? { auth: { user: this.config.authUsername, pass: password ?? "" } }
        : {}),
    };
    const transport = nodemailer.createTransport(options);
    const m = emailMessage(n);
    const sending = transport.sendMail({
      from: this.config.from,
      to: this.config.to,
      subject: m.subject,
      text: m.text,
      html: m.html,
      messageId: m.messageId,
      headers: { "X-Lineops-Idempotency-Key": n.key, "X-Lineops-Event": n.event },
    });
    try {
      const info = await abortable(sending, signal);
      const rejected = (info.rejected ?? []).length;
      return delivered(
        this,
        n.key,
        `SMTP ${String(info.response).trim()}${rejected > 0 ? ` (${rejected} recipient(s) rejected)` : ""}`,
        this.now(),
      );
    } catch (err) {
      return smtpFailure(err, signal, [password]);
    } finally {
      transport.close();
    }
  }

  async close(): Promise<void> {
    // Each send opens and closes its own connection.
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) {
    return p;
  }
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

type SmtpError = Error & { code?: string; responseCode?: number; response?: string };

/**
 * 5xx replies are permanent (a rejected recipient, failed AUTH): resending cannot help. 4xx replies
 * (greylisting, mailbox busy) and network failures are transient.
 */
function smtpFailure(
  err: unknown,
  signal: AbortSignal | undefined,
  secrets: (string | undefined)[],
): SendResult {
  if (signal?.aborted) {
    return failed(
      `delivery canceled: ${String(signal.reason instanceof Error ? signal.reason.message : signal.reason)}`,
      true,
    );
  }
  const e = err as SmtpError;
  const code = e.responseCode;
  const text = scrub(`${e.code ? `${e.code}: ` : ""}${e.message}`, secrets);
  if (code !== undefined && code >= 500) {
    return failed(text, false, code);
  }
  return failed(text, true, code);
}
