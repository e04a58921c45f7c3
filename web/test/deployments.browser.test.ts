// The Deployments page in a real browser (Debian's Chromium through playwright-core) against a real
// `lineops serve` (compiled: `npm run build` first) running services of the sample line. An operator
// starts a canary from the form (the API's validation error shows at the field first) and watches
// its steps advance to Succeeded on the same page, without a reload: the live stream drives it. A
// viewer sees no controls, and the API refuses the viewer's forged calls. An operator aborts a
// paused canary through the confirmation dialog. axe-core finds nothing serious; screenshots go to
// test-output/ (and the best to docs/screenshots/deployments.png).
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  launchBrowser,
  screenshot,
  serveLineops,
  seriousA11yViolations,
  signedInPage,
} from "../../src/test-support/browser.js";
import { ControlPlanes } from "../../src/test-support/cli.js";
import { sampleService, tempDir } from "../../src/test-support/line.js";
import { waitFor } from "../../src/test-support/wait.js";

// A loaded 2-core machine takes seconds per browser step; each wait below has its own deadline.
vi.setConfig({ testTimeout: 120_000 });

const planes = new ControlPlanes();
let browser: Browser;
let url = "";
let adminToken = "";

// plc-gateway rolls out as a canary that the page can show whole: a weight, an analysis with a
// threshold metric and a baseline-against-canary comparison, a timed pause, then everything.
const LINE = `line:
  name: deploy-page-line
analysisTemplates:
  - name: steady
    metrics:
      - name: load
        query: vector(time() % 60 / 100)
        interval: 1s
        count: 3
        successCondition: result < 1
    comparisons:
      - name: latency
        query: label_replace(vector(0.02), "revision", "{{args.revision}}", "", "")
        interval: 1s
        minSamples: 3
services:
${sampleService("plc-gateway", {
  extra: `    replicas: 2
    strategy:
      type: canary
      steps:
        - setWeight: 50
        - analysis: { templates: [steady] }
        - pause: { duration: 2s }
        - setWeight: 100
`,
})}${sampleService("quality-inspection", { extra: "    dependsOn: [plc-gateway]\n" })}`;

beforeAll(async () => {
  const dir = tempDir("lineops-deploy-page-");
  const line = path.join(dir, "line.yaml");
  writeFileSync(line, LINE);
  [{ url, adminToken }, browser] = await Promise.all([
    serveLineops(planes, dir, ["--line", line]),
    launchBrowser(),
  ]);
  await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 60_000, "the sample line to be ready");
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await planes.stopAll();
});

/** The sign-in page's session probe before anyone signed in: a 401 Chromium logs. */
const signInProbe = (e: string) => /status of 401/.test(e) && e.includes("/api/v1/session");

type Deployment = { id: string; phase: string; service: string };

async function admin<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

function waitPhase(id: string, phases: string[], timeoutMs = 60_000): Promise<Deployment> {
  return waitFor(
    async () => {
      const d = (await admin<Deployment>("GET", `/api/v1/deployments/${id}`)).body;
      return phases.includes(d.phase) ? d : undefined;
    },
    timeoutMs,
    `deployment ${id} to reach ${phases.join(" or ")}`,
  );
}

/** The phase the deployment view shows (its data-phase), read from the page. */
const shownPhase = (page: Page) => page.locator("section.deployment").getAttribute("data-phase");

