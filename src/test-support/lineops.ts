// A whole lineops for end-to-end tests: started on a free port with a silent logger, in a data
// dir of its own, and settled (every service of its line ready or failed) before it is returned.
import path from "node:path";
import { pino } from "pino";
import { startLineops, type Lineops, type StartOptions } from "../main.js";

export async function startSettledLineops(
  dir: string,
  lineFile: string,
  more: Partial<StartOptions> = {},
): Promise<Lineops> {
  const lineops = await startLineops({
    dataDir: path.join(dir, "data"),
    port: 0,
    lineFile,
    logger: pino({ level: "silent" }),
    ...more,
  });
  await lineops.settled;
  return lineops;
}
