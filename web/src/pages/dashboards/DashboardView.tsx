// One dashboard: its variables, time range and refresh (all in the URL), its panels on the 24-column
// grid, deployment markers on time series, and, for operators, editing with a version check.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  dependantsOf,
  dependenciesOf,
  variableOrder,
} from "../../../../src/dashboard/dashboards/variable-deps.js";
import { ApiError } from "../../api/client.js";
import { navigate, useLocation } from "../../app/router.js";
import { hasRole, useSession } from "../../app/session.js";
import { useTheme } from "../../app/theme.js";
import { Link } from "../../app/router.js";
import {
  deleteDashboard,
  deployments,
  getDashboard,
  saveDashboard,
  variableValues,
  type Dashboard,
  type DeploymentMark,
  type Panel,
  type StoredDashboard,
} from "./api.js";
import { PanelEditor } from "./PanelEditor.js";
import { describe, PanelView, type PanelContext } from "./panels/PanelView.js";
import { useLiveEvent } from "../../api/live.js";
import { isLive, isRelative, resolveRange, type TimeRangeText } from "./time-range.js";
import { RefreshPicker, TimePicker, VariableSelect, type VariableOptions } from "./Toolbar.js";
import { ALL, refreshMs, viewStateOf, viewUrl, type ViewState } from "./url-state.js";
import { displayText, selectionOf, substitutions } from "./variables.js";

type Loaded =
  { kind: "loading" } | { kind: "error"; message: string } | { kind: "ok"; stored: StoredDashboard };

export function DashboardView({ uid }: { uid: string }) {
  const { search } = useLocation();
  const view = viewStateOf(search);
  const { role } = useSession();
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    setLoaded({ kind: "loading" });
    getDashboard(uid, abort.signal).then(
      (stored) => setLoaded({ kind: "ok", stored }),
      (err: unknown) => !abort.signal.aborted && setLoaded({ kind: "error", message: describe(err) }),
    );
    return () => abort.abort();
  }, [uid, reloads]);

  if (loaded.kind === "loading") {
    return (
      <p className="muted" role="status">
        Loading dashboard…
      </p>
    );
  }
  if (loaded.kind === "error") {
    return (
      <div className="panel error" role="alert">
        <h1>Dashboard {uid}</h1>
        <p>{loaded.message}</p>
        <Link to="/dashboards">All dashboards</Link>
      </div>
    );
  }
  return (
    <Loaded
      key={`${loaded.stored.uid}@${loaded.stored.version}`}
      stored={loaded.stored}
      view={view}
      canEdit={hasRole(role, "operator")}
      startEditing={search.get("edit") === "1"}
      onSaved={(s) => setLoaded({ kind: "ok", stored: s })}
      onReload={() => setReloads((n) => n + 1)}
    />
  );
}