describe("Deployments page", () => {
  it("lets an operator start a canary from the form and watch it progress to Succeeded, live", async () => {
    const { context, page, errors } = await signedInPage(browser, url, adminToken, "operator", {
      path: "/deployments",
    });
    try {
      await page.getByRole("heading", { level: 1, name: "Deployments" }).waitFor();
      await page.getByText("Live", { exact: true }).waitFor({ timeout: 30_000 });
      // A marker that a reload would wipe: the steps must advance on this very document.
      await page.evaluate(() => {
        (globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true;
      });

      const form = page.getByRole("form", { name: "Start a deployment" });
      await form.getByLabel("Service", { exact: true }).selectOption("plc-gateway");
      // The API's validation error is shown next to the field it names.
      await form.getByLabel("Version", { exact: true }).fill("not a version!");
      await form.getByRole("button", { name: "Deploy" }).click();
      const version = form.getByLabel("Version", { exact: true });
      await waitFor(
        async () => (await version.getAttribute("aria-invalid")) === "true",
        15_000,
        "the version error",
      );
      const describedBy = (await version.getAttribute("aria-describedby")) ?? "";
      expect(await page.locator(`[id="${describedBy}"]`).innerText()).toMatch(/^body\.version: /);

      await version.fill("1.1.0");
      await form.getByRole("button", { name: "Deploy" }).click();
      await page.waitForURL((u) => u.searchParams.has("id"), { timeout: 15_000 });
      const id = new URL(page.url()).searchParams.get("id") ?? "";
      const view = page.locator("section.deployment");
      await view
        .getByRole("heading", { level: 2, name: /^plc-gateway: rev 1 \(1\.0\.0\) → rev 2 \(1\.1\.0\)$/ })
        .waitFor({
          timeout: 15_000,
        });

      // Watch the current step change on screen until the rollout is done, as a person would.
      const seen: string[] = [];
      await waitFor(
        async () => {
          const current = await view.locator('.steps [aria-current="step"]').allInnerTexts();
          const label = current[0]
            ?.replace(/\s*\(current\)$/, "")
            .replace(/^▶\s*/, "")
            .trim();
          if (label && seen[seen.length - 1] !== label) {
            seen.push(label);
          }
          return (await shownPhase(page)) === "Succeeded";
        },
        90_000,
        "the page to show the deployment Succeeded",
      );
      expect(seen.length, `current steps seen: ${seen.join(" | ")}`).toBeGreaterThanOrEqual(2);
      expect(
        await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
      ).toBe(true);
      expect((await admin<Deployment>("GET", `/api/v1/deployments/${id}`)).body.phase).toBe("Succeeded");
      const steps = view.locator(".steps li");
      expect(await steps.count()).toBe(5);
      expect(await view.locator(".steps .step-done").count()).toBe(5);

      // The analysis: both metrics with their PromQL (rendered, canary and baseline) and a chart each.
      const analysis = view.locator(".deploy-analysis");
      await analysis.getByText("Step 2 (steady):").waitFor();
      expect(await analysis.locator(".metric").count()).toBe(2);
      const latency = analysis.getByRole("article", { name: /steady\/latency/ });
      expect(await latency.locator("dd code").first().innerText()).toMatch(
        /label_replace\(vector\(0\.02\), "revision", "[0-9a-f]+"/,
      );
      expect(await latency.getByText("PromQL (baseline)").count()).toBe(1);
      await latency.locator("canvas").first().waitFor();
      expect(await latency.locator("[data-series-count]").getAttribute("data-series-count")).toBe("2");

      // History and the spec diff between revisions 1 and 2.
      await page.getByRole("button", { name: "Show changes from rev 1" }).click();
      await page.getByText(/fields? changed from rev 1 to rev 2/).waitFor();
      expect(await page.locator(".changes tbody th", { hasText: /^version$/ }).count()).toBe(1);
      expect(await page.locator("pre.diff .diff-add", { hasText: "version: 1.1.0" }).count()).toBe(1);

      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "deployments-succeeded", { docs: "deployments" });
      // The refused deploy (400) is logged by Chromium; it is the point of the first submit.
      expect(errors.filter((e) => !/status of 400/.test(e) && !signInProbe(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows a paused canary to a viewer without controls, refuses the viewer's forged calls, and lets an operator abort it", async () => {
    const started = await admin<Deployment>("POST", "/api/v1/deployments", {
      service: "quality-inspection",
      version: "1.1.0",
      strategy: { type: "canary", steps: [{ setWeight: 50 }, { pause: {} }] },
    });
    expect(started.status).toBe(201);
    const id = started.body.id;
    await waitPhase(id, ["Paused"]);

    const viewer = await signedInPage(browser, url, adminToken, "viewer", {
      path: `/deployments?id=${id}`,
      colorScheme: "dark",
      width: 768,
      height: 1024,
    });
    try {
      const { page } = viewer;
      await waitFor(
        async () => (await shownPhase(page)) === "Paused",
        30_000,
        "the viewer's page to show Paused",
      );
      for (const name of ["Promote", "Pause", "Resume", "Abort", "Roll back", "Deploy"]) {
        expect(await page.getByRole("button", { name, exact: true }).count(), name).toBe(0);
      }
      expect(await page.getByRole("form", { name: "Start a deployment" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /^Roll back to rev/ }).count()).toBe(0);
      // The API refuses the viewer anyway: a hand-made call with the viewer's own session and CSRF token.
      const forged = await page.evaluate(async (deployment) => {
        const session = (await (await fetch("/api/v1/session")).json()) as { data: { csrfToken: string } };
        const headers = { "content-type": "application/json", "x-csrf-token": session.data.csrfToken };
        const abort = await fetch(`/api/v1/deployments/${deployment}/abort`, { method: "POST", headers });
        const deploy = await fetch("/api/v1/deployments", {
          method: "POST",
          headers,
          body: JSON.stringify({ service: "plc-gateway", version: "9.9.9" }),
        });
        return {
          abort: abort.status,
          deploy: deploy.status,
          code: ((await deploy.json()) as { code?: string }).code,
        };
      }, id);
      expect(forged).toEqual({ abort: 403, deploy: 403, code: "LINEOPS_ERR_FORBIDDEN" });
      expect((await admin<Deployment>("GET", `/api/v1/deployments/${id}`)).body.phase).toBe("Paused");
      // A tablet in the dark theme: no sideways scrolling, nothing serious for axe.
      expect(
        (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number,
      ).toBeLessThanOrEqual(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "deployments-viewer-tablet-dark");
      // Chromium logs the refused calls (403) as console errors; nothing else may appear.
      expect(viewer.errors.filter((e) => !/status of 403/.test(e) && !signInProbe(e))).toEqual([]);
    } finally {
      await viewer.context.close();
    }

    const operator = await signedInPage(browser, url, adminToken, "operator", {
      path: `/deployments?id=${id}`,
    });
    try {
      const { page } = operator;
      await waitFor(
        async () => (await shownPhase(page)) === "Paused",
        30_000,
        "the operator's page to show Paused",
      );
      expect(await page.getByRole("button", { name: "Promote" }).count()).toBe(1);
      await page.getByRole("button", { name: "Abort", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Abort the deployment of quality-inspection?" });
      await dialog.waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, "deployments-abort-confirm");
      await dialog.getByRole("button", { name: "Abort deployment" }).click();
      await waitFor(async () => (await shownPhase(page)) === "Aborted", 60_000, "the page to show Aborted");
      expect((await waitPhase(id, ["Aborted"])).phase).toBe("Aborted");
      // Finished: the controls are gone.
      expect(await page.getByRole("button", { name: "Abort", exact: true }).count()).toBe(0);
      await screenshot(page, "deployments-aborted");
      expect(operator.errors.filter((e) => !signInProbe(e))).toEqual([]);
    } finally {
      await operator.context.close();
    }
  });
});
