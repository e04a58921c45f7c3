// The report service on the manual clock over a real store: schedules generate on time, a restart
// generates what it missed once, files are listed, downloadable and expire; PDF without Chromium is
// a 503 naming the browser.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../../monitoring/promql/engine.js";
import { MemoryStorage } from "../../monitoring/promql/test-support/memory-storage.js";
import { promqlQuerier } from "../../monitoring/query.js";
import { openDb, type Db } from "../../store/db.js";
import { ReportRepository } from "../../store/reports.js";
import { RevisionRepository } from "../../store/revisions.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { tempDir } from "../../test-support/line.js";
import { ShiftCalendar } from "../analytics/index.js";
import { csvField } from "./render-csv.js";
import { PdfRenderer } from "./render-pdf.js";
import { ReportService } from "./service.js";

const T0 = Date.parse("2026-03-02T00:00:00Z"); // a Monday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  const app = s.appender();
  for (let k = 0; k < 4 * 24 * 240; k++) {
    const t = T0 + k * 15_000 + 7_500;
    app.append(
      { __name__: "lineops_router_requests_total", service: 'press "A", b', code: "200" },
      t,
      k * 10,
    );
    app.append(
      { __name__: "ALERTS_FOR_STATE", alertname: "StationJammed", station: "1" },
      t,
      k < 500 ? 1 : 2,
    );
  }
  app.commit();
  return s;
}

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) {
    db.close();
  }
});

function service(dir: string, clock: ManualClock, opts: { maxFiles?: number } = {}) {
  const db = openDb(dir);
  dbs.push(db);
  const querier = promqlQuerier(new Engine({}), storage());
  const logs: string[] = [];
  const log = (level: string) => (obj: object, msg?: string) =>
    logs.push(`${level}: ${msg ?? ""} ${JSON.stringify(obj)}`);
  const svc = new ReportService({
    sources: {
      analytics: () => ({
        line: "L",
        calendar: new ShiftCalendar({
          timezone: "UTC",
          calendar: [{ name: "all-day", windows: ["00:00-24:00"], breaks: [] }],
        }),
        querier,
        slo: { window: 30 * DAY, objective: 99.5, services: {} },
        services: ["mes"],
      }),
      rawQuerier: querier,
      deployments: () => [],
      revisions: new RevisionRepository(db),
    },
    repository: new ReportRepository(db),
    dir: path.join(dir, "reports"),
    config: () => ({ retention: 30 * DAY, max_files: opts.maxFiles ?? 100 }),
    clock,
    pdf: new PdfRenderer({ executablePath: path.join(dir, "no-chromium") }),
    logger: { info: log("info"), warn: log("warn"), error: log("error") },
  });
  return { svc, logs };
}

