// The Alerts page in Debian's Chromium against a real `lineops serve` running the sample line with
// a rule that fires: the firing alert and its dispatched group; an operator silences it from the
// page and the group shows it suppressed, then expires the silence; filters live in the URL and the
// API's refusals are shown; a viewer sees no silence buttons and the API refuses the viewer's
// session; the shelving and KPI panel says they come with P10 item 7; axe-core clean. Incidents:
// incidents.browser.test.ts.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  launchBrowser,
  screenshot,
  seriousA11yViolations,
  signedInPage,
} from "../../src/test-support/browser.js";
import { ControlPlanes } from "../../src/test-support/cli.js";
import { waitFor } from "../../src/test-support/wait.js";
import { FIRING_ALERT, RECEIVER, serveSampleLine, unexpected, type SampleLine } from "./sample-line.js";

vi.setConfig({ testTimeout: 120_000 });

type Group = { alerts: { labels: Record<string, string>; status: { state: string } }[] };
type Silence = { id: string; comment: string; status: { state: string } };

const planes = new ControlPlanes();
let browser: Browser;
let line: SampleLine;

beforeAll(async () => {
  [line, browser] = await Promise.all([serveSampleLine(planes), launchBrowser()]);
  await waitFor(
    async () => {
      const groups = await line.get<Group[]>("/api/v2/alerts/groups");
      return groups.some((g) => g.alerts.some((a) => a.labels.alertname === FIRING_ALERT));
    },
    60_000,
    `${FIRING_ALERT} firing and dispatched`,
    250,
  );
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await planes.stopAll();
});

const ourAlertState = async () => {
  const groups = await line.get<Group[]>("/api/v2/alerts/groups");
  return groups.flatMap((g) => g.alerts).find((a) => a.labels.alertname === FIRING_ALERT)?.status.state;
};

