import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type TestReceiver } from "../test-support/receiver.js";
import { SLACK_LIMITS, SlackChannel, slackMessage, type SlackBlock } from "./slack.js";
import { alert, incident, notification, slackMessageShape } from "./test-support.js";

let receiver: TestReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const textOf = (b: SlackBlock | undefined): string => {
  const t = b?.text as { text?: string } | undefined;
  return t?.text ?? "";
};

describe("slack channel", () => {
  it("posts a Block Kit message with title, priority, station, summary and the acknowledgement button", async () => {
    receiver = await startReceiver(() => ({ status: 200, body: "ok" }));
    const ch = new SlackChannel("ops/slack/0", {
      apiUrl: `${receiver.url}/T000/B000/XXX`,
      channel: "#line-1",
    });
    const n = notification({
      incident,
      alerts: [alert({ alertname: "StationDown", line: "l1", station: "s3" })],
    });
    const res = await ch.send(n);
    await ch.close();
    expect(res).toMatchObject({ ok: true, receipt: { type: "slack", detail: "HTTP 200 ok" } });
    const req = receiver.requests[0];
    expect(req?.headers["content-type"]).toBe("application/json; charset=utf-8");
    const msg = slackMessageShape.parse(JSON.parse(req?.body ?? ""));
    expect(msg.channel).toBe("#line-1");
    expect(textOf(msg.blocks[0])).toContain(incident.title);
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain("*Priority*\\nhigh");
    expect(all).toContain("*Station*\\ns3");
    expect(all).toContain("plc-gateway");
    const actions = msg.blocks.find((b) => b.type === "actions") as {
      elements: { url: string; text: { text: string } }[];
    };
    expect(actions.elements.map((e) => [e.text.text, e.url])).toEqual([
      ["Acknowledge", incident.ackUrl],
      ["Open incident", incident.url],
    ]);
  });

  it("keeps within Slack's limits: header 150, section 3000, 50 blocks, 'and N more' for alerts left out", () => {
    const long = "x".repeat(5000);
    const alerts = Array.from({ length: 300 }, (_, i) =>
      alert({ alertname: "Starved", station: `s${i}` }, { annotations: { summary: long } }),
    );
    const n = notification({ alerts, groupLabels: { alertname: "Starved", reason: "y".repeat(400) } });
    const msg = slackMessageShape.parse(slackMessage(n));
    expect(textOf(msg.blocks[0]).length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    expect(textOf(msg.blocks[0]).endsWith("…")).toBe(true);
    const list = msg.blocks.map(textOf).find((t) => t.includes("more_")) ?? "";
    expect(list).toMatch(/_and \d+ more_$/);
    const shown = list.split("\n").length - 1;
    expect(list).toContain(`_and ${300 - shown} more_`);
    expect(msg.blocks.every((b) => textOf(b).length <= SLACK_LIMITS.sectionText)).toBe(true);
  });

  it("escapes Slack's control characters so a label cannot inject a link or mention", () => {
    const n = notification({
      alerts: [alert({ alertname: "X" }, { annotations: { summary: "<!channel> & <http://evil|click>" } })],
    });
    const all = JSON.stringify(slackMessage(n).blocks);
    expect(all).toContain("&lt;!channel&gt; &amp; &lt;http://evil|click&gt;");
    expect(all).not.toContain("<!channel>");
  });

  it("does not send resolved notifications unless send_resolved (Alertmanager's slack default)", async () => {
    receiver = await startReceiver();
    const ch = new SlackChannel("s", { apiUrl: receiver.url });
    expect(await ch.send(notification({ event: "resolve" }))).toMatchObject({ ok: true });
    expect(receiver.requests).toHaveLength(0);
    await ch.close();
  });

  it("a revoked hook (404 no_service) is final, a Slack outage retriable; the URL never shows", async () => {
    let answer = { status: 404, body: "no_service" };
    receiver = await startReceiver(() => answer);
    const ch = new SlackChannel("s", { apiUrl: `${receiver.url}/T/B/sekrit` });
    const revoked = await ch.send(notification());
    expect(revoked).toEqual({
      ok: false,
      retriable: false,
      status: 404,
      error: "unexpected status code 404: no_service",
    });
    answer = { status: 503, body: "" };
    expect(await ch.send(notification())).toMatchObject({ ok: false, retriable: true });
    await ch.close();
    const port = receiver.port;
    await receiver.close();
    receiver = undefined;
    const down = await new SlackChannel("s", { apiUrl: `http://127.0.0.1:${port}/T/B/sekrit` }).send(
      notification(),
    );
    expect(down.ok).toBe(false);
    expect(JSON.stringify(down)).not.toContain("sekrit");
  });
});
