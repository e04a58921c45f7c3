// The incident and on-call calls of the Alerts page (docs/incidents.md, docs/oncall.md): lineops's
// own routes, bare JSON. Every change goes through the one client, so it carries the session's CSRF
// token; the server checks the role again whatever the page shows.
import { api } from "../../api/client.js";
import type {
  IncidentChangedEvent,
  IncidentDetail,
  IncidentStatus,
  IncidentSummary,
  OnCallAllResponse,
  SchedulesResponse,
  ShiftsResponse,
  TeamsResponse,
} from "../../api/types.js";

/** The list's status filter: "open" is triggered and acknowledged, "" every status. */
export type StatusFilter = "open" | IncidentStatus | "";
export const STATUS_FILTERS: readonly StatusFilter[] = ["open", "triggered", "acknowledged", "resolved", ""];
export const LIST_LIMIT = 200;

export async function fetchIncidents(status: StatusFilter, signal?: AbortSignal): Promise<IncidentSummary[]> {
  const data = await api<{ incidents: IncidentSummary[] }>("/api/v1/incidents", {
    query: { status: status === "" ? undefined : status, limit: LIST_LIMIT },
    signal,
    envelope: false,
  });
  return data.incidents;
}

export function fetchIncident(id: number, signal?: AbortSignal): Promise<IncidentDetail> {
  return api<IncidentDetail>(`/api/v1/incidents/${id}`, { signal, envelope: false });
}

export type IncidentAction =
  | { kind: "acknowledge" }
  | { kind: "resolve" }
  | { kind: "snooze"; for: string }
  | { kind: "reassign"; assignee: string }
  | { kind: "note"; text: string };

/** Each action answers the incident as it is after the change. */
export function act(id: number, a: IncidentAction): Promise<IncidentDetail> {
  const path = a.kind === "note" ? "notes" : a.kind;
  const body =
    a.kind === "snooze"
      ? { for: a.for }
      : a.kind === "reassign"
        ? { assignee: a.assignee }
        : a.kind === "note"
          ? { text: a.text }
          : undefined;
  return api<IncidentDetail>(`/api/v1/incidents/${id}/${path}`, {
    method: "POST",
    ...(body === undefined ? {} : { body }),
    envelope: false,
  });
}

export function fetchOnCall(signal?: AbortSignal): Promise<OnCallAllResponse> {
  return api<OnCallAllResponse>("/api/v1/oncall", { signal, envelope: false });
}

/** How far ahead the on-call panel looks for the next handoff. */
export const HANDOFF_HORIZON_MS = 7 * 86_400_000;
/** At most this many schedules get their next handoff asked (one request each). */
export const HANDOFF_SCHEDULES_MAX = 20;

export function fetchShifts(
  schedule: string,
  from: number,
  to: number,
  signal?: AbortSignal,
): Promise<ShiftsResponse> {
  return api<ShiftsResponse>(`/api/v1/schedules/${encodeURIComponent(schedule)}/shifts`, {
    query: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    signal,
    envelope: false,
  });
}

type Shift = ShiftsResponse["shifts"][number];

/**
 * The next time someone else takes over: the first shift after `now` of a person other than the one
 * on call (`current`; a turn of the same person continuing is no handoff). Undefined if none in `shifts`.
 */
export function nextHandoff(
  shifts: readonly Shift[],
  current: string | undefined,
  now: number,
): Shift | undefined {
  return [...shifts].sort((a, b) => a.start - b.start).find((s) => s.start > now && s.user !== current);
}

/**
 * Whom an incident can be reassigned to, as far as a viewer-level caller can see: teams and their
 * members, schedules and who is on call (the user list itself is admin-only). The field stays free
 * text: the API takes any name.
 */
export async function fetchAssignees(signal?: AbortSignal): Promise<string[]> {
  const [teams, schedules, oncall] = await Promise.all([
    api<TeamsResponse>("/api/v1/teams", { signal, envelope: false }),
    api<SchedulesResponse>("/api/v1/schedules", { signal, envelope: false }),
    fetchOnCall(signal),
  ]);
  const names = new Set<string>();
  for (const t of teams.teams) {
    names.add(t.name);
    t.members.forEach((m) => names.add(m));
  }
  for (const s of schedules.schedules) {
    names.add(s.name);
    s.layers.forEach((l) => l.participants.forEach((p) => names.add(p)));
  }
  for (const o of oncall.oncall) {
    if (o.person) {
      names.add(o.person.name);
    }
  }
  return [...names].sort();
}

/** The live stream's alert topic carries incidents too; this picks them out. */
export function asIncidentEvent(data: unknown): IncidentChangedEvent | undefined {
  return typeof data === "object" &&
    data !== null &&
    (data as { source?: unknown }).source === "incident" &&
    typeof (data as { id?: unknown }).id === "number"
    ? (data as IncidentChangedEvent)
    : undefined;
}

/** "3 min", "2 h 5 min", "4 d 3 h": how long ago, coarse enough to read at a glance. */
export function age(fromMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - fromMs) / 1000));
  if (s < 60) {
    return `${s} s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m} min`;
  }
  const h = Math.floor(m / 60);
  if (h < 24) {
    return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  }
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** A silence's matchers for an incident: the labels its root alert (or its only alert) shares with every alert of it. */
export function silenceLabels(detail: IncidentDetail): Record<string, string> {
  const root = detail.alerts.find((a) => a.role === "root");
  if (root) {
    return { ...root.labels };
  }
  const [first, ...rest] = detail.alerts;
  if (!first) {
    return {};
  }
  const common: Record<string, string> = {};
  for (const [k, v] of Object.entries(first.labels)) {
    if (rest.every((a) => a.labels[k] === v)) {
      common[k] = v;
    }
  }
  return common;
}
