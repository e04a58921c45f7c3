// The Alerts page's calls: lineops's rule alerts and rules (Prometheus's /api/v1 shapes), and the
// dispatcher through Alertmanager's API v2 (alert groups, receivers, silences). /api/v2 has no
// envelope: its errors are a JSON string, shown as the API wrote them.
import { api } from "../../api/client.js";
import type { Labels } from "../../api/prometheus.js";

export type RuleAlert = {
  labels: Labels;
  annotations: Labels;
  state: "pending" | "firing";
  activeAt: string;
  value: string;
};

export type AlertingRule = {
  name: string;
  query: string;
  duration: number;
  labels?: Labels;
  state: "inactive" | "pending" | "firing";
  health: string;
  lastError?: string;
  type: "alerting";
};
export type RuleGroup = { name: string; file: string; rules: AlertingRule[] };

export type GettableAlert = {
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  receivers: { name: string }[];
  status: { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[]; inhibitedBy: string[] };
};
export type AlertGroup = { labels: Labels; receiver: { name: string }; alerts: GettableAlert[] };

export type Matcher = { name: string; value: string; isRegex: boolean; isEqual: boolean };
export type Silence = {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  createdBy: string;
  comment: string;
  status: { state: "active" | "pending" | "expired" };
};
export type PostableSilence = Omit<Silence, "id" | "updatedAt" | "status">;

export async function fetchRuleAlerts(signal?: AbortSignal): Promise<RuleAlert[]> {
  return (await api<{ alerts: RuleAlert[] }>("/api/v1/alerts", { signal })).alerts;
}

export async function fetchAlertingRules(signal?: AbortSignal): Promise<RuleGroup[]> {
  const data = await api<{ groups: RuleGroup[] }>("/api/v1/rules", {
    query: { type: "alert", exclude_alerts: "true" },
    signal,
  });
  return data.groups;
}

/** What GET /api/v2/alerts/groups takes: each filter one matcher, receiver an anchored regex. */
export type GroupQuery = {
  filter: string[];
  receiver?: string;
  active: boolean;
  silenced: boolean;
  inhibited: boolean;
};

export function groupsPath(q: GroupQuery): string {
  const p = new URLSearchParams();
  for (const f of q.filter) {
    p.append("filter", f);
  }
  if (q.receiver !== undefined && q.receiver !== "") {
    p.set("receiver", q.receiver);
  }
  p.set("active", String(q.active));
  p.set("silenced", String(q.silenced));
  p.set("inhibited", String(q.inhibited));
  return `/api/v2/alerts/groups?${p.toString()}`;
}

export function fetchGroups(q: GroupQuery, signal?: AbortSignal): Promise<AlertGroup[]> {
  return api<AlertGroup[]>(groupsPath(q), { signal, envelope: false });
}

export async function fetchReceivers(signal?: AbortSignal): Promise<string[]> {
  return (await api<{ name: string }[]>("/api/v2/receivers", { signal, envelope: false })).map((r) => r.name);
}

export function fetchSilences(signal?: AbortSignal): Promise<Silence[]> {
  return api<Silence[]>("/api/v2/silences", { signal, envelope: false });
}

export async function createSilence(s: PostableSilence): Promise<string> {
  const r = await api<{ silenceID: string }>("/api/v2/silences", {
    method: "POST",
    body: s,
    envelope: false,
  });
  return r.silenceID;
}

export async function expireSilence(id: string): Promise<void> {
  await api<unknown>(`/api/v2/silence/${encodeURIComponent(id)}`, { method: "DELETE", envelope: false });
}
