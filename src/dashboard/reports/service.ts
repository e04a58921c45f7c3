// Operations reports: generated on request (HTML, CSV, PDF or the JSON figures) and on schedules.
// Schedules live in SQLite with the due time last generated; the scheduler runs on the injected
// clock, generates each due run once (a run missed while lineops was down is generated once at
// start, however many were missed), keeps the files in <dataDir>/reports and removes them after
// the retention. Delivery by email comes with P10's SMTP channel; until then reports are downloaded.
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Clock, TimerHandle } from "../../clock.js";
import type { ReportsConfig } from "../../config/slo-schema.js";
import { formatLocal } from "../../model/zone.js";
import type { ReportFileRecord, ReportRepository, ReportScheduleRecord } from "../../store/reports.js";
import { ReportErrors } from "./errors.js";
import { gatherReport, type OperationsReport, type ReportSources } from "./gather.js";
import {
  dueRuns,
  nextRun,
  reportSpan,
  scheduleSpecSchema,
  type PeriodRequest,
  type ReportFormat,
  type ReportSpan,
  type ScheduleSpec,
} from "./period.js";
import { renderCsv } from "./render-csv.js";
import { renderHtml } from "./render-html.js";
import type { PdfRenderer } from "./render-pdf.js";

type Log = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type ReportServiceOptions = {
  sources: ReportSources;
  repository: ReportRepository;
  /** Where generated files go: <dataDir>/reports. */
  dir: string;
  config: () => ReportsConfig;
  clock: Clock;
  pdf: PdfRenderer;
  logger: Log;
  maxSchedules?: number;
};

export type RenderedReport = { contentType: string; filename: string; body: string | Buffer };
export type ScheduleView = {
  id: string;
  createdAt: number;
  createdBy: string;
  lastDueAt?: number;
  /** The next due time, or null when it never comes (a shift not in the calendar). */
  nextDueAt: number | null;
} & ScheduleSpec;

const CONTENT_TYPES: Record<ReportFormat, string> = {
  html: "text/html; charset=utf-8",
  csv: "text/csv; charset=utf-8; header=present",
  pdf: "application/pdf",
};
const DAY_MS = 86_400_000;
/** However long lineops was down, only the last due run of a schedule is generated; look back this far. */
const CATCH_UP_MS = 8 * DAY_MS;
/** The scheduler wakes at least this often: calendar reloads and clock jumps are noticed. */
const MAX_SLEEP_MS = 3_600_000;

export class ReportService {
  private readonly o: ReportServiceOptions;
  private readonly maxSchedules: number;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(o: ReportServiceOptions) {
    this.o = o;
    this.maxSchedules = o.maxSchedules ?? 50;
  }

  /** The figures of a report over the period asked for (a bad shift or range: 400 naming it). */
  async report(r: PeriodRequest): Promise<OperationsReport> {
    const now = this.o.clock.now();
    const span = reportSpan(this.o.sources.analytics().calendar, r, now);
    return gatherReport(this.o.sources, span, r.period, now);
  }

  async render(report: OperationsReport, format: ReportFormat): Promise<RenderedReport> {
    const day = formatLocal(report.from, report.timezone).slice(0, 16).replace(":", "");
    const filename = `lineops-${report.period}${report.shift ? `-${report.shift}` : ""}-report-${day}.${format}`;
    const html = () => renderHtml(report);
    const body =
      format === "csv" ? renderCsv(report) : format === "html" ? html() : await this.o.pdf.render(html());
    return { contentType: CONTENT_TYPES[format], filename, body };
  }

  pdfAvailable(): boolean {
    return this.o.pdf.available();
  }

  schedules(): ScheduleView[] {
    const now = this.o.clock.now();
    return this.o.repository.schedules().flatMap((s) => {
      const spec = this.specOf(s);
      return spec ? [this.view(s, spec, now)] : [];
    });
  }

  addSchedule(body: unknown, by: string): ScheduleView {
    const parsed = scheduleSpecSchema.safeParse(body);
    if (!parsed.success) {
      throw ReportErrors.invalid(
        parsed.error.issues
          .map((i) => `${["body", ...i.path.map(String)].join(".")}: ${i.message}`)
          .join("; "),
      );
    }
    const spec = parsed.data;
    const calendar = this.o.sources.analytics().calendar;
    if (spec.period === "shift" && spec.shift !== undefined && !calendar.shiftNames.includes(spec.shift)) {
      throw ReportErrors.invalid(
        `body.shift: unknown shift "${spec.shift}" (the calendar has ${calendar.shiftNames.join(", ")})`,
      );
    }
    if (this.o.repository.scheduleCount() >= this.maxSchedules) {
      throw ReportErrors.tooManySchedules(`at most ${this.maxSchedules} report schedules; delete one first`);
    }
    const now = this.o.clock.now();
    const record = {
      id: randomUUID(),
      name: spec.name,
      spec: JSON.stringify(spec),
      createdAt: now,
      createdBy: by,
    };
    this.o.repository.addSchedule(record);
    this.rearm();
    return this.view(record, spec, now);
  }

