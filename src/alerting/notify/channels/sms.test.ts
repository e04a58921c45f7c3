import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type TestReceiver } from "../test-support/receiver.js";
import { SMS_BODY_MAX, SmsChannel } from "./sms.js";
import { alert, incident, notification, twilioFormShape } from "./test-support.js";

const SID = "AC0123456789abcdef0123456789abcdef";
const TOKEN = "tok-3f9a8b7c6d5e";
let receiver: TestReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("sms channel", () => {
  it("posts Twilio's Messages form with basic auth and takes the 201's sid as the receipt", async () => {
    receiver = await startReceiver(() => ({
      status: 201,
      body: JSON.stringify({ sid: "SM123", status: "queued" }),
    }));
    const ch = new SmsChannel("oncall/sms/0", {
      url: `http://127.0.0.1:${receiver.port}`,
      accountSid: SID,
      authToken: TOKEN,
      from: "+15005550006",
      to: "+15551234567",
    });
    const res = await ch.send(notification({ incident }));
    await ch.close();
    expect(res).toMatchObject({ ok: true, receipt: { type: "sms", detail: "HTTP 201 sid=SM123" } });
    const req = receiver.requests[0];
    expect(req?.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString("base64")}`);
    const form = twilioFormShape.parse(Object.fromEntries(new URLSearchParams(req?.body ?? "")));
    expect(form.To).toBe("+15551234567");
    expect(form.Body).toContain(incident.title);
    expect(form.Body).toContain(`Acknowledge: ${incident.ackUrl}`);
  });

  it("cuts the body to 1600 characters", async () => {
    receiver = await startReceiver(() => ({ status: 201, body: "{}" }));
    const ch = new SmsChannel("s", {
      url: receiver.url.replace(/\/hook$/, ""),
      accountSid: SID,
      authToken: TOKEN,
      from: "a",
      to: "b",
    });
    const long = notification({
      alerts: [alert({ alertname: "X" }, { annotations: { summary: "z".repeat(5000) } })],
    });
    await ch.send(long);
    await ch.close();
    const form = twilioFormShape.parse(
      Object.fromEntries(new URLSearchParams(receiver.requests[0]?.body ?? "")),
    );
    expect(form.Body.length).toBe(SMS_BODY_MAX);
    expect(form.Body.endsWith("…")).toBe(true);
  });

  it("a 401 is final and never shows the token; 503 is retriable", async () => {
    let answer = { status: 401, body: `{"message":"Authenticate ${TOKEN}"}` };
    receiver = await startReceiver(() => answer);
    const ch = new SmsChannel("s", {
      url: receiver.url,
      accountSid: SID,
      authToken: TOKEN,
      from: "a",
      to: "b",
    });
    const denied = await ch.send(notification());
    expect(denied).toMatchObject({ ok: false, retriable: false, status: 401 });
    expect(JSON.stringify(denied)).not.toContain(TOKEN);
    answer = { status: 503, body: "" };
    expect(await ch.send(notification())).toMatchObject({ ok: false, retriable: true });
    await ch.close();
  });
});
