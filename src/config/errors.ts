// Errors of the config layer: every problem carries file:line:col and the key path at fault.
import { LineopsError } from "../errors.js";

export type ConfigIssue = { file: string; line: number; col: number; path: string; message: string };

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.path === "" ? "(root)" : i.path}: ${i.message}`;
}

export class ConfigError extends LineopsError {
  constructor(readonly issues: ConfigIssue[]) {
    super("LINEOPS_ERR_CONFIG_INVALID", issues.map(formatIssue).join("\n"), 400, "bad_data");
    this.name = "ConfigError";
  }
}

export const CONFIG_FILE_UNREADABLE = "LINEOPS_ERR_CONFIG_UNREADABLE";