describe("report schedules", () => {
  it("generate at the due time, listed and downloadable; a PDF without Chromium is skipped with a warning", async () => {
    const dir = tempDir("lineops-reports-");
    const clock = new ManualClock(T0 + 2 * DAY + HOUR); // Wednesday 01:00
    const { svc, logs } = service(dir, clock);
    svc.start();
    const s = svc.addSchedule(
      { name: "daily", period: "day", at: "06:00", formats: ["csv", "html", "pdf"] },
      "op",
    );
    expect(new Date(s.nextDueAt!).toISOString()).toBe("2026-03-04T06:00:00.000Z");
    await clock.advance(4 * HOUR);
    await svc.idle();
    expect(svc.files()).toHaveLength(0);
    await clock.advance(HOUR);
    await svc.idle();
    const files = svc.files();
    expect(files.map((f) => f.format).sort()).toEqual(["csv", "html"]);
    expect(files[0]).toMatchObject({
      fromMs: T0 + DAY + 6 * HOUR,
      toMs: T0 + 2 * DAY + 6 * HOUR,
      scheduleId: s.id,
    });
    expect(logs.some((l) => l.startsWith("warn") && l.includes('"format":"pdf"'))).toBe(true);
    const csv = svc.download(files.find((f) => f.format === "csv")!.id);
    const text = csv.body.toString();
    expect(csv.contentType).toMatch(/^text\/csv/);
    // RFC 4180: a field with quotes and a comma is quoted, its quotes doubled; CRLF line ends.
    expect(text).toContain('"press ""A"", b",0.995,1,');
    expect(text).toContain("\r\nTop alerts by activations\r\nAlert,Activations\r\nStationJammed,");
    expect(text).toContain('MTTA and MTTR,"comes with P10');
    expect(svc.schedules()[0]).toMatchObject({ name: "daily", lastDueAt: T0 + 2 * DAY + 6 * HOUR });
    await svc.stop();
  });

  it("a restart generates a missed run once, however many were missed", async () => {
    const dir = tempDir("lineops-reports-");
    const clock = new ManualClock(T0 + HOUR);
    const first = service(dir, clock);
    first.svc.start();
    first.svc.addSchedule({ name: "daily", period: "day", at: "06:00", formats: ["csv"] }, "op");
    await first.svc.stop();
    dbs.pop()?.close();
    // Down for three days: three runs came due.
    await clock.advance(3 * DAY);
    const second = service(dir, clock);
    second.svc.start();
    await second.svc.idle();
    expect(second.svc.files().map((f) => f.toMs)).toEqual([T0 + 2 * DAY + 6 * HOUR]);
    await second.svc.stop();
    const third = service(dir, clock);
    third.svc.start();
    await third.svc.idle();
    expect(third.svc.files()).toHaveLength(1);
    await third.svc.stop();
  });

  it("keeps at most max_files, deleting the files of older ones", async () => {
    const dir = tempDir("lineops-reports-");
    const clock = new ManualClock(T0 + 30 * 60_000);
    const { svc } = service(dir, clock, { maxFiles: 2 });
    svc.start();
    svc.addSchedule({ name: "hourly-ish", period: "shift", formats: ["csv"] }, "op");
    svc.addSchedule({ name: "daily", period: "day", at: "01:00", formats: ["csv"] }, "op");
    await clock.advance(2 * DAY);
    await svc.idle();
    expect(svc.files()).toHaveLength(2);
    expect(readdirSync(path.join(dir, "reports"))).toHaveLength(2);
    await svc.stop();
  });

  it("refuses bad schedules naming the field, and unknown ids", () => {
    const dir = tempDir("lineops-reports-");
    const { svc } = service(dir, new ManualClock(T0));
    expect(() =>
      svc.addSchedule({ name: "x", period: "shift", shift: "night", formats: ["csv"] }, "op"),
    ).toThrow(/^body\.shift: unknown shift "night"/);
    expect(() => svc.addSchedule({ name: "x", period: "week", at: "06:00", formats: ["csv"] }, "op")).toThrow(
      /body\.weekday/,
    );
    expect(() => svc.deleteSchedule("nope")).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_REPORT_NOT_FOUND" }),
    );
    expect(() => svc.download("nope")).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_REPORT_NOT_FOUND" }),
    );
  });

  it("PDF without Chromium is a 503 naming the missing browser", async () => {
    const dir = tempDir("lineops-reports-");
    const { svc } = service(dir, new ManualClock(T0 + 2 * DAY));
    const report = await svc.report({ period: "day" });
    await expect(svc.render(report, "pdf")).rejects.toMatchObject({
      code: "LINEOPS_ERR_REPORT_PDF_UNAVAILABLE",
      httpStatus: 503,
      message: expect.stringContaining(`Chromium at ${path.join(dir, "no-chromium")}`),
    });
    expect(existsSync(path.join(dir, "no-chromium"))).toBe(false);
  });

  it("csvField quotes only what RFC 4180 requires", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('a "b"')).toBe('"a ""b"""');
    expect(csvField("x\r\ny")).toBe('"x\r\ny"');
  });
});
