// The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
// `lineops serve` built by `npm run build`: the shell loads without errors and passes axe-core in
// both themes, is keyboard-operable and fits a tablet; Explore draws a PromQL query as a uPlot
// chart and a table, and shows the API's error for a bad query. Screenshots go to test-output/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  launchBrowser,
  openPage,
  screenshot,
  serveLineops,
  seriousA11yViolations,
} from "../../src/test-support/browser.js";
import { ControlPlanes } from "../../src/test-support/cli.js";
import { tempDir } from "../../src/test-support/line.js";
import { waitFor } from "../../src/test-support/wait.js";

// A browser page under a loaded 2-core machine takes seconds per step; each wait has its own deadline.
vi.setConfig({ testTimeout: 90_000 });

const planes = new ControlPlanes();
let browser: Browser;
let url = "";
let token = "";

// Until sign-in sessions (P9, p9-auth) are merged, the browser authenticates its API calls with a
// bearer token on every request (setExtraHTTPHeaders); the app then runs in its "external" mode
// (no session endpoint, viewer controls). Once sessions exist, these tests sign in through the form.
const AUTH_NOTE = "bearer header until sessions land";

/** The session probe's 404 before p9-auth's GET /api/v1/session exists; Chromium logs it. */
const sessionProbe404 = (e: string) => /status of 404/.test(e) && e.includes("/api/v1/session");

