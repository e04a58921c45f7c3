// The line overview in a real browser (Debian's Chromium through playwright-core) against a real
// `lineops serve` (built by `npm run build`) running the REAL sample line (examples/line.yaml) with
// its rule pack and OEE rules: every service healthy; a jam injected on a station through its
// front door turns it red within 2 s (over the live stream, no polling); kiosk mode renders and
// reconnects across a lineops restart. Screenshots go to test-output/ (and docs/screenshots/).
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { STATION_ROUTING_HEADER } from "../../line/index.js";
import {
  launchBrowser,
  screenshot,
  seriousA11yViolations,
  signedInPage,
} from "../../src/test-support/browser.js";
import { ControlPlanes } from "../../src/test-support/cli.js";
import { tempDir } from "../../src/test-support/line.js";
import { waitFor } from "../../src/test-support/wait.js";
import { PACKAGE_ROOT } from "../../src/version.js";

// A browser page under a loaded 2-core machine takes seconds per step; each wait has its own deadline.
vi.setConfig({ testTimeout: 120_000 });

const EXAMPLES = path.join(PACKAGE_ROOT, "examples");
const SERVICES = [
  "plc-gateway",
  "station-controller",
  "quality-inspection",
  "mes-connector",
  "line-controller",
];

const planes = new ControlPlanes();
let browser: Browser;
let dir = "";
let port = 0;
let url = "";
let adminToken = "";
let serve: ReturnType<ControlPlanes["spawn"]>;

