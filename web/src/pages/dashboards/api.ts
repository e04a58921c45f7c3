// The dashboards API (/api/v1/dashboards...) and the deployments annotations read, typed with the
// server's own model types (type-only imports: nothing of the server is bundled). lineops's own
// routes answer success with bare JSON (errors in the envelope): envelope: false.
import { api } from "../../api/client.js";
import type { Dashboard } from "../../../../src/dashboard/dashboards/model.js";

export type { Dashboard };
export type Panel = Dashboard["panels"][number];
export type Variable = Dashboard["variables"][number];
export type PanelType = Panel["type"];

export type DashboardSummary = {
  uid: string;
  title: string;
  tags: string[];
  version: number;
  updatedAt: number;
  updatedBy: string;
  provisioned: boolean;
};
export type StoredDashboard = DashboardSummary & { dashboard: Dashboard };

export function listDashboards(signal?: AbortSignal): Promise<DashboardSummary[]> {
  return api<{ dashboards: DashboardSummary[] }>("/api/v1/dashboards", { signal, envelope: false }).then(
    (r) => r.dashboards,
  );
}

export function getDashboard(uid: string, signal?: AbortSignal): Promise<StoredDashboard> {
  return api<StoredDashboard>(`/api/v1/dashboards/${encodeURIComponent(uid)}`, { signal, envelope: false });
}

/** `version`: the one the edit started from (0 creates); a newer stored one answers 412. */
export function saveDashboard(dashboard: Dashboard, version: number): Promise<StoredDashboard> {
  return api<StoredDashboard>(`/api/v1/dashboards/${encodeURIComponent(dashboard.uid)}`, {
    method: "PUT",
    body: { dashboard, version },
    envelope: false,
  });
}

export function deleteDashboard(uid: string): Promise<unknown> {
  return api<unknown>(`/api/v1/dashboards/${encodeURIComponent(uid)}`, { method: "DELETE", envelope: false });
}

export function importGrafana(json: unknown): Promise<StoredDashboard & { warnings: string[] }> {
  return api<StoredDashboard & { warnings: string[] }>("/api/v1/dashboards/import/grafana", {
    method: "POST",
    body: json,
    envelope: false,
  });
}

/** `selected`: the chosen values of the variables a chained variable's query refers to (var-<name>). */
export function variableValues(
  uid: string,
  name: string,
  startMs: number,
  endMs: number,
  selected: Readonly<Record<string, readonly string[]>> = {},
  signal?: AbortSignal,
): Promise<string[]> {
  const params = new URLSearchParams({ start: String(startMs / 1000), end: String(endMs / 1000) });
  for (const [k, values] of Object.entries(selected)) {
    values.forEach((v) => params.append(`var-${k}`, v));
  }
  return api<{ values: string[] }>(
    `/api/v1/dashboards/${encodeURIComponent(uid)}/variables/${encodeURIComponent(name)}/values?${params}`,
    { signal, envelope: false },
  ).then((r) => r.values);
}

export type DeploymentMark = {
  id: string;
  service: string;
  toRevision: string;
  phase: string;
  createdAt: number;
  finishedAt?: number;
};

export function deployments(signal?: AbortSignal): Promise<DeploymentMark[]> {
  return api<{ deployments: DeploymentMark[] }>("/api/v1/deployments", { signal, envelope: false }).then(
    (r) => r.deployments,
  );
}