beforeAll(async () => {
  const dir = tempDir("lineops-web-");
  [{ url, adminToken: token }, browser] = await Promise.all([serveLineops(planes, dir), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await planes.stopAll();
});

describe(`the app shell (${AUTH_NOTE})`, () => {
  it.each(["light", "dark"] as const)(
    "loads without console errors and passes axe-core in the %s theme",
    async (theme) => {
      const { context, page, errors } = await openPage(browser, url, { token, colorScheme: theme });
      try {
        await page.goto("/infrastructure");
        await page.getByRole("heading", { level: 1, name: "Infrastructure" }).waitFor();
        expect(await page.locator("html").getAttribute("data-theme")).toBe(theme);
        // An honest placeholder: what the page will be and which issue brings it, no data.
        await expect(page.getByText("Not built yet").isVisible()).resolves.toBe(true);
        await expect(page.getByText(/comes with P9 \(issue #14\)/).isVisible()).resolves.toBe(true);
        expect(await page.getByRole("link", { name: "Infrastructure" }).getAttribute("aria-current")).toBe(
          "page",
        );
        expect(await seriousA11yViolations(page)).toEqual([]);
        await screenshot(page, `shell-${theme}`);
        expect(errors.filter((e) => !sessionProbe404(e))).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );

  it("navigates with the keyboard and real URLs, and remembers the chosen theme", async () => {
    const { context, page, errors } = await openPage(browser, url, { token });
    try {
      await page.goto("/");
      await page.getByRole("heading", { level: 1, name: "Line overview" }).waitFor();
      await page.keyboard.press("Tab");
      expect(await page.locator(":focus").innerText()).toBe("Skip to content");
      // Tab to "Deployments" in the header and follow it with Enter: a client-side navigation.
      const deployments = page.getByRole("link", { name: "Deployments" });
      await deployments.focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: "Deployments" }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/deployments");
      // Back works, and a reload of an app URL is served the shell (the server's fallback).
      await page.goBack();
      await page.getByRole("heading", { level: 1, name: "Line overview" }).waitFor();
      await page.goto("/alerts");
      await page.getByRole("heading", { level: 1, name: "Alerts & incidents" }).waitFor();

      await page.getByLabel("Theme").selectOption("dark");
      expect(await page.locator("html").getAttribute("data-theme")).toBe("dark");
      await page.reload();
      await page.getByRole("heading", { level: 1, name: "Alerts & incidents" }).waitFor();
      expect(await page.locator("html").getAttribute("data-theme")).toBe("dark");
      expect(errors.filter((e) => !sessionProbe404(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("fits a tablet: no horizontal scrolling at 768 px", async () => {
    const { context, page, errors } = await openPage(browser, url, { token, width: 768, height: 1024 });
    try {
      await page.goto("/explore");
      await page.getByRole("heading", { level: 1, name: "Explore" }).waitFor();
      const overflow = (await page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth",
      )) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, "explore-tablet");
      expect(errors.filter((e) => !sessionProbe404(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe(`Explore (${AUTH_NOTE})`, () => {
  // Three series whatever was scraped: the chart must show exactly these.
  const THREE = `label_replace(vector(1), "line", "a", "", "") or label_replace(vector(2), "line", "b", "", "") or label_replace(vector(3), "line", "c", "", "")`;

  it("runs a typed query: a uPlot chart with its series, then the table lists them", async () => {
    const { context, page, errors } = await openPage(browser, url, { token });
    try {
      await page.goto("/explore");
      const editor = page.getByRole("textbox", { name: "PromQL expression" });
      await editor.click();
      await page.keyboard.type(THREE);
      await page.keyboard.press("Escape"); // close the completion list, if open
      await page.getByRole("button", { name: "Run query" }).click();

      const graph = page.locator(".graph [data-series-count]");
      await graph.locator("canvas").waitFor();
      expect(await graph.getAttribute("data-series-count")).toBe("3");
      // uPlot's legend: the x series plus one row per series.
      expect(await page.locator(".u-legend .u-series").count()).toBe(4);
      const search = new URL(page.url()).searchParams;
      expect(search.get("expr")).toBe(THREE); // shareable
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "explore-graph");

      await page.getByRole("button", { name: "Table" }).click();
      const rows = page.locator(".result-table tbody tr");
      await rows.first().waitFor();
      expect(await rows.count()).toBe(3);
      expect(await rows.allInnerTexts()).toEqual([
        expect.stringContaining('{line="a"}'),
        expect.stringContaining('{line="b"}'),
        expect.stringContaining('{line="c"}'),
      ]);
      await screenshot(page, "explore-table");
      expect(errors.filter((e) => !sessionProbe404(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("opens a shared link and shows the API's error for an invalid query", async () => {
    const { context, page } = await openPage(browser, url, { token });
    try {
      const bad = "sum(rate(";
      const api = await context.request.get(`/api/v1/query?query=${encodeURIComponent(bad)}`);
      const { error } = (await api.json()) as { error: string };
      expect(api.status()).toBe(400);

      await page.goto(`/explore?expr=${encodeURIComponent(bad)}&mode=instant`);
      const alert = page.locator(".results [role=alert]");
      await alert.waitFor();
      expect(await alert.innerText()).toContain(error);
      expect(await alert.innerText()).toContain("bad_data");
      await screenshot(page, "explore-error");
    } finally {
      await context.close();
    }
  });
});

/**
 * Stands in for p9-auth's session endpoint (its contract: POST/GET/DELETE /api/v1/session) until
 * that branch is merged; the merger replaces it with the real one and a user made by `lineops user
 * add`. Everything else the page asks goes to the real lineops. Returns the requests it saw.
 */
async function fakeSessionApi(page: Page, opts: { signedIn: boolean }) {
  let signedIn = opts.signedIn;
  const seen: { method: string; csrf: string | undefined; body: unknown }[] = [];
  const session = { user: { name: "ada", role: "operator" }, csrfToken: "csrf-7f3e" };
  await page.route("**/api/v1/session", async (route) => {
    const req = route.request();
    const headers = await req.allHeaders();
    seen.push({ method: req.method(), csrf: headers["x-csrf-token"], body: req.postDataJSON() as unknown });
    const reply = (status: number, body: object) =>
      route.fulfill({ status, contentType: "application/json", body: JSON.stringify(body) });
    const denied = { status: "error", errorType: "unauthorized", error: "not signed in" };
    if (req.method() === "GET") {
      return signedIn ? reply(200, { status: "success", data: session }) : reply(401, denied);
    }
    if (req.method() === "POST") {
      const { username, password } = req.postDataJSON() as { username: string; password: string };
      signedIn = username === "ada" && password === "correct horse";
      return signedIn ? reply(200, { status: "success", data: session }) : reply(401, denied);
    }
    if (headers["x-csrf-token"] !== session.csrfToken) {
      return reply(403, { status: "error", errorType: "forbidden", error: "CSRF token missing" });
    }
    signedIn = false;
    return reply(200, { status: "success", data: null });
  });
  return seen;
}

describe("signing in (session API stood in for until p9-auth lands)", () => {
  it("sends a signed-out user to sign-in and back, shows the role, and signs out with the CSRF token", async () => {
    const { context, page } = await openPage(browser, url);
    try {
      const seen = await fakeSessionApi(page, { signedIn: false });
      await page.goto("/infrastructure?tab=x");
      await page.getByRole("heading", { level: 1, name: "Sign in to lineops" }).waitFor();
      expect(new URL(page.url()).searchParams.get("next")).toBe("/infrastructure?tab=x");

      await page.getByLabel("User name").fill("ada");
      await page.getByLabel("Password").fill("wrong");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Wrong user name or password.").waitFor();

      await page.getByLabel("Password").fill("correct horse");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { level: 1, name: "Infrastructure" }).waitFor();
      expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe("/infrastructure?tab=x");
      expect(await page.locator(".user").innerText()).toMatch(/ada\s*\(operator\)/);
      expect(seen.find((r) => r.method === "POST")?.body).toEqual({ username: "ada", password: "wrong" });
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { level: 1, name: "Sign in to lineops" }).waitFor();
      expect(seen.filter((r) => r.method === "DELETE")).toEqual([
        { method: "DELETE", csrf: "csrf-7f3e", body: null },
      ]);
      await screenshot(page, "sign-in");
    } finally {
      await context.close();
    }
  });

  it("a 401 from the real API sends the user to sign-in, keeping where they were", async () => {
    // Signed in as far as the page knows, but lineops itself has no session for this browser.
    const { context, page } = await openPage(browser, url);
    try {
      await fakeSessionApi(page, { signedIn: true });
      await page.goto("/explore?expr=up&mode=instant");
      await page.getByRole("heading", { level: 1, name: "Sign in to lineops" }).waitFor();
      expect(new URL(page.url()).searchParams.get("next")).toBe("/explore?expr=up&mode=instant");
    } finally {
      await context.close();
    }
  });
});

describe(`Explore's editor (${AUTH_NOTE})`, () => {
  it("completes metric names from lineops's own API and function names from the grammar", async () => {
    // A metric lineops has scraped from itself (its first self-scrape may still be under way).
    const names = await waitFor(
      async () => {
        const res = await fetch(`${url}/api/v1/label/__name__/values`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const { data } = (await res.json()) as { data: string[] };
        return data.find((n) => n.startsWith("lineops_")) ?? undefined;
      },
      30_000,
      "a lineops_ metric scraped",
    );
    const { context, page, errors } = await openPage(browser, url, { token });
    try {
      await page.goto("/explore");
      await page.getByRole("textbox", { name: "PromQL expression" }).click();
      await page.keyboard.type(names.slice(0, 10));
      await page.getByRole("option", { name: names, exact: false }).first().waitFor();
      await page.keyboard.press("Control+a");
      await page.keyboard.press("Delete");
      await page.keyboard.type("label_rep");
      await page
        .getByRole("option", { name: /label_replace/ })
        .first()
        .waitFor();
      expect(errors.filter((e) => !sessionProbe404(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the server's answer to Format, an error included", async () => {
    const { context, page } = await openPage(browser, url, { token });
    try {
      await page.goto(`/explore?expr=${encodeURIComponent("sum(up)by(job)")}&mode=instant`);
      const direct = await context.request.get(
        `/api/v1/format_query?query=${encodeURIComponent("sum(up)by(job)")}`,
      );
      const body = (await direct.json()) as { status: string; data?: string; error?: string };
      await page.getByRole("button", { name: "Format" }).click();
      if (body.status === "success") {
        await page
          .getByText(body.data ?? "")
          .first()
          .waitFor();
      } else {
        // Until /api/v1/format_query exists (p9-promapi), its 404 is what the page must show.
        await page.getByText(`Format: not_found: ${body.error ?? ""}`).waitFor();
      }
    } finally {
      await context.close();
    }
  });
});
