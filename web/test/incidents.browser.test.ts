// Incidents on the Alerts page in Debian's Chromium against a real `lineops serve` running the sample
// line (examples/line.yaml) with the default rule pack, time-compressed: a plc-disconnect fault
// injected through plc-gateway's front door becomes one incident that appears in the open list over
// the live stream (no reload) with root cause plc-gateway; an operator opens it, sees the reasoning,
// acknowledges it through the page (the status turns acknowledged and the timeline names the
// signed-in user), reassigns it, adds a note and gets a silence form pre-filled from its root alert.
// A viewer sees no action buttons, and the API refuses the viewer's session. axe-core clean; 768 px
// in the dark theme.
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PACK, scaledPackFile } from "../../src/monitoring/rules/test-support/scaled-rule-pack.js";
import {
  createUser,
  launchBrowser,
  screenshot,
  seriousA11yViolations,
  serveLineops,
  signedInPage,
} from "../../src/test-support/browser.js";
import { ControlPlanes } from "../../src/test-support/cli.js";
import { tempDir } from "../../src/test-support/line.js";
import { waitFor } from "../../src/test-support/wait.js";
import { PACKAGE_ROOT } from "../../src/version.js";
import { unexpected } from "./sample-line.js";

vi.setConfig({ testTimeout: 150_000 });

type Incident = {
  id: number;
  status: string;
  assignee?: string;
  rootCause?: { service: string; alertname: string };
  timeline: { kind: string; actor?: string; message: string }[];
};

const planes = new ControlPlanes();
let browser: Browser;
let url = "";
let adminToken = "";

async function get<T>(p: string): Promise<T> {
  const res = await fetch(new URL(p, url), { headers: { authorization: `Bearer ${adminToken}` } });
  const body = (await res.json()) as unknown;
  if (!res.ok) {
    throw new Error(`${p}: ${res.status} ${JSON.stringify(body)}`);
  }
  return body as T;
}

/** The sample line with the rule pack scaled to seconds, scraped every second, as the incidents e2e test runs it. */
async function serveLine(): Promise<void> {
  const dir = tempDir("lineops-web-incidents-");
  for (const file of PACK) {
    writeFileSync(path.join(dir, file), scaledPackFile(file));
  }
  writeFileSync(
    path.join(dir, "lineops.yaml"),
    `rule_files: [${PACK.join(", ")}]
monitoring:
  scrapeInterval: 1s
  scrapeTimeout: 900ms
  evaluationInterval: 500ms
  host: { enabled: false }
traffic:
  enabled: true
  ratePerSecond: 20
  service: line-controller
`,
  );
  ({ url, adminToken } = await serveLineops(planes, path.join(dir, "data"), [
    "--config",
    path.join(dir, "lineops.yaml"),
    "--line",
    path.join(PACKAGE_ROOT, "examples", "line.yaml"),
  ]));
  // The line is up and scraped: plc_connected is 1, so the fault's alert is the fault's.
  await waitFor(
    async () => {
      const r = await get<{ data: { result: unknown[] } }>(
        `/api/v1/query?query=${encodeURIComponent("plc_connected == 1")}`,
      );
      return r.data.result.length > 0 || undefined;
    },
    90_000,
    "plc_connected scraped at 1",
    250,
  );
}

/** A schedule with one person on call all day, so the on-call panel has someone to show. */
async function scheduleSomeone(): Promise<void> {
  await createUser(url, adminToken, "alice", "operator");
  const res = await fetch(new URL("/api/v1/schedules/line-1", url), {
    method: "PUT",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      timezone: "UTC",
      layers: [
        {
          name: "days",
          rotation: { type: "daily" },
          rotationStart: "2026-01-01",
          handoff: "00:00",
          participants: ["alice"],
        },
      ],
    }),
  });
  expect(res.status).toBe(201);
  // bob takes over in an hour (an override): the next handoff the panel names.
  await createUser(url, adminToken, "bob", "operator");
  const inAnHour = Math.floor(Date.now() / 1000) + 3600;
  const override = await fetch(new URL("/api/v1/schedules/line-1/overrides", url), {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ user: "bob", start: String(inAnHour), end: String(inAnHour + 3600) }),
  });
  expect(override.status).toBe(201);
}

