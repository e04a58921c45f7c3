// The unit every host collector family emits: one label set (with __name__) and its value.
import type { Labels } from "../model.js";

export type HostSample = { labels: Labels; value: number };

/** The whitespace-separated fields of one /proc line (leading and trailing blanks ignored). */
export function fieldsOf(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** A finite number from a /proc field, or NaN when the field is missing or not a number. */
export function num(field: string | undefined): number {
  if (field === undefined || field === "") {
    return NaN;
  }
  return Number(field);
}
