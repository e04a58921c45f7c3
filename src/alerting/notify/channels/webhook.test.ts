import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeWebhookPayload } from "../payload.js";
import { startReceiver, type TestReceiver } from "../test-support/receiver.js";
import { notification, T0 } from "./test-support.js";
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhookSignature,
  WebhookChannel,
} from "./webhook.js";

const SECRET = "s3cret-signing-key";
let receiver: TestReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("webhook channel", () => {
  it("posts the Alertmanager v4 body with a signature the receiver verifies and the idempotency key", async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    const now = T0 + 120_000;
    const ch = new WebhookChannel(
      "oncall/webhook/0",
      { url: receiver.url, signingSecret: SECRET },
      () => now,
    );
    const n = notification({ key: "inc-42/trigger/1" });
    const res = await ch.send(n);
    await ch.close();
    expect(res).toEqual({
      ok: true,
      receipt: {
        channel: "oncall/webhook/0",
        type: "webhook",
        key: "inc-42/trigger/1",
        at: now,
        detail: "HTTP 200",
      },
    });
    const req = receiver.requests[0];
    expect(req?.body).toBe(encodeWebhookPayload(n.payload));
    expect(JSON.parse(req?.body ?? "")).toMatchObject({ version: "4", status: "firing", receiver: "oncall" });
    expect(req?.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBe("inc-42/trigger/1");
    const header = req?.headers[SIGNATURE_HEADER.toLowerCase()];
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(
      verifyWebhookSignature({ body: req?.body ?? "", header, secrets: SECRET, nowMs: now + 5_000 }),
    ).toEqual({
      ok: true,
      timestamp: Math.floor(now / 1000),
    });
  });

  it("rejects a wrong secret, an altered body, an expired or missing signature with the reason", () => {
    const body = '{"a":1}\n';
    const t = 1_772_438_400;
    const header = signWebhook(body, SECRET, t);
    const at = t * 1000;
    expect(verifyWebhookSignature({ body, header, secrets: "other", nowMs: at })).toEqual({
      ok: false,
      reason: "signature does not match the body (wrong secret or altered body)",
    });
    expect(verifyWebhookSignature({ body: '{"a":2}\n', header, secrets: SECRET, nowMs: at }).ok).toBe(false);
    expect(verifyWebhookSignature({ body, header, secrets: SECRET, nowMs: at + 301_000 })).toEqual({
      ok: false,
      reason: "signature timestamp is 301s old, outside the 300s tolerance",
    });
    expect(
      verifyWebhookSignature({ body, header, secrets: SECRET, nowMs: at - 400_000, toleranceSeconds: 60 }),
    ).toEqual({
      ok: false,
      reason: "signature timestamp is 400s in the future, outside the 60s tolerance",
    });
    expect(verifyWebhookSignature({ body, header: undefined, secrets: SECRET })).toEqual({
      ok: false,
      reason: `missing ${SIGNATURE_HEADER} header`,
    });
    expect(verifyWebhookSignature({ body, header: "v1=abc", secrets: SECRET }).ok).toBe(false);
    expect(verifyWebhookSignature({ body, header: "t=1,v1=zz", secrets: SECRET })).toEqual({
      ok: false,
      reason: `malformed ${SIGNATURE_HEADER} header: no v1=<64 hex digits> signature`,
    });
    // Rotation: the receiver accepts the old and the new secret.
    expect(verifyWebhookSignature({ body, header, secrets: ["new", SECRET], nowMs: at }).ok).toBe(true);
  });

  it("reads the signing secret from its file on every message (rotation without reload)", async () => {
    receiver = await startReceiver(() => ({ status: 204 }));
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-sign-"));
    const file = path.join(dir, "secret");
    writeFileSync(file, "first\n");
    const ch = new WebhookChannel("w", { url: receiver.url, signingSecretFile: file });
    await ch.send(notification());
    writeFileSync(file, "second\n");
    await ch.send(notification({ key: "n-2" }));
    await ch.close();
    const [a, b] = receiver.requests;
    const check = (r: typeof a, secret: string) =>
      verifyWebhookSignature({
        body: r?.body ?? "",
        header: r?.headers["x-lineops-signature"],
        secrets: secret,
      }).ok;
    expect([check(a, "first"), check(b, "second"), check(b, "first")]).toEqual([true, true, false]);
  });

  it("classifies failures: 5xx and 429 retriable, other 4xx final, a refused connection retriable without the URL", async () => {
    let status = 503;
    receiver = await startReceiver(() => ({ status, body: "busy" }));
    const ch = new WebhookChannel("w", { url: `${receiver.url}?token=hidden` });
    expect(await ch.send(notification())).toMatchObject({ ok: false, retriable: true, status: 503 });
    status = 429;
    expect(await ch.send(notification())).toMatchObject({ ok: false, retriable: true, status: 429 });
    status = 400;
    expect(await ch.send(notification())).toMatchObject({ ok: false, retriable: false, status: 400 });
    const port = receiver.port;
    await receiver.close();
    receiver = undefined;
    const down = await new WebhookChannel("w", { url: `http://127.0.0.1:${port}/hook?token=hidden` }).send(
      notification(),
    );
    expect(down).toMatchObject({ ok: false, retriable: true });
    expect(JSON.stringify(down)).not.toContain("hidden");
    await ch.close();
  });

  it("applies max_alerts and send_resolved to the message it signs", async () => {
    receiver = await startReceiver();
    const ch = new WebhookChannel("w", { url: receiver.url, maxAlerts: 1, sendResolved: false });
    const n = notification({
      alerts: [
        { labels: { alertname: "A", station: "s1" }, annotations: {}, startsAt: T0 },
        { labels: { alertname: "A", station: "s2" }, annotations: {}, startsAt: T0 },
      ],
    });
    await ch.send(n);
    const body = JSON.parse(receiver.requests[0]?.body ?? "") as {
      alerts: unknown[];
      truncatedAlerts: number;
    };
    expect([body.alerts.length, body.truncatedAlerts]).toEqual([1, 1]);
    const resolved = notification({
      event: "resolve",
      alerts: [{ labels: { alertname: "A" }, annotations: {}, startsAt: T0, endsAt: T0 + 1000 }],
    });
    expect(await ch.send(resolved)).toMatchObject({
      ok: true,
      receipt: { detail: "not sent: send_resolved is off" },
    });
    expect(receiver.requests).toHaveLength(1);
    await ch.close();
  });
});