function Loaded({
  stored,
  view,
  canEdit,
  startEditing,
  onSaved,
  onReload,
}: {
  stored: StoredDashboard;
  view: ViewState;
  canEdit: boolean;
  startEditing: boolean;
  onSaved: (s: StoredDashboard) => void;
  onReload: () => void;
}) {
  const { theme } = useTheme();
  const editable = canEdit && !stored.provisioned;
  const [draft, setDraft] = useState<Dashboard | undefined>(() =>
    editable && startEditing ? structuredClone(stored.dashboard) : undefined,
  );
  const [editingPanel, setEditingPanel] = useState<number | undefined>();
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; text: string; stale?: boolean } | undefined>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const dash = draft ?? stored.dashboard;

  // Time: the URL's, else the dashboard's; "now" is re-read on every refresh tick.
  const time: TimeRangeText = { from: view.from ?? dash.time.from, to: view.to ?? dash.time.to };
  const refresh = view.refresh ?? dash.refresh;
  const [tick, setTick] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const bump = useCallback(() => {
    setNow(Date.now());
    setTick((t) => t + 1);
  }, []);
  const every = refreshMs(refresh);
  const relative = isRelative(time);
  // "Last 6h" is live: its panels are pushed after every scrape, so it needs no refresh timer.
  const live = isLive(time);
  useEffect(() => {
    if (every === undefined || !relative || live) {
      return;
    }
    // One timer for the whole dashboard (not one per panel); a hidden tab skips its refreshes.
    const t = setInterval(() => !document.hidden && bump(), every);
    return () => clearInterval(t);
  }, [every, relative, live, bump]);
  const range = useMemo(() => resolveRange(time, now), [time.from, time.to, now]);

  const go = (next: Partial<ViewState>) => navigate(viewUrl(stored.uid, { ...view, ...next }));

  // Variable values from the API, for the stored dashboard's variables over the range, in
  // dependency order: a chained variable (label_values(up{job="$job"}, instance)) is loaded after
  // the variables it refers to, with their selection, and again when one of them changes.
  const [options, setOptions] = useState<Record<string, VariableOptions>>({});
  const startMs = "error" in range ? undefined : range.startMs;
  const endMs = "error" in range ? undefined : range.endMs;
  const loadedValues = useRef(new Map<string, string[]>());
  const chainKey = JSON.stringify(
    stored.dashboard.variables
      .filter((v) => dependantsOf(v.name, stored.dashboard.variables).length > 0)
      .map((v) => view.vars[v.name] ?? null),
  );
  useEffect(() => {
    if (startMs === undefined || endMs === undefined) {
      return;
    }
    const abort = new AbortController();
    const all = stored.dashboard.variables;
    const order = variableOrder(all);
    if ("cycle" in order) {
      const error = `variables ${order.cycle.join(" → ")} refer to each other in a cycle`;
      setOptions(Object.fromEntries(all.map((v) => [v.name, { values: [], error }])));
      return;
    }
    const loaded: Record<string, string[]> = {};
    /** What a variable's dependants are given: its selection, All as every value. */
    const chosen = (name: string): string[] => {
      const d = all.find((x) => x.name === name)!;
      if (d.type === "constant") {
        return [d.query];
      }
      if (d.type === "textbox") {
        return view.vars[name] ?? [d.query];
      }
      const picked = selectionOf(d, loaded[name] ?? [], view.vars[name]);
      return picked.includes(ALL) ? (loaded[name] ?? []) : picked;
    };
    void (async () => {
      for (const name of order.order) {
        const v = all.find((x) => x.name === name)!;
        const selected = Object.fromEntries(dependenciesOf(v, all).map((d) => [d, chosen(d)]));
        // Unchanged inputs (same refresh, same selection of its dependencies): not asked again.
        const key = JSON.stringify([tick, name, selected]);
        let values = loadedValues.current.get(key);
        if (values === undefined) {
          try {
            values = await variableValues(stored.uid, name, startMs, endMs, selected, abort.signal);
            loadedValues.current.set(key, values);
          } catch (err) {
            if (abort.signal.aborted) {
              return;
            }
            setOptions((o) => ({ ...o, [name]: { values: [], error: describe(err) } }));
            values = [];
          }
        }
        if (abort.signal.aborted) {
          return;
        }
        loaded[name] = values;
        const got = values;
        setOptions((o) =>
          o[name]?.values === got && !o[name]?.error ? o : { ...o, [name]: { values: got } },
        );
      }
      if (loadedValues.current.size > 500) {
        loadedValues.current.clear(); // bounded: older refreshes' answers are never asked for again
      }
    })();
    return () => abort.abort();
    // Values follow the range in steps of the refresh, not every millisecond of "now"; a chained
    // variable follows the selection of the variables it refers to.
  }, [stored, tick, startMs === undefined, chainKey]);

  const variables = dash.variables;
  const ready = variables.every(
    (v) => v.type === "constant" || v.type === "textbox" || options[v.name] !== undefined,
  );
  const selection = useMemo(() => {
    const out: Record<string, string[]> = {};
    for (const v of variables) {
      const values = v.type === "constant" ? [v.query] : (options[v.name]?.values ?? []);
      out[v.name] =
        v.type === "constant"
          ? [v.query]
          : v.type === "textbox"
            ? (view.vars[v.name] ?? [v.query])
            : selectionOf(v, values, view.vars[v.name]);
    }
    return out;
  }, [variables, options, JSON.stringify(view.vars)]);
  const subs = useMemo(() => {
    const opts: Record<string, string[]> = {};
    for (const [k, o] of Object.entries(options)) {
      opts[k] = o?.values ?? [];
    }
    return substitutions(variables, selection, opts);
  }, [variables, selection, options]);

  // Deployment markers: one read per refresh, filtered to the range.
  const [marks, setMarks] = useState<DeploymentMark[]>([]);
  const wantMarks = dash.annotations.deployments;
  // A live range learns of deployments from the stream (coalesced), not from a timer.
  const [deploymentEvents, setDeploymentEvents] = useState(0);
  useLiveEvent("deployment", () => {
    if (live && wantMarks) {
      setDeploymentEvents((n) => n + 1);
    }
  });
  useEffect(() => {
    if (!wantMarks) {
      setMarks([]);
      return;
    }
    const abort = new AbortController();
    deployments(abort.signal).then(
      (d) => setMarks(d),
      () => setMarks([]), // annotations are decoration: a failure leaves the panels as they are
    );
    return () => abort.abort();
  }, [wantMarks, tick, deploymentEvents]);
  const markers = useMemo(
    () =>
      "error" in range
        ? []
        : marks
            // A live range's end moves with the pushes: a deployment started since is on it too.
            .filter((m) => m.createdAt >= range.startMs && (live || m.createdAt <= range.endMs))
            .map((m) => ({ at: m.createdAt / 1000, label: `${m.service} → ${m.toRevision} (${m.phase})` })),
    [marks, range, live],
  );

  const panels = useMemo(
    () => [...dash.panels].sort((a, b) => a.grid.y - b.grid.y || a.grid.x - b.grid.x),
    [dash.panels],
  );
  const ctx = useMemo<PanelContext | undefined>(
    () => ("error" in range ? undefined : { range, subs, theme, markers, tick, live }),
    [range, subs, theme, markers, tick, live],
  );

  const updatePanel = (p: Panel) => {
    setDraft((d) => d && { ...d, panels: d.panels.map((x) => (x.id === p.id ? p : x)) });
    setEditingPanel(undefined);
  };
  const addPanel = () => {
    if (!draft) {
      return;
    }
    const id = Math.max(0, ...draft.panels.map((p) => p.id)) + 1;
    const y = Math.max(0, ...draft.panels.map((p) => p.grid.y + p.grid.h));
    const panel: Panel = {
      id,
      type: "timeseries",
      title: `Panel ${id}`,
      grid: { x: 0, y, w: 12, h: 8 },
      queries: [{ expr: "up", instant: false }],
      thresholds: [],
      reduce: "lastNotNull",
    };
    setDraft({ ...draft, panels: [...draft.panels, panel] });
    setEditingPanel(id);
  };
  const save = async () => {
    if (!draft) {
      return;
    }
    setNotice(undefined);
    try {
      const saved = await saveDashboard(draft, stored.version);
      navigate(viewUrl(saved.uid, { ...view }), { replace: true });
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        setNotice({
          kind: "error",
          stale: true,
          text: `Someone else saved this dashboard after you opened it (${err.message}). Your edits are still here: reload to see theirs (your edits are lost), or copy what you need first.`,
        });
      } else {
        setNotice({ kind: "error", text: `Not saved: ${describe(err)}` });
      }
    }
  };
  const remove = async () => {
    try {
      await deleteDashboard(stored.uid);
      navigate("/dashboards");
    } catch (err) {
      setConfirmDelete(false);
      setNotice({ kind: "error", text: `Not deleted: ${describe(err)}` });
    }
  };

  const editing = draft !== undefined;
  const editedPanel = editingPanel === undefined ? undefined : dash.panels.find((p) => p.id === editingPanel);

  return (
    <section className="dashboard" aria-labelledby="page-title">
      <div className="dash-head">
        <div>
          <p className="crumbs">
            <Link to="/dashboards">Dashboards</Link>
          </p>
          <h1 id="page-title">{dash.title}</h1>
          {dash.description ? <p className="muted">{dash.description}</p> : null}
        </div>
        <div className="button-row">
          {editable && !editing ? (
            <button type="button" onClick={() => setDraft(structuredClone(stored.dashboard))}>
              Edit
            </button>
          ) : null}
          {editing ? (
            <>
              <button type="button" onClick={addPanel}>
                Add panel
              </button>
              <button type="button" className="primary" onClick={() => void save()}>
                Save
              </button>
              <button
                type="button"
                onClick={() => {
                  setDraft(undefined);
                  setEditingPanel(undefined);
                  setNotice(undefined);
                }}
              >
                Cancel
              </button>
              <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
                Delete dashboard
              </button>
            </>
          ) : null}
        </div>
      </div>
      {stored.provisioned ? (
        <p className="note">
          Provisioned from a file ({stored.updatedBy.replace(/^file:/, "")}): read-only here. Change the file
          and reload lineops to change it.
        </p>
      ) : null}
      {confirmDelete ? (
        <div className="panel warning-box" role="alertdialog" aria-labelledby="confirm-delete">
          <p id="confirm-delete">
            Delete “{stored.title}” (version {stored.version})? This cannot be undone.
          </p>
          <div className="button-row">
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Keep it
            </button>
          </div>
        </div>
      ) : null}
      {notice ? (
        <div
          className={notice.kind === "error" ? "panel error" : "panel"}
          role={notice.kind === "error" ? "alert" : "status"}
        >
          <p>{notice.text}</p>
          {notice.stale ? (
            <button type="button" onClick={onReload}>
              Reload the saved version
            </button>
          ) : null}
        </div>
      ) : null}

      <div className="dash-toolbar">
        {variables.map((v) => (
          <VariableSelect
            key={v.name}
            variable={v}
            options={
              v.type === "custom" || v.type === "query" || v.type === "interval"
                ? options[v.name]
                : { values: [] }
            }
            selected={selection[v.name] ?? []}
            onChange={(values) => go({ vars: { ...view.vars, [v.name]: values } })}
          />
        ))}
        <span className="spacer" />
        <TimePicker value={time} onChange={(r) => go({ from: r.from, to: r.to })} />
        <RefreshPicker value={refresh} onChange={(r) => go({ refresh: r })} onRefresh={bump} />
      </div>
      {"error" in range ? (
        <p className="error-text" role="alert">
          Time range: {range.error}
        </p>
      ) : null}

      {editedPanel ? (
        <PanelEditor
          key={editedPanel.id}
          panel={editedPanel}
          onApply={updatePanel}
          onCancel={() => setEditingPanel(undefined)}
        />
      ) : null}

      {panels.length === 0 ? (
        <p className="muted">This dashboard has no panels yet.{editable ? " Edit it and add one." : ""}</p>
      ) : ctx && ready ? (
        <div className="dash-grid">
          {panels.map((p) => (
            <PanelView
              key={p.id}
              panel={p}
              ctx={ctx}
              actions={
                editing ? (
                  <span className="panel-actions">
                    <button
                      type="button"
                      aria-label={`Edit panel ${displayText(p.title, subs) || p.id}`}
                      onClick={() => setEditingPanel(p.id)}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      aria-label={`Remove panel ${displayText(p.title, subs) || p.id}`}
                      onClick={() =>
                        setDraft((d) => d && { ...d, panels: d.panels.filter((x) => x.id !== p.id) })
                      }
                    >
                      Remove
                    </button>
                  </span>
                ) : undefined
              }
            />
          ))}
        </div>
      ) : (
        <p className="muted" role="status">
          Loading variables…
        </p>
      )}
    </section>
  );
}
