// The SLO and report routes on a real lineops (no line: its own metrics only): roles (a viewer reads
// and downloads, only an operator schedules, audited), the formats, and bad input as 400s naming
// the field at fault.
import { existsSync } from "node:fs";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir } from "../../test-support/line.js";

let lineops: Lineops;
let admin = "";
let viewer = "";
let operator = "";
const api = injectApi(() => lineops);

beforeAll(async () => {
  lineops = await startLineops({
    dataDir: tempDir("lineops-reports-api-"),
    port: 0,
    logger: pino({ level: "silent" }),
    onAdminToken: (t) => {
      admin = t;
    },
  });
  await lineops.settled;
  viewer = lineops.tokens.create("view", "viewer").token;
  operator = lineops.tokens.create("op", "operator").token;
});

afterAll(async () => {
  await lineops?.stop();
});

describe("GET /api/v1/analytics/slo", () => {
  it("answers a viewer with the objective's window and the workbook's burn windows", async () => {
    const r = await api("GET", "/api/v1/analytics/slo", { token: viewer });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ windowSeconds: 30 * 86_400, services: [] });
    expect((await api("GET", "/api/v1/analytics/slo?service=Bad!", { token: viewer })).body.error).toMatch(
      /^querystring\.service: /,
    );
    expect((await api("GET", "/api/v1/analytics/slo?from=0&to=100000000", { token: viewer })).status).toBe(
      400,
    );
  });
});

describe("GET /api/v1/reports/operations", () => {
  it("gives the figures as JSON, with the P10 sections named and no number for them", async () => {
    const r = await api("GET", "/api/v1/reports/operations?period=day", { token: viewer });
    expect(r.status).toBe(200);
    expect(r.body.data.period).toBe("day");
    expect(r.body.data.to - r.body.data.from).toBe(86_400_000);
    expect(r.body.data.notYet.map((n: { section: string }) => n.section)).toEqual([
      "Alarm KPIs (ISA-18.2)",
      "MTTA and MTTR",
    ]);
  });

  it("renders CSV as a download and HTML under its own strict policy", async () => {
    const csv = await api("GET", "/api/v1/reports/operations?period=week&format=csv", { token: viewer });
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
    expect(csv.headers["content-disposition"]).toMatch(
      /^attachment; filename="lineops-week-report-.*\.csv"$/,
    );
    expect(csv.text).toContain("\r\nDowntime Pareto (planned time)\r\nReason,Downtime,Share,Cumulative\r\n");
    const html = await api("GET", "/api/v1/reports/operations?period=shift&shift=all-day&format=html", {
      token: viewer,
    });
    expect(html.status).toBe(200);
    expect(html.headers["content-security-policy"]).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(html.text).toMatch(/^<!doctype html>/);
    expect(html.text).toContain("comes with P10");
    expect(html.text).not.toMatch(/<script|https?:\/\//);
  });

  it.runIf(existsSync("/usr/bin/chromium"))(
    "renders PDF with the system's Chromium",
    async () => {
      const pdf = await api("GET", "/api/v1/reports/operations?period=day&format=pdf", { token: viewer });
      expect(pdf.status).toBe(200);
      expect(pdf.headers["content-type"]).toBe("application/pdf");
      expect(pdf.text.startsWith("%PDF-")).toBe(true);
    },
    60_000,
  );

  it("refuses an unknown shift, a range too long and a bad format, naming the field", async () => {
    const get = (q: string) => api("GET", `/api/v1/reports/operations?${q}`, { token: viewer });
    const shift = await get("period=shift&shift=night");
    expect([shift.status, shift.body.code]).toEqual([400, "LINEOPS_ERR_REPORT_INVALID"]);
    expect(shift.body.error).toMatch(/^shift: unknown shift "night"/);
    const long = await get("from=0&to=3000000");
    expect([long.status, long.body.error]).toEqual([
      400,
      expect.stringMatching(/^from: the range is longer/),
    ]);
    const format = await get("format=docx");
    expect([format.status, format.body.error]).toEqual([
      400,
      expect.stringMatching(/^querystring\.format: /),
    ]);
    expect((await get("period=month")).body.error).toMatch(/^querystring\.period: /);
  });
});

describe("report schedules and files", () => {
  const body = { name: "morning", period: "day", at: "06:00", formats: ["csv", "html"] };

  it("an operator adds and deletes a schedule, audited; a viewer lists it but may not change it", async () => {
    expect((await api("POST", "/api/v1/reports/schedules", { token: viewer, body })).status).toBe(403);
    const created = await api("POST", "/api/v1/reports/schedules", { token: operator, body });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    expect(created.body.data.nextDueAt).toBeGreaterThan(Date.now());
    const list = await api("GET", "/api/v1/reports/schedules", { token: viewer });
    expect(list.body.data.schedules).toEqual([expect.objectContaining({ id, name: "morning", at: "06:00" })]);
    expect((await api("DELETE", `/api/v1/reports/schedules/${id}`, { token: viewer })).status).toBe(403);
    expect((await api("DELETE", `/api/v1/reports/schedules/${id}`, { token: operator })).status).toBe(204);
    expect((await api("DELETE", `/api/v1/reports/schedules/${id}`, { token: operator })).status).toBe(404);
    const audit = await api("GET", "/api/v1/audit?limit=20", { token: admin });
    const actions = (audit.body.records as { action: string; outcome: string }[]).map(
      (a) => `${a.action} ${a.outcome}`,
    );
    expect(actions).toContain("POST /api/v1/reports/schedules success");
    expect(actions).toContain("POST /api/v1/reports/schedules denied");
    expect(actions).toContain("DELETE /api/v1/reports/schedules/:id success");
  });

  it("refuses bad schedules naming the field", async () => {
    const post = (b: unknown) => api("POST", "/api/v1/reports/schedules", { token: operator, body: b });
    expect((await post({ ...body, at: "6am" })).body.error).toMatch(/^body\.at: /);
    expect((await post({ ...body, formats: ["docx"] })).body.error).toMatch(/^body\.formats\.0: /);
    expect((await post({ name: "s", period: "shift", shift: "night", formats: ["csv"] })).body.error).toMatch(
      /^body\.shift: unknown shift "night"/,
    );
  });

  it("lists generated files; an unknown one is a 404", async () => {
    const files = await api("GET", "/api/v1/reports/files", { token: viewer });
    expect(files.body.data.files).toEqual([]);
    const missing = await api("GET", "/api/v1/reports/files/00000000-0000-0000-0000-000000000000", {
      token: viewer,
    });
    expect([missing.status, missing.body.code]).toEqual([404, "LINEOPS_ERR_REPORT_NOT_FOUND"]);
  });
});