beforeAll(async () => {
  [, browser] = await Promise.all([serveLine(), launchBrowser()]);
  await scheduleSomeone();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await planes.stopAll();
});

let incidentId = 0;

describe("incidents on the Alerts page", () => {
  it("a plc-gateway fault appears live with its root cause; an operator acknowledges it from the page", async () => {
    const { context, page, errors } = await signedInPage(browser, url, adminToken, "operator", {
      path: "/alerts",
    });
    try {
      const list = page.getByRole("region", { name: "Incidents" });
      await page.getByRole("heading", { level: 2, name: "Incidents" }).waitFor();
      await page.getByRole("heading", { level: 2, name: "On call now" }).waitFor();
      expect(await page.locator('[data-schedule="line-1"] .oncall-person').innerText()).toBe("alice");
      expect(await page.locator('[data-schedule="line-1"] .oncall-next-person').innerText()).toBe("bob");
      let documents = 0;
      page.on("request", (r) => {
        if (r.resourceType() === "document") {
          documents++;
        }
      });

      const plc = await get<{ status: { url?: string } }>("/api/v1/services/plc-gateway");
      const injected = await fetch(`${plc.status.url ?? ""}/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "plc-disconnect" }),
      });
      expect(injected.status).toBeLessThan(300);

      // The incident arrives over the live stream: the page is never reloaded.
      const row = list.locator("tr[data-incident]", {
        has: page.locator(".root-cause", { hasText: "plc-gateway" }),
      });
      await row.first().waitFor({ timeout: 90_000 });
      expect(documents).toBe(0);
      incidentId = Number(await row.first().getAttribute("data-incident"));
      expect(await row.first().locator("[data-status]").getAttribute("data-status")).toBe("triggered");
      const api = await get<Incident>(`/api/v1/incidents/${incidentId}`);
      expect(api.rootCause).toMatchObject({ service: "plc-gateway", alertname: "PLCDisconnected" });
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "incidents-list", { docs: "incidents-list" });

      // Open it with the keyboard, as the link it is.
      await row.first().getByRole("link").focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: new RegExp(`^Incident #${incidentId}: `) }).waitFor();
      expect(new URL(page.url()).searchParams.get("incident")).toBe(String(incidentId));
      await page.locator(".root-cause-name", { hasText: "plc-gateway" }).waitFor();
      expect(await page.locator(".root-cause-reason").innerText()).toMatch(
        /^plc-gateway is upstream of .*station-controller.*\(dependsOn/,
      );
      expect(await page.locator('tr[data-role="root"]').innerText()).toContain("PLCDisconnected");

      const status = page.getByRole("region", { name: "Incident summary" }).locator("[data-status]");
      await page.getByRole("button", { name: "Acknowledge" }).click();
      await page.getByRole("status").filter({ hasText: "Acknowledged." }).waitFor();
      expect(await status.getAttribute("data-status")).toBe("acknowledged");
      const ack = page.locator('.incident-timeline li[data-kind="acknowledged"]');
      await ack.waitFor();
      expect(await ack.innerText()).toContain("by operator-user (operator)");
      // Acknowledged: the button is gone (the API would answer 409).
      expect(await page.getByRole("button", { name: "Acknowledge" }).count()).toBe(0);
      const stored = await get<Incident>(`/api/v1/incidents/${incidentId}`);
      expect(stored.status).toBe("acknowledged");
      expect(stored.timeline.find((e) => e.kind === "acknowledged")?.actor).toBe("operator-user (operator)");

      await page.getByLabel("Assign to").fill("maintenance team");
      await page.getByRole("button", { name: "Reassign" }).click();
      await page.getByRole("status").filter({ hasText: "Reassigned to maintenance team." }).waitFor();
      await page.getByLabel("Note").fill("PLC cable reseated");
      await page.getByRole("button", { name: "Add note" }).click();
      await page.locator(".incident-timeline li", { hasText: "PLC cable reseated" }).waitFor();
      expect((await get<Incident>(`/api/v1/incidents/${incidentId}`)).assignee).toBe("maintenance team");
      // The picker suggests who can be reached: the schedule and its participant.
      expect(await page.locator('datalist option[value="alice"]').count()).toBe(1);
      expect(await page.locator('datalist option[value="line-1"]').count()).toBe(1);

      // Snoozed: still acknowledged, until when is shown, and it can be acknowledged again.
      await page.getByLabel("Snooze for").selectOption("15m");
      await page.getByRole("button", { name: "Snooze", exact: true }).click();
      await page.getByRole("status").filter({ hasText: "Snoozed for 15m." }).waitFor();
      expect(await status.innerText()).toMatch(/^acknowledged \(snoozed until .+\)$/);
      await page.getByRole("button", { name: "Acknowledge" }).waitFor();

      // A change made elsewhere (another operator, the CLI) reaches the open page over the stream.
      const elsewhere = await fetch(new URL(`/api/v1/incidents/${incidentId}/reassign`, url), {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ assignee: "night shift" }),
      });
      expect(elsewhere.status).toBe(200);
      await page
        .getByRole("region", { name: "Incident summary" })
        .getByText("night shift", { exact: true })
        .waitFor();

      // A silence from the incident: the existing form, pre-filled from its root alert.
      await page.getByRole("button", { name: "Silence its alerts…" }).click();
      const matchers = page.locator(".silence-form").getByLabel("Matchers (one per line)");
      expect(await matchers.inputValue()).toContain('alertname="PLCDisconnected"');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.locator(".silence-form").getByRole("button", { name: "Cancel" }).click();
      await screenshot(page, "incidents", { docs: "incidents" });
      expect(documents).toBe(0);
      expect(unexpected(errors)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows a viewer no incident actions, and the API refuses the viewer's session", async () => {
    expect(incidentId).toBeGreaterThan(0);
    const { context, page, errors } = await signedInPage(browser, url, adminToken, "viewer", {
      path: `/alerts?incident=${incidentId}`,
      colorScheme: "dark",
      width: 768,
      height: 1024,
    });
    try {
      await page.locator(".root-cause-name", { hasText: "plc-gateway" }).waitFor();
      await page.locator('.incident-timeline li[data-kind="acknowledged"]').waitFor();
      expect(await page.getByRole("heading", { name: "Actions" }).count()).toBe(0);
      for (const name of [/^Acknowledge/, /^Resolve/, /^Snooze/, /^Reassign/, /^Add note/, /^Silence/]) {
        expect(await page.getByRole("button", { name }).count()).toBe(0);
      }

      // With the session's own CSRF token, so the refusal is the role's, not the CSRF check's.
      const session = await context.request.get("/api/v1/session");
      const { csrfToken } = ((await session.json()) as { data: { csrfToken: string } }).data;
      const headers = { "x-csrf-token": csrfToken, "content-type": "application/json" };
      for (const [action, data] of [
        ["resolve", undefined],
        ["snooze", { for: "30m" }],
        ["reassign", { assignee: "viewer-user" }],
        ["notes", { text: "a viewer may not" }],
      ] as const) {
        const refused = await context.request.post(`/api/v1/incidents/${incidentId}/${action}`, {
          headers,
          ...(data === undefined ? {} : { data }),
        });
        expect([action, refused.status()]).toEqual([action, 403]);
      }
      const after = await get<Incident>(`/api/v1/incidents/${incidentId}`);
      expect(after.status).toBe("acknowledged");
      expect(after.timeline.some((e) => e.message.includes("a viewer may not"))).toBe(false);

      const overflow = (await page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth",
      )) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "incidents-viewer-dark-tablet");

      // The list at 768 px in the dark theme, the incident in it.
      await page.getByRole("link", { name: "← All alerts and incidents" }).click();
      await page.locator(`tr[data-incident="${incidentId}"]`).waitFor();
      const listOverflow = (await page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth",
      )) as number;
      expect(listOverflow).toBeLessThanOrEqual(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(unexpected(errors)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
