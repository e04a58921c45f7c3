// The Reports page in a real browser (Debian's Chromium through playwright-core) against a real
// `lineops serve` with a small line (built by `npm run build`), at tablet width: the SLO table lists
// the line's services with their burn windows; an operator generates a report, downloads its CSV
// and adds a schedule; a viewer sees no operator controls and the API refuses the viewer's session;
// axe-core finds nothing serious.
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  launchBrowser,
  screenshot,
  serveLineops,
  seriousA11yViolations,
  signedInPage,
} from "../../src/test-support/browser.js";
import { ControlPlanes } from "../../src/test-support/cli.js";
import { smallLine, tempDir } from "../../src/test-support/line.js";
import { waitFor } from "../../src/test-support/wait.js";

// A browser under a loaded 2-core machine takes seconds per step; each wait has its own deadline.
vi.setConfig({ testTimeout: 120_000 });

const planes = new ControlPlanes();
let browser: Browser;
let url = "";
let token = "";
const TABLET = { width: 768, height: 1024 };

beforeAll(async () => {
  const dir = tempDir("lineops-reports-page-");
  [{ url, adminToken: token }, browser] = await Promise.all([
    serveLineops(planes, dir, ["--line", smallLine(dir)]),
    launchBrowser(),
  ]);
  await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 60_000, "the small line to be ready");
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await planes.stopAll();
});

describe("the Reports page", () => {
  it("an operator sees SLOs, generates a report, downloads its CSV and adds a schedule, at 768 px", async () => {
    const { context, page, errors } = await signedInPage(browser, url, token, "operator", {
      path: "/reports",
      ...TABLET,
    });
    try {
      await page.getByRole("heading", { level: 1, name: "Reports" }).waitFor();
      const slo = page.getByRole("table", { name: "SLO per service" });
      await slo.getByRole("rowheader", { name: "plc-gateway" }).waitFor({ timeout: 30_000 });
      await slo.getByRole("rowheader", { name: "quality-inspection" }).waitFor();
      expect(await slo.getByRole("columnheader", { name: /Burn 1h/ }).count()).toBe(1);

      await page.getByRole("button", { name: "Generate report" }).click();
      await page
        .getByRole("heading", { level: 3, name: /Daily operations report — line test-line/ })
        .waitFor({
          timeout: 60_000,
        });
      await page.getByText(/MTTA and MTTR: comes with P10/).waitFor();
      const [download] = await Promise.all([
        page.waitForEvent("download", { timeout: 60_000 }),
        page.getByRole("link", { name: "Download CSV" }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^lineops-day-report-.*\.csv$/);
      const csv = readFileSync((await download.path())!, "utf8");
      expect(csv).toContain("\r\nAvailability and SLO per service\r\nService,Objective,Availability,");
      expect(csv).toMatch(/\r\nplc-gateway,0\.999,/);

      await page.getByLabel("Name").fill("morning report");
      await page.getByLabel("Every").selectOption("week");
      await page.getByLabel("On", { exact: true }).selectOption("Mon");
      await page.getByRole("button", { name: "Add schedule" }).click();
      await page.getByRole("rowheader", { name: "morning report" }).waitFor();
      await page.getByText("weekly, Mon at 06:00").waitFor();

      expect(await seriousA11yViolations(page)).toEqual([]);
      // Nothing wider than the tablet: the page does not scroll sideways.
      expect(
        (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number,
      ).toBeLessThanOrEqual(0);
      expect(errors).toEqual([]);
      await screenshot(page, "reports", { docs: "reports" });
    } finally {
      await context.close();
    }
  });

  it("gives a viewer no schedule controls, and the API refuses the viewer's session", async () => {
    const { context, page } = await signedInPage(browser, url, token, "viewer", {
      path: "/reports",
      ...TABLET,
    });
    try {
      await page.getByRole("heading", { level: 2, name: "Schedules" }).waitFor();
      await page.getByRole("rowheader", { name: "morning report" }).waitFor();
      expect(await page.getByRole("button", { name: "Add schedule" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /Delete/ }).count()).toBe(0);
      expect(await page.getByRole("button", { name: "Generate report" }).count()).toBe(1);
      expect(await seriousA11yViolations(page)).toEqual([]);

      // The calls the operator's buttons make, with this viewer's session and CSRF token.
      const statuses = await page.evaluate(async () => {
        const s = (await (await fetch("/api/v1/session")).json()) as { data: { csrfToken: string } };
        const headers = { "content-type": "application/json", "x-csrf-token": s.data.csrfToken };
        const list = (await (await fetch("/api/v1/reports/schedules")).json()) as {
          data: { schedules: { id: string }[] };
        };
        const add = await fetch("/api/v1/reports/schedules", {
          method: "POST",
          headers,
          body: JSON.stringify({ name: "viewer", period: "day", at: "06:00", formats: ["csv"] }),
        });
        const del = await fetch(`/api/v1/reports/schedules/${list.data.schedules[0]?.id ?? "none"}`, {
          method: "DELETE",
          headers,
        });
        return [add.status, del.status];
      });
      expect(statuses).toEqual([403, 403]);
    } finally {
      await context.close();
    }
  });
});
