// User dashboards: stored ones (created in the UI, imported from Grafana) and provisioned ones (files
// named in lineops.yaml, read-only through the API as Grafana's provisioned dashboards are). Every
// dashboard passes the model's schema before it is stored; a save names the version it started from.
import type { DashboardRepository } from "../../store/dashboards.js";
import { ZodError } from "zod";
import { DashboardErrors } from "../errors.js";
import { importGrafanaDashboard, type GrafanaImport } from "./grafana.js";
import { dashboardSchema, type Dashboard } from "./model.js";
import { interpolate, type VariableValue } from "./interpolate.js";
import { dependenciesOf } from "./variable-deps.js";
import { variableValues, VariableQueryError, type SeriesIndex } from "./variable-query.js";

export type DashboardSummary = {
  uid: string;
  title: string;
  tags: string[];
  version: number;
  updatedAt: number;
  updatedBy: string;
  /** From a file: saving or deleting it through the API is refused. */
  provisioned: boolean;
};

export type StoredDashboard = DashboardSummary & { dashboard: Dashboard };

/** A dashboard provisioned from a file, validated when the file was loaded. */
export type ProvisionedDashboard = { file: string; dashboard: Dashboard; loadedAt: number };

export class DashboardService {
  private provisioned = new Map<string, ProvisionedDashboard>();

  constructor(
    private readonly repo: DashboardRepository,
    private readonly index: SeriesIndex,
    private readonly now: () => number = Date.now,
  ) {}

  /** Replaces the provisioned dashboards (start and reload). */
  setProvisioned(list: readonly ProvisionedDashboard[]): void {
    this.provisioned = new Map(list.map((p) => [p.dashboard.uid, p]));
  }

  list(): DashboardSummary[] {
    const out: DashboardSummary[] = [...this.provisioned.values()].map((p) => ({
      uid: p.dashboard.uid,
      title: p.dashboard.title,
      tags: p.dashboard.tags,
      version: 1,
      updatedAt: p.loadedAt,
      updatedBy: `file:${p.file}`,
      provisioned: true,
    }));
    for (const r of this.repo.list()) {
      if (!this.provisioned.has(r.uid)) {
        // One unreadable body (a hand-edited database) must not hide every other dashboard: it is
        // listed without tags, and opening it reports what is wrong with it.
        let tags: string[] = [];
        try {
          tags = this.get(r.uid).dashboard.tags;
        } catch {
          tags = [];
        }
        out.push({ ...r, tags, provisioned: false });
      }
    }
    return out.sort((a, b) => a.title.localeCompare(b.title) || a.uid.localeCompare(b.uid));
  }

  get(uid: string): StoredDashboard {
    const p = this.provisioned.get(uid);
    if (p) {
      return {
        uid,
        title: p.dashboard.title,
        tags: p.dashboard.tags,
        version: 1,
        updatedAt: p.loadedAt,
        updatedBy: `file:${p.file}`,
        provisioned: true,
        dashboard: p.dashboard,
      };
    }
    const r = this.repo.get(uid);
    if (r === undefined) {
      throw DashboardErrors.notFound(`no dashboard ${uid}`);
    }
    // Stored bodies were validated on save; a body that no longer parses (hand-edited database)
    // is reported by uid rather than served half-valid.
    let dashboard: Dashboard;
    try {
      dashboard = dashboardSchema.parse(JSON.parse(r.body));
    } catch (err) {
      throw DashboardErrors.invalid(`stored dashboard ${uid} is unreadable: ${describe(err)}`);
    }
    return { ...r, tags: dashboard.tags, provisioned: false, dashboard };
  }

  /**
   * Validates and stores `input`. `expectedVersion`: the version the editor started from (0 for a
   * new dashboard); undefined overwrites. Returns the stored dashboard.
   */
  save(input: unknown, by: string, expectedVersion: number | undefined): StoredDashboard {
    const parsed = dashboardSchema.safeParse(input);
    if (!parsed.success) {
      throw DashboardErrors.invalid(describe(parsed.error));
    }
    const d = parsed.data;
    if (this.provisioned.has(d.uid)) {
      throw DashboardErrors.provisioned(
        `dashboard ${d.uid} is provisioned from ${this.provisioned.get(d.uid)?.file}: change the file, or save a copy under another uid`,
      );
    }
    const outcome = this.repo.save(
      { uid: d.uid, title: d.title, body: JSON.stringify(d) },
      by,
      this.now(),
      expectedVersion,
    );
    if (!outcome.saved) {
      throw DashboardErrors.versionMismatch(
        `dashboard ${d.uid} is at version ${outcome.currentVersion}, not ${expectedVersion}: someone else saved it; reload and edit again`,
      );
    }
    return this.get(d.uid);
  }

  delete(uid: string): void {
    if (this.provisioned.has(uid)) {
      throw DashboardErrors.provisioned(`dashboard ${uid} is provisioned from a file: remove it there`);
    }
    if (!this.repo.delete(uid)) {
      throw DashboardErrors.notFound(`no dashboard ${uid}`);
    }
  }

  /** Converts a Grafana dashboard JSON and stores it (overwriting one of the same uid unless provisioned). */
  importGrafana(input: unknown, by: string): StoredDashboard & { warnings: string[] } {
    let converted: GrafanaImport;
    try {
      converted = importGrafanaDashboard(input);
    } catch (err) {
      throw DashboardErrors.invalid((err as Error).message);
    }
    return { ...this.save(converted.dashboard, by, undefined), warnings: converted.warnings };
  }

  /** The values of the dashboard's variable `name` over [startMs, endMs]. */
  /**
   * The values of variable `name` over [startMs, endMs]. A chained variable's query refers to other
   * variables (variable-deps.ts): `selected` holds their chosen values (the page's var-<name>), and
   * one it depends on that is not given is refused with its name.
   */
  async variableValues(
    uid: string,
    name: string,
    startMs: number,
    endMs: number,
    selected: Readonly<Record<string, readonly string[]>> = {},
  ): Promise<string[]> {
    const all = this.get(uid).dashboard.variables;
    const v = all.find((x) => x.name === name);
    if (v === undefined) {
      throw DashboardErrors.notFound(`dashboard ${uid} has no variable ${name}`);
    }
    const vars: Record<string, VariableValue> = {};
    for (const dep of dependenciesOf(v, all)) {
      const values = selected[dep];
      if (values === undefined) {
        throw DashboardErrors.invalid(
          `variable ${name} depends on variable ${dep}: give its selection as var-${dep}`,
        );
      }
      const d = all.find((x) => x.name === dep)!;
      const multi = d.multi || d.includeAll || values.length > 1;
      vars[dep] = { value: multi ? [...values] : (values[0] ?? ""), multi };
    }
    const resolved =
      Object.keys(vars).length === 0
        ? v
        : {
            ...v,
            query: interpolate(v.query, vars),
            ...(v.regex === undefined ? {} : { regex: interpolate(v.regex, vars) }),
          };
    try {
      return await variableValues(resolved, this.index, startMs, endMs);
    } catch (err) {
      if (err instanceof VariableQueryError) {
        throw DashboardErrors.invalid(err.message);
      }
      throw err;
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof ZodError) {
    return err.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(dashboard)"}: ${i.message}`)
      .join("; ");
  }
  return (err as Error).message;
}
