import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type TestReceiver } from "../test-support/receiver.js";
import { PAGERDUTY_SUMMARY_MAX, PagerDutyChannel, pagerDutyDedupKey } from "./pagerduty.js";
import { alert, incident, notification, pagerDutyEventShape } from "./test-support.js";

const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefabcdef";
let receiver: TestReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** PagerDuty's answer to an accepted event. */
const accepted = (body: string) => {
  const dedup = (JSON.parse(body) as { dedup_key: string }).dedup_key;
  return {
    status: 202,
    body: JSON.stringify({ status: "success", message: "Event processed", dedup_key: dedup }),
  };
};

describe("pagerduty channel", () => {
  it("triggers, acknowledges and resolves one PagerDuty alert with the incident's dedup_key", async () => {
    receiver = await startReceiver((r) => accepted(r.body));
    const ch = new PagerDutyChannel("oncall/pagerduty/0", {
      routingKey: ROUTING_KEY,
      url: `http://127.0.0.1:${receiver.port}/v2/enqueue`,
    });
    const results = [];
    for (const event of ["trigger", "acknowledge", "resolve"] as const) {
      results.push(await ch.send(notification({ event, incident, key: `inc-42/${event}` })));
    }
    await ch.close();
    const events = receiver.requests.map((r) => pagerDutyEventShape.parse(JSON.parse(r.body)));
    expect(receiver.requests.every((r) => r.path === "/v2/enqueue")).toBe(true);
    expect(events.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ["trigger", "lineops-incident-inc-42"],
      ["acknowledge", "lineops-incident-inc-42"],
      ["resolve", "lineops-incident-inc-42"],
    ]);
    expect(events[0]).toMatchObject({
      routing_key: ROUTING_KEY,
      client: "lineops",
      payload: { severity: "error", source: "l1/s3", group: "l1" },
      links: [
        { href: incident.url, text: "Incident in lineops" },
        { href: incident.ackUrl, text: "Acknowledge in lineops" },
      ],
    });
    expect(events[1]?.payload).toBeUndefined();
    expect(results.map((r) => (r.ok ? r.receipt.detail : r.error))).toEqual([
      "HTTP 202 dedup_key=lineops-incident-inc-42",
      "HTTP 202 dedup_key=lineops-incident-inc-42",
      "HTTP 202 dedup_key=lineops-incident-inc-42",
    ]);
  });

  it("without an incident the dedup_key is the group's, the same on every retry; summary capped at 1024", async () => {
    receiver = await startReceiver((r) => accepted(r.body));
    const ch = new PagerDutyChannel("p", { routingKey: ROUTING_KEY, url: receiver.url });
    const n = notification({
      alerts: [
        alert({ alertname: "X", severity: "warning" }, { annotations: { summary: "s".repeat(3000) } }),
      ],
    });
    await ch.send(n);
    await ch.send(n);
    await ch.close();
    const [a, b] = receiver.requests.map((r) => pagerDutyEventShape.parse(JSON.parse(r.body)));
    expect(a?.dedup_key).toBe(pagerDutyDedupKey(n));
    expect(a?.dedup_key).toMatch(/^[0-9a-f]{64}$/);
    expect(b?.dedup_key).toBe(a?.dedup_key);
    expect(a?.payload?.summary.length).toBe(PAGERDUTY_SUMMARY_MAX);
    expect(a?.payload?.severity).toBe("warning");
  });

  it("400 (bad event) is final, 429 retriable, and the routing key never appears in an error", async () => {
    let answer = {
      status: 400,
      body: JSON.stringify({ status: "invalid event", errors: [`bad key ${ROUTING_KEY}`] }),
    };
    receiver = await startReceiver(() => answer);
    const ch = new PagerDutyChannel("p", { routingKey: ROUTING_KEY, url: receiver.url });
    const bad = await ch.send(notification());
    expect(bad).toMatchObject({ ok: false, retriable: false, status: 400 });
    expect(JSON.stringify(bad)).not.toContain(ROUTING_KEY);
    answer = { status: 429, body: "" };
    expect(await ch.send(notification())).toMatchObject({ ok: false, retriable: true, status: 429 });
    await ch.close();
  });
});