describe("the Alerts page", () => {
  it("shows the firing alert; an operator silences it from the page, it shows suppressed, and expires the silence", async () => {
    const { context, page, errors } = await signedInPage(browser, line.url, line.adminToken, "operator", {
      path: "/alerts",
    });
    try {
      await page.getByRole("heading", { level: 1, name: "Alerts & incidents" }).waitFor();
      const row = page.locator(`tr[data-alertname="${FIRING_ALERT}"]`);
      await row.locator(".alert-firing").waitFor();
      // The rule alerts and the groups are separate calls: the dispatch column fills when both answered.
      await row.locator(".dispatch-state", { hasText: `active → ${RECEIVER}` }).waitFor();
      const dispatched = page.locator(".alert-groups li[data-fingerprint]", { hasText: FIRING_ALERT });
      expect(await dispatched.getAttribute("data-state")).toBe("active");
      // Shelving and alarm KPIs: an honest panel, no numbers.
      await page.getByText("Comes with P10 item 7").waitFor();

      await row.getByRole("button", { name: `Silence ${FIRING_ALERT}` }).click();
      const form = page.locator(".silence-form");
      const matchers = form.getByLabel("Matchers (one per line)");
      expect(await matchers.inputValue()).toContain(`alertname="${FIRING_ALERT}"`);
      expect(await matchers.inputValue()).toContain('severity="warning"');
      const prefilled = await matchers.inputValue();
      // The API's refusal is shown as it came: a silence that would match every alert.
      await matchers.fill('alertname=~".*"');
      await form.getByLabel("Comment").fill("press jam being cleared");
      await form.getByRole("button", { name: "Create silence" }).click();
      const refusal = form.getByRole("alert");
      await refusal.waitFor();
      expect(await refusal.innerText()).toMatch(/^400 bad_data: .*must not match the empty string/);

      await matchers.fill(prefilled);
      await form.getByLabel("Duration").fill("30m");
      await form.getByRole("button", { name: "Create silence" }).click();
      const notice = page.getByText(/^Silence \S+ created\.$/);
      await notice.waitFor();
      const id = /^Silence (\S+) created\.$/.exec(await notice.innerText())![1]!;

      // The group shows the alert suppressed, as the dispatcher holds it.
      await waitFor(
        async () => (await dispatched.getAttribute("data-state")) === "suppressed",
        30_000,
        "suppressed",
        250,
      );
      expect(await ourAlertState()).toBe("suppressed");
      expect(await dispatched.innerText()).toContain(`silenced by ${id}`);
      expect(await row.locator(".dispatch-state").innerText()).toBe("suppressed (silenced)");
      const silenceRow = page.locator(`tr[data-silence="${id}"]`);
      await silenceRow.waitFor();
      expect(await silenceRow.innerText()).toContain("press jam being cleared");
      const silences = await line.get<Silence[]>("/api/v2/silences");
      expect(silences.find((s) => s.id === id)?.status.state).toBe("active");

      // Filters are in the URL: the suppressed view lists it, a matcher that names another alert does not.
      await page.getByLabel("State").selectOption("suppressed");
      await page.getByRole("button", { name: "Apply" }).click();
      await waitFor(
        () => new URL(page.url()).searchParams.get("state") === "suppressed",
        10_000,
        "state in the URL",
      );
      await dispatched.waitFor();
      await page.getByLabel("Matchers", { exact: true }).fill('alertname="NoSuchAlert"');
      await page.getByRole("button", { name: "Apply" }).click();
      await page.getByText("No alert groups match the filters.").waitFor();
      expect(new URL(page.url()).searchParams.get("filter")).toBe('alertname="NoSuchAlert"');
      // A matcher the browser takes but lineops's RE2 refuses: the API's 400 is shown.
      await page.getByLabel("Matchers", { exact: true }).fill('alertname=~"(?=x)"');
      await page.getByRole("button", { name: "Apply" }).click();
      await page.locator("[role=alert]", { hasText: /^400 bad_data: / }).waitFor();

      await page.getByRole("button", { name: "Clear" }).click();
      await dispatched.waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "alerts", { docs: "alerts" });

      await silenceRow.getByRole("button", { name: `Expire silence ${id}` }).click();
      await silenceRow.waitFor({ state: "detached" });
      await waitFor(
        async () => (await dispatched.getAttribute("data-state")) === "active",
        30_000,
        "active again",
        250,
      );
      expect((await line.get<Silence[]>("/api/v2/silences")).find((s) => s.id === id)?.status.state).toBe(
        "expired",
      );
      expect(unexpected(errors).filter((e) => !/status of 400/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows a viewer no silence or expire buttons, and the API refuses the viewer's session", async () => {
    const { context, page, errors } = await signedInPage(browser, line.url, line.adminToken, "viewer", {
      path: "/alerts",
      colorScheme: "dark",
      width: 768,
      height: 1024,
    });
    try {
      await page.locator(`tr[data-alertname="${FIRING_ALERT}"] .alert-firing`).waitFor();
      await page.locator(".alert-groups li[data-fingerprint]").first().waitFor();
      expect(await page.getByRole("button", { name: /^Silence/ }).count()).toBe(0);

      // An alert another sender posts while the page is open arrives over the live stream: no page load.
      let documents = 0;
      page.on("request", (r) => {
        if (r.resourceType() === "document") {
          documents++;
        }
      });
      const posted = await fetch(new URL("/api/v2/alerts", line.url), {
        method: "POST",
        headers: { authorization: `Bearer ${line.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify([{ labels: { alertname: "PostedWhileOpen", severity: "info" } }]),
      });
      expect(posted.status).toBe(200);
      await page.locator(".alert-groups li[data-fingerprint]", { hasText: "PostedWhileOpen" }).waitFor();
      expect(documents).toBe(0);
      expect(await page.getByRole("button", { name: /^Expire/ }).count()).toBe(0);

      // With the session's own CSRF token, so the refusal is the role's, not the CSRF check's.
      const session = await context.request.get("/api/v1/session");
      const { csrfToken } = ((await session.json()) as { data: { csrfToken: string } }).data;
      const now = Date.now();
      const refused = await context.request.post("/api/v2/silences", {
        headers: { "x-csrf-token": csrfToken, "content-type": "application/json" },
        data: {
          matchers: [{ name: "alertname", value: FIRING_ALERT, isRegex: false, isEqual: true }],
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + 3_600_000).toISOString(),
          createdBy: "viewer-user",
          comment: "a viewer may not",
        },
      });
      expect(refused.status()).toBe(403);
      expect(await ourAlertState()).toBe("active");

      const overflow = (await page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth",
      )) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "alerts-viewer-dark-tablet");
      expect(unexpected(errors)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
