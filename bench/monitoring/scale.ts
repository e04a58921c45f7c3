// Scale probe (--scale): placeholder until written.
import type { Args } from "./args.js";
import type { PrometheusBinary } from "../common/prometheus.js";

export type ScaleResult = { note: string };

export async function scaleProbe(_ctx: {
  args: Args;
  root: string;
  prom: PrometheusBinary;
  log: (msg: string) => void;
}): Promise<ScaleResult> {
  return { note: "not implemented" };
}
