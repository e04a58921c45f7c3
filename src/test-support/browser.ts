// The web UI's browser tests: Debian's Chromium (scripts/system-deps.sh installs it; no browser is
// ever downloaded) driven by playwright-core, a real `lineops serve` to point it at, axe-core run in
// the page, and screenshots under test-output/.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { ControlPlanes } from "./cli.js";
import { waitFor } from "./wait.js";
import { PACKAGE_ROOT } from "../version.js";

/** Debian's package puts it here; LINEOPS_CHROMIUM points elsewhere (another distribution). */
export const CHROMIUM = process.env.LINEOPS_CHROMIUM ?? "/usr/bin/chromium";
export const INSTALL_CHROMIUM =
  "sudo bash scripts/system-deps.sh   (or just: sudo apt-get install -y chromium)";

export const TEST_OUTPUT = path.join(PACKAGE_ROOT, "test-output");

/** Starts headless Chromium; without it, fails naming the command that installs it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the web UI's tests need it. Install it with: ${INSTALL_CHROMIUM}`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium refuses to run as root with its sandbox (CI and these machines run tests as root).
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
    timeout: 30_000,
  });
}

export type TestPage = {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page, CSP violations included. */
  errors: string[];
};

/**
 * A fresh context (no shared storage) at `baseURL`, with the page's errors collected. `token`
 * authenticates every request the browser makes with a bearer header.
 */
export async function openPage(
  browser: Browser,
  baseURL: string,
  opts: { token?: string; colorScheme?: "light" | "dark"; width?: number; height?: number } = {},
): Promise<TestPage> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme ?? "light",
  });
  if (opts.token !== undefined) {
    await context.setExtraHTTPHeaders({ authorization: `Bearer ${opts.token}` });
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") {
      errors.push(`${m.text()} (${m.location().url})`);
    }
  });
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  return { context, page, errors };
}

const requireHere = createRequire(import.meta.url);
let axeSource: string | undefined;

export type AxeViolation = {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
};

/**
 * Runs axe-core on the page as it is and returns its serious and critical violations. The source
 * is evaluated through the DevTools protocol, which the page's CSP (no inline scripts) does not govern.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(requireHere.resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(o: object): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const r = await axe.run({ resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/**
 * Saves a full-page screenshot as test-output/<name>.png and returns its path. With `docs`, the
 * shot is also the documentation's docs/screenshots/<docs>.png, refreshed only when asked
 * (LINEOPS_UPDATE_SCREENSHOTS=1): a test run never changes tracked files.
 */
export async function screenshot(page: Page, name: string, opts: { docs?: string } = {}): Promise<string> {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const file = path.join(TEST_OUTPUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (opts.docs !== undefined && process.env.LINEOPS_UPDATE_SCREENSHOTS === "1") {
    copyFileSync(file, path.join(PACKAGE_ROOT, "docs", "screenshots", `${opts.docs}.png`));
  }
  return file;
}

/**
 * `lineops serve` (compiled: run `npm run build` first) on a free port in `dataDir`, as users run
 * it; resolves with its URL and the admin token it prints on first start. `planes.stopAll()` ends it.
 */
export async function serveLineops(
  planes: ControlPlanes,
  dataDir: string,
  args: string[] = [],
): Promise<{ url: string; adminToken: string }> {
  const child = planes.spawn(dataDir, ["serve", "--data-dir", dataDir, "--port", "0", ...args]);
  return waitFor(
    () => {
      if (child.exitCode !== null) {
        throw new Error(`lineops serve exited ${child.exitCode}: ${child.output()}`);
      }
      const url = /^lineops (https?:\/\/\S+)$/m.exec(child.output())?.[1];
      const adminToken = /admin token \(shown once, store it now\): (\S+)/.exec(child.output())?.[1];
      return url && adminToken ? { url, adminToken } : undefined;
    },
    30_000,
    "lineops serve to print its URL and admin token",
  );
}

/** Creates user `name` with `role` through the admin API (the admin token `lineops serve` printed). */
export async function createUser(
  baseURL: string,
  adminToken: string,
  name: string,
  role: "viewer" | "operator" | "admin",
  password = `pw-${name}-correct-horse`,
): Promise<{ name: string; password: string }> {
  const res = await fetch(new URL("/api/v1/users", baseURL), {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name, role, password }),
  });
  if (res.status !== 201 && res.status !== 409) {
    throw new Error(`creating user ${name}: ${res.status} ${await res.text()}`);
  }
  return { name, password };
}

/**
 * A fresh page signed in as a new user of `role` through the sign-in form, as a person does: the
 * session cookie and CSRF token are the app's own, no header is injected. Lands on `path`.
 */
export async function signedInPage(
  browser: Browser,
  baseURL: string,
  adminToken: string,
  role: "viewer" | "operator" | "admin",
  opts: { path?: string; colorScheme?: "light" | "dark"; width?: number; height?: number } = {},
): Promise<TestPage> {
  const user = await createUser(baseURL, adminToken, `${role}-user`, role);
  const { path: where = "/", ...pageOpts } = opts;
  const t = await openPage(browser, baseURL, pageOpts);
  await t.page.goto(`/sign-in?next=${encodeURIComponent(where)}`);
  await t.page.getByLabel("User name").fill(user.name);
  await t.page.getByLabel("Password").fill(user.password);
  await t.page.getByRole("button", { name: "Sign in" }).click();
  await t.page.waitForURL((u) => u.pathname === where.split("?")[0], { timeout: 30_000 });
  // The sign-in page's session probe answered 401 before signing in, as it must; Chromium logs
  // that as a console error. It is not an error of the page the test is about.
  const probe = t.errors.findIndex((e) => /status of 401/.test(e) && e.includes("/api/v1/session"));
  if (probe >= 0) {
    t.errors.splice(probe, 1);
  }
  return t;
}
