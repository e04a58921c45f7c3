import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  alertStatus,
  encodeWebhookPayload,
  goTime,
  GO_ZERO_TIME,
  webhookPayload,
  type NotifyAlert,
  type WebhookPayloadInput,
} from "./payload.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const t = (iso: string) => Date.parse(iso);
const NOW = t("2026-12-03T14:35:53Z");

function group(alerts: NotifyAlert[], extra: Partial<WebhookPayloadInput> = {}): WebhookPayloadInput {
  return {
    receiver: "web.hook",
    groupKey: '{}:{alertname="Jam"}',
    groupLabels: { alertname: "Jam" },
    externalURL: "http://am.example:9093",
    alerts,
    ...extra,
  };
}

describe("webhookPayload against bodies a real Alertmanager 0.25 sent", () => {
  it("reproduces a group with a resolved and a firing alert byte for byte", () => {
    const payload = webhookPayload(
      group([
        {
          labels: { alertname: "Jam", station: "s2", line: "a" },
          annotations: { summary: "other", runbook: "r" },
          startsAt: t("2026-12-03T10:00:01Z"),
          endsAt: t("2026-12-03T10:00:02Z"),
        },
        {
          labels: { station: "s3", alertname: "Jam", line: "a" },
          annotations: { runbook: "r" },
          startsAt: t("2026-12-03T10:00:01Z"),
        },
      ]),
      { now: NOW },
    );
    expect(payload).not.toBeNull();
    expect(encodeWebhookPayload(payload!)).toBe(fixture("am-0.25-resolved-and-firing.golden"));
  });

  it("escapes <, >, &, U+2028 as Go does and prints fractional seconds without trailing zeros", () => {
    const payload = webhookPayload(
      group(
        [
          {
            labels: { alertname: "Jam3", station: "s1", line: "a", Zed: "x" },
            annotations: { summary: "a <b> & c \u2028 é", runbook: "r" },
            startsAt: t("2026-12-03T10:00:00.120Z"),
            generatorURL: "http://prom/graph?g0.expr=up&x=1",
          },
        ],
        { groupKey: '{}:{alertname="Jam3"}', groupLabels: { alertname: "Jam3" } },
      ),
      { now: NOW },
    );
    expect(encodeWebhookPayload(payload!)).toBe(fixture("am-0.25-escaping.golden"));
  });
});

describe("webhookPayload", () => {
  const firing = (station: string, extra: Partial<NotifyAlert> = {}): NotifyAlert => ({
    labels: { alertname: "Jam", station, line: station === "s3" ? "b" : "a" },
    annotations: { runbook: "r", summary: `jam at ${station}` },
    startsAt: t("2026-12-03T10:00:00Z"),
    ...extra,
  });

  it("keeps the first max_alerts alerts, counts the rest, and computes status and common labels over those sent", () => {
    const alerts = [
      firing("s1", { endsAt: t("2026-12-03T10:01:00Z") }),
      firing("s2", { endsAt: t("2026-12-03T10:01:00Z") }),
      firing("s3"),
    ];
    const p = webhookPayload(group(alerts), { now: NOW, maxAlerts: 2 })!;
    expect(p.alerts.map((a) => a.labels.station)).toEqual(["s1", "s2"]);
    expect(p.truncatedAlerts).toBe(1);
    // Only resolved alerts were sent, so the message is resolved although s3 still fires.
    expect(p.status).toBe("resolved");
    // s3 (line b) was cut, so line=a is common to what was sent.
    expect(p.commonLabels).toEqual({ alertname: "Jam", line: "a" });
    expect(p.commonAnnotations).toEqual({ runbook: "r" });
    expect(webhookPayload(group(alerts), { now: NOW, maxAlerts: 0 })!.truncatedAlerts).toBe(0);
    expect(webhookPayload(group(alerts), { now: NOW, maxAlerts: 3 })!.alerts).toHaveLength(3);
  });

  it("drops resolved alerts when send_resolved is off, and sends nothing for a fully resolved group", () => {
    const resolved = firing("s1", { endsAt: t("2026-12-03T10:01:00Z") });
    const p = webhookPayload(group([resolved, firing("s2")]), { now: NOW, sendResolved: false })!;
    expect(p.alerts.map((a) => a.labels.station)).toEqual(["s2"]);
    expect(p.status).toBe("firing");
    expect(webhookPayload(group([resolved]), { now: NOW, sendResolved: false })).toBeNull();
    expect(webhookPayload(group([resolved]), { now: NOW })!.status).toBe("resolved");
  });

  it("derives status from endsAt against now unless given, as Alertmanager's Resolved()", () => {
    const a = firing("s1", { endsAt: NOW });
    expect(alertStatus(a, NOW - 1)).toBe("firing");
    expect(alertStatus(a, NOW)).toBe("resolved");
    expect(alertStatus(firing("s1"), NOW)).toBe("firing");
    expect(alertStatus({ ...a, status: "firing" }, NOW + 1000)).toBe("firing");
    const p = webhookPayload(group([firing("s1", { endsAt: NOW + 60_000 })]), { now: NOW })!;
    expect(p.alerts[0]!.status).toBe("firing");
    expect(p.alerts[0]!.endsAt).toBe(goTime(NOW + 60_000));
  });

  it("has no common labels for an empty group and sorts keys as bytes, integer-like ones too", () => {
    const empty = webhookPayload(group([]), { now: NOW })!;
    expect(empty).toMatchObject({ status: "resolved", alerts: [], commonLabels: {}, commonAnnotations: {} });
    const p = webhookPayload(
      group([{ labels: { b: "1", "10": "x", "9": "y", B: "z" }, annotations: {}, startsAt: 0 }]),
      {
        now: NOW,
      },
    )!;
    expect(encodeWebhookPayload(p)).toContain('"labels":{"10":"x","9":"y","B":"z","b":"1"}');
  });

  it("writes an unpaired surrogate as U+FFFD, as Go writes invalid UTF-8", () => {
    const p = webhookPayload(
      group([{ labels: { a: "x\ud800y" }, annotations: { ok: "\ud83d\ude00" }, startsAt: 0 }]),
      {
        now: NOW,
      },
    )!;
    const body = encodeWebhookPayload(p);
    expect(body).toContain('"labels":{"a":"x\ufffdy"}');
    expect(body).toContain('"annotations":{"ok":"\ud83d\ude00"}');
  });

  it("quotes regexp metacharacters in the receiver name as Alertmanager does", () => {
    expect(webhookPayload(group([], { receiver: "team-a.pager (x)" }), { now: NOW })!.receiver).toBe(
      "team-a\\.pager \\(x\\)",
    );
  });

  it("rejects a bad max_alerts and non-finite times with a clear error", () => {
    expect(() => webhookPayload(group([]), { now: NOW, maxAlerts: -1 })).toThrow(/max_alerts/);
    expect(() =>
      webhookPayload(group([{ labels: {}, annotations: {}, startsAt: NaN }]), { now: NOW }),
    ).toThrow(/finite/);
  });

  it("prints times as Go's RFC3339Nano in UTC", () => {
    expect(goTime(0)).toBe("1970-01-01T00:00:00Z");
    expect(goTime(t("2026-12-03T10:00:00.100Z"))).toBe("2026-12-03T10:00:00.1Z");
    expect(goTime(t("2026-12-03T10:00:00.123Z"))).toBe("2026-12-03T10:00:00.123Z");
    expect(GO_ZERO_TIME).toBe("0001-01-01T00:00:00Z");
  });
});
