// What a dashboard URL holds, Grafana's way: /dashboards?uid=line&from=now-6h&to=now&refresh=30s
// &var-station=1&var-station=2 ("$__all" for All). A shared link shows the same panels; bad values
// fall back to the dashboard's own defaults.

export type Screen = { kind: "list" } | { kind: "import" } | { kind: "new" } | { kind: "view"; uid: string };

export const ALL = "$__all";

const UID = /^[A-Za-z0-9_-]{1,40}$/;

export function screenOf(search: URLSearchParams): Screen {
  const uid = search.get("uid");
  if (uid !== null && UID.test(uid)) {
    return { kind: "view", uid };
  }
  const action = search.get("action");
  if (action === "import") {
    return { kind: "import" };
  }
  if (action === "new") {
    return { kind: "new" };
  }
  return { kind: "list" };
}

export type ViewState = {
  from: string | undefined;
  to: string | undefined;
  refresh: string | undefined;
  /** Selected values per variable name, as the URL lists them. */
  vars: Record<string, string[]>;
};

export function viewStateOf(search: URLSearchParams): ViewState {
  const vars: Record<string, string[]> = {};
  for (const [k, v] of search) {
    if (k.startsWith("var-") && k.length > 4) {
      (vars[k.slice(4)] ??= []).push(v.slice(0, 500));
    }
  }
  const text = (k: string) => {
    const v = search.get(k);
    return v === null || v === "" ? undefined : v.slice(0, 50);
  };
  return { from: text("from"), to: text("to"), refresh: search.get("refresh") ?? undefined, vars };
}

export function viewUrl(uid: string, s: ViewState): string {
  const p = new URLSearchParams({ uid });
  if (s.from !== undefined) {
    p.set("from", s.from);
  }
  if (s.to !== undefined) {
    p.set("to", s.to);
  }
  if (s.refresh !== undefined) {
    p.set("refresh", s.refresh);
  }
  for (const [name, values] of Object.entries(s.vars)) {
    for (const v of values) {
      p.append(`var-${name}`, v);
    }
  }
  return `/dashboards?${p.toString()}`;
}

/** Auto-refresh choices; "" is off. */
export const REFRESH_CHOICES = ["", "5s", "10s", "30s", "1m", "5m", "15m", "1h"];

/** Milliseconds of a refresh interval ("30s", "1m"); undefined when off or not understood. */
export function refreshMs(text: string | undefined): number | undefined {
  const m = /^(\d+)(s|m|h)$/.exec(text?.trim() ?? "");
  if (!m) {
    return undefined;
  }
  const ms = Number(m[1]) * (m[2] === "s" ? 1000 : m[2] === "m" ? 60_000 : 3_600_000);
  // Below 5 s a dashboard would re-read faster than most scrapes change anything.
  return ms >= 5000 ? ms : undefined;
}
