import { describe, expect, it } from "vitest";
import { plainText, priorityOf, renderFacts, truncate } from "./render.js";
import { alert, incident, notification, T0 } from "./test-support.js";

describe("shared rendering", () => {
  it("titles a group as Alertmanager does and an incident by its own title", () => {
    const n = notification({
      groupLabels: { alertname: "Starved", line: "l1" },
      alerts: [
        alert({ alertname: "Starved", line: "l1", station: "s1" }),
        alert({ alertname: "Starved", line: "l1", station: "s2" }),
      ],
    });
    const f = renderFacts(n);
    expect(f.title).toBe("[FIRING:2] Starved line=l1");
    expect(f.alerts.map((a) => a.name)).toEqual(["Starved {station=s1}", "Starved {station=s2}"]);
    expect(f.summary).toBe("2 firing alerts");
    expect(f.line).toBe("l1");
    expect(renderFacts(notification({ incident })).title).toBe(incident.title);
  });

  it("takes the priority from the incident, a priority label, or the severity", () => {
    expect(priorityOf(notification({ incident }))).toBe("high");
    expect(
      priorityOf(
        notification({ alerts: [alert({ alertname: "A", priority: "low", severity: "critical" })] }),
      ),
    ).toBe("low");
    expect(priorityOf(notification({ alerts: [alert({ alertname: "A", severity: "critical" })] }))).toBe(
      "high",
    );
    expect(priorityOf(notification({ alerts: [alert({ alertname: "A", severity: "warning" })] }))).toBe(
      "medium",
    );
    expect(priorityOf(notification({ alerts: [alert({ alertname: "A", severity: "info" })] }))).toBe("low");
    expect(priorityOf(notification({ alerts: [alert({ alertname: "A" })] }))).toBe("medium");
  });

  it("drops the acknowledgement link from a resolve and lists what was left out", () => {
    const resolved = renderFacts(notification({ incident, event: "resolve" }));
    expect(resolved.ackUrl).toBeUndefined();
    expect(resolved.statusText).toBe("Resolved");
    const many = notification({
      alerts: Array.from({ length: 7 }, (_, i) =>
        alert({ alertname: "A", station: `s${i}` }, { endsAt: i < 2 ? T0 + 1 : undefined }),
      ),
    });
    const text = plainText(renderFacts(many), { maxAlerts: 3 });
    expect(text.split("\n").at(-1)).toBe("and 4 more");
    expect(text).toContain("5 firing, 2 resolved alerts");
  });

  it("truncates by characters, not UTF-16 units, and marks the cut", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("ab", 4)).toBe("ab");
    expect(truncate("😀😀😀😀😀", 3)).toBe("😀😀…");
  });
});