/** A port free now: lineops listens on the same one after a restart, so the page can reconnect. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function startServe(): ReturnType<ControlPlanes["spawn"]> {
  // The data dir is what planes.stopAll() stops the line of (instances and data plane included).
  return planes.spawn(path.join(dir, "data"), [
    "serve",
    "--config",
    path.join(dir, "lineops.yaml"),
    "--data-dir",
    path.join(dir, "data"),
    "--port",
    String(port),
  ]);
}

async function waitReady(child: ReturnType<ControlPlanes["spawn"]>): Promise<void> {
  await waitFor(
    async () => {
      if (child.exitCode !== null) {
        throw new Error(`lineops serve exited ${child.exitCode}: ${child.output()}`);
      }
      const res = await fetch(`${url}/-/ready`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    60_000,
    "lineops and the sample line ready",
    250,
  );
}

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(res.status, p).toBe(200);
  return (await res.json()) as T; // lineops's own routes answer bare JSON
}

beforeAll(async () => {
  dir = tempDir("lineops-overview-");
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // The sample line and the demo's rules, with scrapes every second: a station's state is on the
  // page one scrape plus one push after it changes (docs/dashboard.md, "Line overview").
  writeFileSync(
    path.join(dir, "lineops.yaml"),
    `line: { file: ${JSON.stringify(path.join(EXAMPLES, "line.yaml"))} }
rule_files:
${["line.rules.yml", "lineops.rules.yml", "oee.rules.yml"].map((f) => `  - ${JSON.stringify(path.join(EXAMPLES, "rules", f))}`).join("\n")}
monitoring:
  scrapeInterval: 1s
  scrapeTimeout: 900ms
  evaluationInterval: 1s
  host: { enabled: false }
traffic: { enabled: true, ratePerSecond: 2, service: line-controller }
shifts: { targetUnitsPerHour: 6000 }
`,
  );
  mkdirSync(path.join(dir, "data"), { recursive: true });
  serve = startServe();
  browser = await launchBrowser();
  adminToken = await waitFor(
    () => /admin token \(shown once, store it now\): (\S+)/.exec(serve.output())?.[1],
    30_000,
    "lineops serve to print its admin token",
  );
  await waitReady(serve);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await planes.stopAll();
});

describe("the line overview on the real sample line", () => {
  it("shows every service and station healthy, the running versions, throughput against target and OEE", async () => {
    const { context, page, errors } = await signedInPage(browser, url, adminToken, "viewer");
    try {
      await page.getByRole("heading", { level: 1, name: "Line overview" }).waitFor();
      const cards = page.locator(".service-card");
      const healthy = page.locator('.service-card[data-health="healthy"], .station[data-health="healthy"]');
      await expect
        .poll(async () => [await healthy.count(), await page.locator(".service-card, .station").count()], {
          timeout: 60_000,
          interval: 250,
        })
        .toEqual([SERVICES.length + 4, SERVICES.length + 4]);
      // In dependency order: plc-gateway first, line-controller (which depends on the rest) last.
      const names = await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-service")));
      expect([...names].sort()).toEqual([...SERVICES].sort());
      const at = (n: string) => names.indexOf(n);
      expect(at("plc-gateway")).toBeLessThan(at("station-controller"));
      expect(at("station-controller")).toBeLessThan(at("line-controller"));
      expect(names.at(-1)).toBe("line-controller");
      // Health is a word and a symbol too, never colour alone.
      expect(await page.locator('[data-service="line-controller"] .health').innerText()).toMatch(/Healthy/);
      expect(await page.locator('[data-service="line-controller"] .service-versions').innerText()).toBe(
        "v1.0.0 × 2",
      );
      expect(await page.locator('[data-station="3"]').innerText()).toMatch(/Station 3[\s\S]*Healthy/);

      // Throughput against the configured target, and OEE with its three factors (recording rules).
      const throughput = page.locator('[data-kpi="throughput"]');
      await throughput.getByText("target 6,000 /h").waitFor({ timeout: 30_000 });
      await throughput.locator(".kpi-value").filter({ hasText: /\d/ }).waitFor({ timeout: 30_000 });
      const oee = page.locator('[data-kpi="oee"]');
      await oee.locator(".kpi-value").filter({ hasText: /\d/ }).waitFor({ timeout: 60_000 });
      expect(await oee.innerText()).toMatch(
        /Availability\s*\d+\.\d %[\s\S]*Performance\s*\d+\.\d %[\s\S]*Quality\s*\d+\.\d %/,
      );
      expect(await page.locator('[data-kpi="scrap"] .kpi-value').innerText()).toMatch(/^\d+\.\d %$/);
      expect(await page.locator('[data-kpi="alerts"]').innerText()).toContain("incidents come with P10");
      await page.locator(".graph canvas").waitFor();
      expect(await page.locator(".live-status").innerText()).toContain("Live");

      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "overview", { docs: "overview" });
      // Usable on a tablet: no horizontal scrolling at 768 px.
      await page.setViewportSize({ width: 768, height: 1024 });
      await expect
        .poll(() => page.evaluate("document.documentElement.scrollWidth - window.innerWidth"), {
          timeout: 5_000,
        })
        .toBeLessThanOrEqual(0);
      await screenshot(page, "overview-tablet");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("turns a station red within 2 s of a jam injected through its front door, then shows the alert", async () => {
    const { context, page, errors } = await signedInPage(browser, url, adminToken, "viewer");
    try {
      const station = page.locator('[data-station="1"]');
      await page.locator('[data-station="1"][data-health="healthy"]').waitFor({ timeout: 60_000 });
      const services = await api<{
        services: { name: string; frontDoor: { host: string; port: number } | null }[];
      }>("/api/v1/services");
      const door = services.services.find((s) => s.name === "station-controller")?.frontDoor;
      expect(door).toBeTruthy();

      const t0 = Date.now();
      const res = await fetch(`http://${door!.host}:${door!.port}/faults`, {
        method: "POST",
        headers: { "content-type": "application/json", [STATION_ROUTING_HEADER]: "1" },
        body: JSON.stringify({ type: "jam", durationMs: 40_000 }),
      });
      expect(res.status).toBeLessThan(300);
      await page.locator('[data-station="1"][data-health="down"]').waitFor({ timeout: 5_000 });
      const ms = Date.now() - t0;
      console.log(`overview: station 1 red ${ms} ms after the jam was injected`);
      expect(ms).toBeLessThan(2_000);
      expect(await station.innerText()).toMatch(/Down[\s\S]*Jammed/);
      expect(await page.locator('[data-service="station-controller"]').getAttribute("data-health")).toBe(
        "degraded",
      );
      expect(await page.locator('[data-service="station-controller"] .service-detail').innerText()).toBe(
        "station 1 down",
      );
      await screenshot(page, "overview-station-jammed");

      // The rule pack's StationJammed (for: 15s) fires: the alerts panel and the feed show it live.
      await page.locator(".alert-list").getByText("StationJammed").waitFor({ timeout: 60_000 });
      await page
        .locator(".event-feed")
        .getByText(/StationJammed \(station 1\) firing/)
        .waitFor();
      expect(Number(await page.locator('[data-kpi="alerts"] .kpi-value').innerText())).toBeGreaterThanOrEqual(
        1,
      );
      await screenshot(page, "overview-alert");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe("kiosk mode (a wall screen)", () => {
  it("hides the navigation, is dark and large with nothing to click, and reconnects across a lineops restart", async () => {
    const { context, page, errors } = await signedInPage(browser, url, adminToken, "operator", {
      path: "/?kiosk=1",
      width: 1920,
      height: 1080,
    });
    try {
      await page.getByRole("heading", { level: 1, name: "Line overview" }).waitFor();
      await page.locator(".service-card").first().waitFor({ timeout: 30_000 });
      expect(await page.locator("nav").count()).toBe(0);
      expect(await page.locator(".app-header").count()).toBe(0);
      expect(await page.locator("html").getAttribute("data-theme")).toBe("dark");
      // Even an operator gets no buttons on the wall.
      expect(await page.getByRole("button").count()).toBe(0);
      const h1 = (await page.evaluate(
        'parseFloat(getComputedStyle(document.querySelector("h1")).fontSize)',
      )) as number;
      expect(h1).toBeGreaterThanOrEqual(32);
      await page.locator(".live-status", { hasText: "Live" }).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "overview-kiosk", { docs: "overview-kiosk" });

      // lineops stops: the screen says it is reconnecting, clearly.
      serve.kill("SIGTERM");
      await waitFor(
        () => (serve.exitCode !== null || serve.signalCode !== null ? true : undefined),
        30_000,
        "lineops to stop",
      );
      await page.locator('.live-status[data-live="reconnecting"]').waitFor({ timeout: 15_000 });
      expect(await page.locator(".live-status").innerText()).toContain("Reconnecting");
      await screenshot(page, "overview-kiosk-reconnecting");

      // lineops comes back on the same port: the stream reopens by itself, the line reloads.
      serve = startServe();
      await waitReady(serve);
      await page.locator('.live-status[data-live="open"]').waitFor({ timeout: 30_000 });
      await expect
        .poll(() => page.locator(".service-card").count(), { timeout: 30_000 })
        .toBe(SERVICES.length);
      // Requests refused while lineops was down are logged by Chromium; nothing else may be.
      expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|status of 50[23]/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
