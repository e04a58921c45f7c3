// The Services page in Debian's Chromium against a real `lineops serve` running the sample line:
// every service with its instances and backends as the API reports them, an instance's restart
// arriving over the live stream, the log tail for an operator and not for a viewer (the page hides
// it and the API refuses the viewer's session), axe-core clean in both themes, tablet width.
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
import { serveSampleLine, unexpected, type SampleLine } from "./sample-line.js";

vi.setConfig({ testTimeout: 120_000 });

type Instance = { id: string; service: string; pid?: number; restarts: number; state: string };
type Service = {
  name: string;
  instanceList: Instance[];
  backends: { instanceId: string; port: number }[];
  frontDoor: { host: string; port: number } | null;
};

const planes = new ControlPlanes();
let browser: Browser;
let line: SampleLine;

beforeAll(async () => {
  [line, browser] = await Promise.all([serveSampleLine(planes), launchBrowser()]);
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await planes.stopAll();
});

const services = async () => (await line.get<{ services: Service[] }>("/api/v1/services")).services;

describe("the Services page", () => {
  it("lists every service with its instances, front door and backends; an operator reads a log tail", async () => {
    const expected = await services();
    const { context, page, errors } = await signedInPage(browser, line.url, line.adminToken, "operator", {
      path: "/services",
    });
    try {
      await page.getByRole("heading", { level: 1, name: "Services" }).waitFor();
      for (const s of expected) {
        const card = page.locator(`section[data-service="${s.name}"]`);
        await card.getByRole("heading", { level: 2, name: s.name }).waitFor();
        for (const i of s.instanceList) {
          await card.locator(`tr[data-instance="${i.id}"]`).waitFor();
        }
        // The page follows the line: compare with the API as it is now, not as it was at the start.
        await waitFor(
          async () => {
            const now = (await services()).find((x) => x.name === s.name)!;
            return (
              (await card.locator("tr[data-instance]").count()) === now.instanceList.length &&
              (await card.locator("tr[data-backend]").count()) === now.backends.length
            );
          },
          30_000,
          `${s.name}'s instances and backends as the API lists them`,
          250,
        );
        expect(s.backends.length).toBeGreaterThan(0);
        if (s.frontDoor) {
          await card.getByText(`${s.frontDoor.host}:${s.frontDoor.port}`).waitFor();
        }
      }
      // Nine instances of the sample line, each a ready row.
      expect(expected.flatMap((s) => s.instanceList)).toHaveLength(9);
      // Resource use arrives as live query pushes: charts drawn, one series per instance (P11), so
      // no instance's value is marked as shared with its service's other instances.
      await page.locator(".svc-charts canvas").first().waitFor({ timeout: 30_000 });
      await page.getByText(/one series per instance/).waitFor();
      expect(await page.getByText(/\(shared\)/).count()).toBe(0);

      // The log tail of the PLC gateway, as the API has it.
      const plc = expected.find((s) => s.name === "plc-gateway")!.instanceList[0]!;
      await page.getByRole("button", { name: `Logs of ${plc.id}` }).click();
      const log = page.getByLabel(`Log of ${plc.id}`);
      await log.waitFor();
      expect(new URL(page.url()).searchParams.get("logs")).toBe(plc.id);
      const api = await line.get<{ lines: string[] }>(`/api/v1/instances/${plc.id}/logs?tail=100`);
      expect(api.lines.length).toBeGreaterThan(0);
      expect(await log.innerText()).toContain(api.lines[0]!.slice(0, 40));

      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "services", { docs: "services" });
      expect(unexpected(errors)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows an instance's restart from the live stream, without reloading the page", async () => {
    const { context, page, errors } = await signedInPage(browser, line.url, line.adminToken, "operator", {
      path: "/services",
    });
    try {
      const mes = (await services()).find((s) => s.name === "mes-connector")!.instanceList[0]!;
      const row = page.locator(`tr[data-instance="${mes.id}"]`);
      await row.waitFor();
      // The number of page loads (document requests) stays at one: the change is pushed.
      let documents = 0;
      page.on("request", (r) => {
        if (r.resourceType() === "document") {
          documents++;
        }
      });
      process.kill(mes.pid!, "SIGKILL");
      await waitFor(
        async () => (await row.locator("td").nth(7).innerText()).trim() === String(mes.restarts + 1),
        30_000,
        "the restart counted on the page",
        250,
      );
      await waitFor(
        async () => (await row.locator(".state").innerText()).trim() === "ready",
        30_000,
        "the restarted instance ready on the page",
        250,
      );
      expect(documents).toBe(0);
      expect(unexpected(errors)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("tells a viewer that logs need an operator, and the API refuses the viewer's session", async () => {
    const { context, page, errors } = await signedInPage(browser, line.url, line.adminToken, "viewer", {
      path: "/services",
      colorScheme: "dark",
      width: 768,
      height: 1024,
    });
    try {
      await page.locator("section[data-service=plc-gateway] tr[data-instance]").first().waitFor();
      await page.getByText(/Logs need an operator/).waitFor();
      expect(await page.getByRole("button", { name: /^Logs of/ }).count()).toBe(0);
      expect(await page.getByRole("button", { name: "Show log tail" }).count()).toBe(0);

      const id = (await services())[0]!.instanceList[0]!.id;
      const refused = await context.request.get(`/api/v1/instances/${id}/logs?tail=10`);
      expect(refused.status()).toBe(403);

      const overflow = (await page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth",
      )) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "services-viewer-dark-tablet");
      expect(unexpected(errors).filter((e) => !/status of 403/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
