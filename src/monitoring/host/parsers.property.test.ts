// Property tests: every /proc parser takes any text (including cut-off real-looking files) without
// throwing, and emits only finite values with a non-empty name.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSearchRegex } from "../../model/regexp.js";
import { parseDiskstats } from "./diskstats.js";
import { parseMounts } from "./filesystem.js";
import { parseLoadavg } from "./loadavg.js";
import { parseMeminfo } from "./meminfo.js";
import { parseNetDev } from "./netdev.js";
import { parsePidStat, parsePidStatus } from "./process.js";
import { emitProcStat, parseProcStat } from "./proc-stat.js";
import type { HostSample } from "./sample.js";

const SAMPLES = {
  stat: "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\nctxt 5\nbtime 17\nprocesses 3\n",
  meminfo: "MemTotal: 100 kB\nActive(anon): 5 kB\nHugePages_Total: 0\n",
  diskstats: "254 0 vda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
  netdev: "Inter-|x\n face |y\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
  pidstat: "1 (a b) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99 1000 10 0\n",
};

/** Any text, or a prefix of a real-looking file with some characters replaced. */
const procText = (sample: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.nat({ max: sample.length }).map((n) => sample.slice(0, n)),
    fc
      .tuple(
        fc.nat({ max: sample.length }),
        fc.constantFrom("", " ", "\n", "x", ":", ")", "(", "-1", "1e999"),
      )
      .map(([i, c]) => sample.slice(0, i) + c + sample.slice(i + 1)),
  );

function wellFormed(out: readonly HostSample[]): void {
  for (const s of out) {
    expect(Number.isFinite(s.value)).toBe(true);
    expect(s.labels.__name__).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
  }
}

describe("/proc parsers on arbitrary input", () => {
  it("never throw and emit only finite values", () => {
    fc.assert(
      fc.property(
        procText(SAMPLES.stat),
        procText(SAMPLES.meminfo),
        procText(SAMPLES.diskstats),
        procText(SAMPLES.netdev),
        (stat, mem, disk, net) => {
          const out: HostSample[] = [];
          emitProcStat(parseProcStat(stat), 100, out);
          parseMeminfo(mem, out);
          parseDiskstats(disk, undefined, out);
          parseNetDev(net, undefined, out);
          parseLoadavg(stat, out);
          parseMounts(mem, compileSearchRegex("^/proc"), compileSearchRegex("^proc$"));
          wellFormed(out);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parse /proc/<pid>/stat to all-finite fields or null", () => {
    fc.assert(
      fc.property(procText(SAMPLES.pidstat), (text) => {
        const r = parsePidStat(text);
        if (r !== null) {
          expect(Object.values(r).every(Number.isFinite)).toBe(true);
        }
        const st = parsePidStatus(text);
        expect(Object.values(st).every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
