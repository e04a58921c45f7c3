// The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
// `lineops serve` built by `npm run build`: the shell loads without errors and passes axe-core in
// both themes, is keyboard-operable and fits a tablet; Explore draws a PromQL query as a uPlot
// chart and a table, and shows the API's error for a bad query. Every page signs in through the
// form with a real user (the session cookie and CSRF token are the app's own); sign-in, the 401
// redirect and sign-out run against the real session API. Screenshots go to test-output/.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createUser,
  launchBrowser,
  openPage,
  screenshot,
  serveLineops,
  seriousA11yViolations,
  signedInPage,
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

beforeAll(async () => {
  const dir = tempDir("lineops-web-");
  [{ url, adminToken: token }, browser] = await Promise.all([serveLineops(planes, dir), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await planes.stopAll();
});

describe("the app shell", () => {
  it.each(["light", "dark"] as const)(
    "loads without console errors and passes axe-core in the %s theme",
    async (theme) => {
      const { context, page, errors } = await signedInPage(browser, url, token, "viewer", {
        path: "/infrastructure",
        colorScheme: theme,
      });
      try {
        await page.getByRole("heading", { level: 1, name: "Infrastructure" }).waitFor();
        expect(await page.locator("html").getAttribute("data-theme")).toBe(theme);
        // The Infrastructure page (P11) with its data: the machines table names this host.
        await page
          .getByRole("region", { name: "Machines" })
          .getByText(/this host/)
          .waitFor();
        expect(await page.getByRole("link", { name: "Infrastructure" }).getAttribute("aria-current")).toBe(
          "page",
        );
        expect(await seriousA11yViolations(page)).toEqual([]);
        await screenshot(page, `shell-${theme}`);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );

  it("navigates with the keyboard and real URLs, and remembers the chosen theme", async () => {
    const { context, page, errors } = await signedInPage(browser, url, token, "viewer");
    try {
      await page.goto("/"); // a full load: Tab starts from the top of the document
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
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("fits a tablet: no horizontal scrolling at 768 px", async () => {
    const { context, page, errors } = await signedInPage(browser, url, token, "viewer", {
      path: "/explore",
      width: 768,
      height: 1024,
    });
    try {
      await page.getByRole("heading", { level: 1, name: "Explore" }).waitFor();
      const overflow = (await page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth",
      )) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, "explore-tablet");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe("Explore", () => {
  // Three series whatever was scraped: the chart must show exactly these.
  const THREE = `label_replace(vector(1), "line", "a", "", "") or label_replace(vector(2), "line", "b", "", "") or label_replace(vector(3), "line", "c", "", "")`;

  it("runs a typed query: a uPlot chart with its series, then the table lists them", async () => {
    const { context, page, errors } = await signedInPage(browser, url, token, "viewer", { path: "/explore" });
    try {
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
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("opens a shared link and shows the API's error for an invalid query", async () => {
    const { context, page } = await signedInPage(browser, url, token, "viewer");
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

describe("signing in (the real session API: POST/GET/DELETE /api/v1/session)", () => {
  it("sends a signed-out user to sign-in and back, shows the role, and signs out with the CSRF token", async () => {
    const ada = await createUser(url, token, "ada", "operator", "correct horse battery");
    const { context, page } = await openPage(browser, url);
    try {
      const seen: { method: string; csrf: string | undefined; body: unknown }[] = [];
      let csrfToken: string | undefined;
      page.on("request", (req) => {
        if (new URL(req.url()).pathname === "/api/v1/session") {
          seen.push({
            method: req.method(),
            csrf: req.headers()["x-csrf-token"],
            body: req.method() === "POST" ? (req.postDataJSON() as unknown) : null,
          });
        }
      });
      page.on("response", (res) => {
        if (
          new URL(res.url()).pathname === "/api/v1/session" &&
          res.request().method() === "POST" &&
          res.ok()
        ) {
          void res.json().then((b: { data: { csrfToken: string } }) => (csrfToken = b.data.csrfToken));
        }
      });
      await page.goto("/infrastructure?tab=x");
      await page.getByRole("heading", { level: 1, name: "Sign in to lineops" }).waitFor();
      expect(new URL(page.url()).searchParams.get("next")).toBe("/infrastructure?tab=x");

      await page.getByLabel("User name").fill(ada.name);
      await page.getByLabel("Password").fill("wrong");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Wrong user name or password.").waitFor();

      await page.getByLabel("Password").fill(ada.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { level: 1, name: "Infrastructure" }).waitFor();
      expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe("/infrastructure?tab=x");
      expect(await page.locator(".user").innerText()).toMatch(/ada\s*\(operator\)/);
      expect(seen.find((r) => r.method === "POST")?.body).toEqual({ username: "ada", password: "wrong" });
      // The session is lineops's own: its cookie authenticates a plain GET.
      expect((await context.request.get("/api/v1/session")).status()).toBe(200);
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { level: 1, name: "Sign in to lineops" }).waitFor();
      expect(csrfToken).toMatch(/\S{16,}/);
      expect(seen.filter((r) => r.method === "DELETE")).toEqual([
        { method: "DELETE", csrf: csrfToken, body: null },
      ]);
      // Signed out on the server too, not only in the page.
      expect((await context.request.get("/api/v1/session")).status()).toBe(401);
      await screenshot(page, "sign-in");
    } finally {
      await context.close();
    }
  });

  it("a 401 from the real API sends the user to sign-in, keeping where they were", async () => {
    const { context, page } = await signedInPage(browser, url, token, "viewer", {
      path: "/explore?expr=up&mode=instant",
    });
    try {
      await page.getByRole("heading", { level: 1, name: "Explore" }).waitFor();
      // Signed in as far as the page knows, but lineops no longer has a session for this browser.
      await context.clearCookies();
      await page.getByRole("button", { name: "Run query" }).click();
      await page.getByRole("heading", { level: 1, name: "Sign in to lineops" }).waitFor();
      expect(new URL(page.url()).searchParams.get("next")).toBe("/explore?expr=up&mode=instant");
    } finally {
      await context.close();
    }
  });
});

describe("Explore's editor", () => {
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
    const { context, page, errors } = await signedInPage(browser, url, token, "viewer", { path: "/explore" });
    try {
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
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the server's answer to Format, an error included", async () => {
    const { context, page } = await signedInPage(browser, url, token, "viewer", {
      path: `/explore?expr=${encodeURIComponent("sum(up)by(job)")}&mode=instant`,
    });
    try {
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
