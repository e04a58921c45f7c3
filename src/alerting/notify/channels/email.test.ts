import { mkdtempSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeCert, type TestCert } from "../../../test-support/tls.js";
import { EmailChannel, emailMessage, type EmailConfig } from "./email.js";
import { incident, notification } from "./test-support.js";

type Received = { from: string; to: string[]; raw: string; user?: string; secure: boolean };

/** A real SMTP server on a free loopback port: AUTH PLAIN/LOGIN, a refused and a greylisted mailbox. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}) {
  const mails: Received[] = [];
  const server = new SMTPServer({
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === "lineops" && auth.password === "pa55word") {
        cb(null, { user: auth.username });
      } else {
        cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      }
    },
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith("nobody@")) {
        cb(Object.assign(new Error("No such user"), { responseCode: 550 }));
      } else if (address.address.startsWith("busy@")) {
        cb(Object.assign(new Error("Mailbox busy, try later"), { responseCode: 451 }));
      } else {
        cb();
      }
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          ...(typeof session.user === "string" ? { user: session.user } : {}),
          secure: session.secure,
        });
        cb(null, "Message queued as 4711");
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let smtp: Awaited<ReturnType<typeof startSmtp>> | undefined;
let cert: TestCert;
beforeAll(() => {
  cert = makeCert(mkdtempSync(path.join(tmpdir(), "lineops-smtp-")), "smtp");
});
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const config = (port: number, over: Partial<EmailConfig> = {}): EmailConfig => ({
  to: "oncall@plant.test",
  from: "lineops@plant.test",
  smarthost: `127.0.0.1:${port}`,
  authUsername: "lineops",
  authPassword: "pa55word",
  requireTls: false,
  timeoutMs: 5000,
  ...over,
});

describe("email channel", () => {
  it("sends text and HTML parts over STARTTLS with AUTH; the receipt is the server's 250", async () => {
    smtp = await startSmtp({ key: readFileSync(cert.keyFile), cert: readFileSync(cert.certFile) });
    const ch = new EmailChannel(
      "oncall/email/0",
      config(smtp.port, { requireTls: true, tlsConfig: { caFile: cert.certFile } }),
    );
    const n = notification({ incident, key: "inc-42/trigger/1" });
    const res = await ch.send(n);
    await ch.close();
    expect(res).toMatchObject({ ok: true, receipt: { type: "email", key: "inc-42/trigger/1" } });
    expect(res.ok && res.receipt.detail).toMatch(/^SMTP 250 .*Message queued as 4711/);
    const mail = smtp.mails[0];
    expect(mail).toMatchObject({
      from: "lineops@plant.test",
      to: ["oncall@plant.test"],
      user: "lineops",
      secure: true,
    });
    const raw = mail?.raw ?? "";
    expect(raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(raw).toMatch(/Content-Type: text\/plain/);
    expect(raw).toMatch(/Content-Type: text\/html/);
    expect(raw).toContain(`Message-ID: ${emailMessage(n).messageId}`);
    expect(raw).toContain("X-Lineops-Idempotency-Key: inc-42/trigger/1");
    // The subject is RFC 2047-encoded (it has a non-ASCII separator): decode what the server got.
    const subject = decodeSubject(/^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1] ?? "");
    expect(subject).toBe(`[FIRING · high] ${incident.title}`);
    expect(unfoldQp(raw)).toContain(incident.ackUrl);
  });

  it("require_tls refuses a server without STARTTLS: final, nothing sent in the clear", async () => {
    smtp = await startSmtp({ disabledCommands: ["STARTTLS"] });
    const res = await new EmailChannel("e", config(smtp.port, { requireTls: true })).send(notification());
    expect(res).toMatchObject({ ok: false, retriable: false });
    expect(res.ok ? "" : res.error).toMatch(/STARTTLS/i);
    expect(smtp.mails).toHaveLength(0);
  });

  it("a rejected recipient (550) is final, a greylisting 451 retriable, a wrong password final and never shown", async () => {
    smtp = await startSmtp({ disabledCommands: ["STARTTLS"] });
    const rejected = await new EmailChannel("e", config(smtp.port, { to: "nobody@plant.test" })).send(
      notification(),
    );
    expect(rejected).toMatchObject({ ok: false, retriable: false, status: 550 });
    const busy = await new EmailChannel("e", config(smtp.port, { to: "busy@plant.test" })).send(
      notification(),
    );
    expect(busy).toMatchObject({ ok: false, retriable: true, status: 451 });
    const denied = await new EmailChannel("e", config(smtp.port, { authPassword: "wrong-pa55" })).send(
      notification(),
    );
    expect(denied).toMatchObject({ ok: false, retriable: false, status: 535 });
    expect(JSON.stringify(denied)).not.toContain("wrong-pa55");
    expect(smtp.mails).toHaveLength(0);
  });

  it("a server that is down is retriable", async () => {
    smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    smtp = undefined;
    expect(await new EmailChannel("e", config(port)).send(notification())).toMatchObject({
      ok: false,
      retriable: true,
    });
  });

  it("refuses a smarthost without a port at construction", () => {
    expect(() => new EmailChannel("e", config(25, { smarthost: "mail.plant.test" }))).toThrow(
      'email: smarthost "mail.plant.test" must be host:port',
    );
  });
});

/** RFC 2047 encoded words (B or Q), as mail clients decode a Subject. */
function decodeSubject(header: string): string {
  return header
    .replace(/\r\n[ \t]/g, " ")
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : Buffer.from(
            text
              .replace(/_/g, " ")
              .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            "latin1",
          ).toString("utf8"),
    );
}

/** Quoted-printable soft line breaks and =XX escapes undone, enough to find a URL in the body. */
function unfoldQp(raw: string): string {
  return raw
    .replace(/=\r\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}
