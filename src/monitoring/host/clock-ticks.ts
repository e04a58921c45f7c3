// USER_HZ, the unit of /proc's CPU times: asked of `getconf CLK_TCK` once per process, because Node
// has no sysconf; 100 (the value on every mainstream Linux architecture) if getconf fails.
import { execFile } from "node:child_process";

const FALLBACK_USER_HZ = 100;
let cached: Promise<number> | undefined;

export function userHz(): Promise<number> {
  cached ??= new Promise((resolve) => {
    execFile("getconf", ["CLK_TCK"], { timeout: 2000 }, (err, stdout) => {
      const v = err ? NaN : Number(stdout.trim());
      resolve(Number.isInteger(v) && v > 0 ? v : FALLBACK_USER_HZ);
    });
  });
  return cached;
}
