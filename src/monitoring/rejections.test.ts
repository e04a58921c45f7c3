import { describe, expect, it } from "vitest";
import type { Logger } from "pino";
import { RejectionLog } from "./rejections.js";

function recording(): { logger: Logger; lines: { obj: Record<string, unknown>; msg: string }[] } {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger = { warn: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }) };
  return { logger: logger as unknown as Logger, lines };
}

describe("RejectionLog", () => {
  it("counts every refusal but logs a flood once per interval per source, carrying what it skipped", () => {
    let clock = 0;
    const { logger, lines } = recording();
    const log = new RejectionLog(logger, { intervalMs: 10_000, now: () => clock });
    for (let i = 0; i < 10_000; i++) {
      log.record("remote_write", { too_far_in_future: 2 }, { t: 8.64e15 });
      clock += 1; // 10 000 batches in 10 s
    }
    log.record("scrape", { out_of_bounds: 1 }, { target: "x" });
    expect(lines).toHaveLength(2);
    expect(lines[0]!.obj).toMatchObject({ source: "remote_write", rejected: 2, t: 8.64e15 });
    expect(lines[1]!.obj).toMatchObject({ source: "scrape", rejected: 1, target: "x" });
    clock = 10_000;
    log.record("remote_write", { out_of_order: 1 }, {});
    expect(lines).toHaveLength(3);
    expect(lines[2]!.obj).toMatchObject({
      rejected: 9_999 * 2 + 1,
      byReason: { too_far_in_future: 9_999 * 2, out_of_order: 1 },
    });
    expect(log.totals()).toContainEqual({
      source: "remote_write",
      reason: "too_far_in_future",
      value: 20_000,
    });
    expect(log.totals()).toContainEqual({ source: "scrape", reason: "out_of_bounds", value: 1 });
    expect(log.totals()).toContainEqual({ source: "scrape", reason: "duplicate", value: 0 });
  });
});
