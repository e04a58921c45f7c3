// Provisioned dashboards: YAML or JSON files named by lineops.yaml's dashboard_files, checked
// against the dashboard schema with file:line:col errors (JSON is YAML, so one parser serves both).
import { readFileSync } from "node:fs";
import { ConfigError, type ConfigIssue } from "../../config/errors.js";
import { parseYaml } from "../../config/load.js";
import { dashboardSchema } from "./model.js";
import type { ProvisionedDashboard } from "./service.js";

/** Reads every file; throws one ConfigError naming each bad file's problems, or two files sharing a uid. */
export function loadDashboardFiles(files: readonly string[], now: number): ProvisionedDashboard[] {
  const out: ProvisionedDashboard[] = [];
  const issues: ConfigIssue[] = [];
  const byUid = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      issues.push({ file, line: 1, col: 1, path: "", message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    try {
      const dashboard = parseYaml(text, file, dashboardSchema);
      const other = byUid.get(dashboard.uid);
      if (other !== undefined) {
        issues.push({
          file,
          line: 1,
          col: 1,
          path: "uid",
          message: `uid ${dashboard.uid} is also ${other}'s`,
        });
        continue;
      }
      byUid.set(dashboard.uid, file);
      out.push({ file, dashboard, loadedAt: now });
    } catch (err) {
      if (err instanceof ConfigError) {
        issues.push(...err.issues);
        continue;
      }
      throw err;
    }
  }
  if (issues.length > 0) {
    throw new ConfigError(issues);
  }
  return out;
}