  deleteSchedule(id: string): void {
    if (!this.o.repository.deleteSchedule(id)) {
      throw ReportErrors.notFound(`no report schedule "${id}"`);
    }
    this.rearm();
  }

  files(): ReportFileRecord[] {
    return this.o.repository.files();
  }

  download(id: string): RenderedReport {
    const f = this.o.repository.file(id);
    if (!f) {
      throw ReportErrors.notFound(`no report file "${id}"`);
    }
    let body: Buffer;
    try {
      body = readFileSync(path.join(this.o.dir, f.file));
    } catch {
      throw ReportErrors.notFound(`report file "${id}" is gone from ${this.o.dir}`);
    }
    const format = f.format as ReportFormat;
    return { contentType: CONTENT_TYPES[format] ?? "application/octet-stream", filename: f.file, body };
  }

  /** Generates what came due while lineops was down (once per schedule), then keeps time. */
  start(): void {
    this.stopped = false;
    mkdirSync(this.o.dir, { recursive: true, mode: 0o700 });
    this.wake();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    await this.running;
  }

  /** Resolves once no scheduled run is in progress (tests). */
  async idle(): Promise<void> {
    while (this.running) {
      await this.running;
    }
  }

  private wake(): void {
    if (this.stopped || this.running) {
      return;
    }
    this.disarm();
    this.running = this.runDue()
      .catch((err: unknown) => this.o.logger.error({ err }, "scheduled reports failed"))
      .finally(() => {
        this.running = undefined;
        this.arm();
      });
  }

  private rearm(): void {
    if (!this.running) {
      this.arm();
    }
  }

  private disarm(): void {
    if (this.timer !== undefined) {
      this.o.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
  }

  private arm(): void {
    if (this.stopped) {
      return;
    }
    this.disarm();
    const now = this.o.clock.now();
    const calendar = this.o.sources.analytics().calendar;
    const next = Math.min(
      ...this.o.repository.schedules().map((s) => {
        const spec = this.specOf(s);
        return (spec && nextRun(spec, calendar, now)?.due) ?? Infinity;
      }),
    );
    const sleep = Math.min(Math.max(next - now, 0), MAX_SLEEP_MS);
    this.timer = this.o.clock.setTimer(() => this.wake(), sleep);
  }

  private async runDue(): Promise<void> {
    const calendar = this.o.sources.analytics().calendar;
    for (const s of this.o.repository.schedules()) {
      if (this.stopped) {
        return;
      }
      const spec = this.specOf(s);
      const now = this.o.clock.now();
      const after = Math.max(s.lastDueAt ?? s.createdAt, now - CATCH_UP_MS);
      const last = spec ? dueRuns(spec, calendar, after, now).at(-1) : undefined;
      if (!spec || !last) {
        continue;
      }
      // Marked first: a run that fails is logged and not retried in a loop.
      this.o.repository.setLastDue(s.id, last.due);
      await this.generate(s, spec, last);
    }
    this.expire();
  }

  private async generate(s: ReportScheduleRecord, spec: ScheduleSpec, span: ReportSpan): Promise<void> {
    const now = this.o.clock.now();
    let report: OperationsReport;
    try {
      report = await gatherReport(this.o.sources, span, spec.period, now);
    } catch (err) {
      this.o.logger.error({ err, schedule: s.name }, "a scheduled report could not be gathered");
      return;
    }
    for (const format of spec.formats) {
      try {
        const r = await this.render(report, format);
        const id = randomUUID();
        const file = `${r.filename.replace(/\.[a-z]+$/, "")}-${id.slice(0, 8)}.${format}`;
        writeFileSync(path.join(this.o.dir, file), r.body, { mode: 0o600 });
        this.o.repository.addFile({
          id,
          scheduleId: s.id,
          title: `${report.title} (${s.name})`,
          format,
          fromMs: span.from,
          toMs: span.to,
          file,
          bytes: Buffer.byteLength(r.body),
          createdAt: now,
        });
        this.o.logger.info({ schedule: s.name, file, format }, "scheduled report generated");
      } catch (err) {
        this.o.logger.warn(
          { err, schedule: s.name, format },
          "a scheduled report format could not be rendered",
        );
      }
    }
  }

  private expire(): void {
    const cfg = this.o.config();
    for (const f of this.o.repository.expire(this.o.clock.now() - cfg.retention, cfg.max_files)) {
      rmSync(path.join(this.o.dir, f.file), { force: true });
    }
  }

  private specOf(s: ReportScheduleRecord): ScheduleSpec | undefined {
    try {
      return scheduleSpecSchema.parse(JSON.parse(s.spec));
    } catch (err) {
      this.o.logger.warn({ err, schedule: s.id }, "a stored report schedule does not parse; skipped");
      return undefined;
    }
  }

  private view(s: Omit<ReportScheduleRecord, "spec">, spec: ScheduleSpec, now: number): ScheduleView {
    return {
      id: s.id,
      createdAt: s.createdAt,
      createdBy: s.createdBy,
      ...(s.lastDueAt === undefined ? {} : { lastDueAt: s.lastDueAt }),
      nextDueAt: nextRun(spec, this.o.sources.analytics().calendar, now)?.due ?? null,
      ...spec,
    };
  }
}
