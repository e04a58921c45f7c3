// The PDF rendering: the HTML report printed by Debian's Chromium through playwright-core. lineops
// never downloads a browser: without one at the configured path the answer is a 503 naming it. One
// render at a time (a Chromium is a few hundred MB), a short queue behind it, and a time limit
// after which the browser is closed.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { ReportErrors } from "./errors.js";

export type PdfRendererOptions = {
  /** Default: LINEOPS_CHROMIUM or /usr/bin/chromium. */
  executablePath?: string;
  timeoutMs?: number;
  /** Renders that may wait behind the running one; more are refused (503). */
  maxQueued?: number;
};

export const DEFAULT_CHROMIUM = process.env.LINEOPS_CHROMIUM ?? "/usr/bin/chromium";

export class PdfRenderer {
  private readonly executablePath: string;
  private readonly timeoutMs: number;
  private readonly maxQueued: number;
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(o: PdfRendererOptions = {}) {
    this.executablePath = o.executablePath ?? DEFAULT_CHROMIUM;
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.maxQueued = o.maxQueued ?? 2;
  }

  available(): boolean {
    return existsSync(this.executablePath);
  }

  /** Throws LINEOPS_ERR_REPORT_PDF_UNAVAILABLE (503) without Chromium. */
  render(html: string): Promise<Buffer> {
    if (!this.available()) {
      throw ReportErrors.pdfUnavailable(
        `PDF reports need Chromium at ${this.executablePath}, which is not installed ` +
          "(lineops never downloads a browser): install it (apt-get install chromium) or set LINEOPS_CHROMIUM; HTML and CSV work without it",
      );
    }
    if (this.waiting > this.maxQueued) {
      throw ReportErrors.busy(
        "PDF renderer busy: too many reports wait for the one Chromium; try again shortly",
      );
    }
    this.waiting++;
    const run = this.tail.then(() => this.renderNow(html));
    this.tail = run.catch(() => undefined).finally(() => this.waiting--);
    return run;
  }

  private async renderNow(html: string): Promise<Buffer> {
    let browser: Browser | undefined;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(ReportErrors.busy(`PDF rendering took longer than ${this.timeoutMs} ms and was stopped`)),
        this.timeoutMs,
      );
    });
    try {
      const work = (async () => {
        browser = await chromium.launch({
          executablePath: this.executablePath,
          headless: true,
          // Chromium refuses to run as root with its sandbox (containers run lineops as root).
          args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
          timeout: this.timeoutMs,
        });
        if (finished) {
          // The time ran out while Chromium started: nobody closes it but us.
          await browser.close();
          throw ReportErrors.busy("PDF rendering stopped");
        }
        const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
        const page = await context.newPage();
        await page.setContent(html, { waitUntil: "load", timeout: this.timeoutMs });
        return page.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true });
      })();
      return await Promise.race([work, timeout]);
    } finally {
      finished = true;
      clearTimeout(timer);
      await (browser as Browser | undefined)?.close().catch(() => undefined);
    }
  }
}
