// What the browser runs to time a screen: an init script (installed before the page's own scripts,
// through the DevTools protocol, which the page's Content-Security-Policy does not govern) that
// checks a "drawn" condition at every animation frame and records, in window.__benchUi, the
// performance.now() (ms since navigation start) of the first frame where it holds. A frame is
// when the browser paints: the time is that of the frame that shows the finished screen.
// Plain JavaScript text, not a function: a bundler's helpers must not leak into the page.

/** The conditions, by name; each is a JS expression over `document`, true once the screen is drawn. */
export const CONDITIONS = {
  /**
   * Line overview: the line flow with every station in a known state (its live station_state),
   * the OEE tile with a live percentage, and the throughput chart's canvas.
   */
  overview: `(() => {
    const stations = document.querySelectorAll('.line-flow .station');
    if (stations.length === 0) return false;
    for (const s of stations) if (s.getAttribute('data-health') === 'unknown') return false;
    const oee = document.querySelector('.kpi[data-kpi="oee"] .kpi-value');
    if (!oee || !/\\d %/.test(oee.textContent || '')) return false;
    const tp = document.querySelector('.kpi[data-kpi="throughput"] .kpi-value');
    if (!tp || !/\\d/.test(tp.textContent || '')) return false;
    return document.querySelector('.overview-grid .graph canvas') !== null;
  })()`,
  /** A dashboard: every panel loaded and each time series panel's uPlot canvas drawn with series. */
  dashboard: `(() => {
    const want = Number(window.__benchUiPanels || 0);
    const panels = document.querySelectorAll('section.dash-panel');
    if (panels.length === 0 || panels.length < want) return false;
    for (const p of panels) {
      if (p.getAttribute('data-state') !== 'done') return false;
      const host = p.querySelector('.graph [data-series-count]');
      if (!host || Number(host.getAttribute('data-series-count')) === 0) return false;
      if (!host.querySelector('canvas')) return false;
    }
    return true;
  })()`,
  /** lineops's Explore after Run query: the graph's uPlot canvas with at least one series. */
  exploreLineops: `(() => {
    const host = document.querySelector('.results .graph [data-series-count]');
    return !!host && Number(host.getAttribute('data-series-count')) > 0 && !!host.querySelector('canvas');
  })()`,
  /**
   * Prometheus 2.53's graph page as Debian ships it (/classic/graph: Debian's package has no React
   * UI) after Execute: Rickshaw's SVG paths drawn and its legend filled.
   */
  explorePrometheus: `(() => {
    return document.querySelectorAll('.graph_area svg path').length > 0 &&
      document.querySelectorAll('.legend li').length > 0;
  })()`,
} as const;

export type ConditionName = keyof typeof CONDITIONS;

/**
 * Milestones on the way to a condition, each recorded at the first frame it holds (where the time
 * goes, for the report; not part of the result).
 */
export const STAGES: Partial<Record<ConditionName, Record<string, string>>> = {
  overview: {
    shell: `document.querySelector('.overview') !== null`,
    snapshot: `document.querySelector('.line-flow .station') !== null`,
    stationStates: `document.querySelector('.line-flow .station') !== null && document.querySelectorAll('.line-flow .station[data-health="unknown"]').length === 0`,
    oee: `/\\d %/.test((document.querySelector('.kpi[data-kpi="oee"] .kpi-value') || {}).textContent || '')`,
    chart: `document.querySelector('.overview-grid .graph canvas') !== null`,
  },
  dashboard: {
    panels: `document.querySelectorAll('section.dash-panel').length > 0`,
    firstDrawn: `document.querySelector('section.dash-panel .graph canvas') !== null`,
    allLoaded: `document.querySelectorAll('section.dash-panel').length > 0 && document.querySelectorAll('section.dash-panel:not([data-state="done"])').length === 0`,
  },
};

/**
 * The init script for one timed load. With `fromClick`, the clock starts at the first click on a
 * button (the explorer's Run query button or Execute input; a capture listener on window runs before the page's
 * own) and the condition is only checked after it; otherwise it starts at navigation
 * (performance.now() = 0).
 */
export function watcherScript(
  name: ConditionName,
  opts: { fromClick?: boolean; panels?: number } = {},
): string {
  return `(() => {
  window.__benchUiPanels = ${opts.panels ?? 0};
  const st = { startAt: ${opts.fromClick ? "null" : "0"}, doneAt: null, stages: {} };
  window.__benchUi = st;
  const drawn = () => { try { return ${CONDITIONS[name]}; } catch (e) { return false; } };
  const stages = {${Object.entries(STAGES[name] ?? {})
    .map(([k, expr]) => `${JSON.stringify(k)}: () => { try { return ${expr}; } catch (e) { return false; } }`)
    .join(", ")}};
  ${
    opts.fromClick
      ? `addEventListener('click', (e) => { if (st.startAt === null && e.target instanceof Element && e.target.closest('button, input[type=submit]')) st.startAt = performance.now(); }, true);`
      : ""
  }
  const frame = () => {
    if (st.doneAt !== null) return;
    if (st.startAt !== null) {
      for (const k in stages) if (st.stages[k] === undefined && stages[k]()) st.stages[k] = performance.now();
      if (drawn()) { st.doneAt = performance.now(); return; }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();`;
}

/**
 * The init script of the scrape-to-screen watch: at every frame, the number shown in the stat panel
 * titled `title`; each change is recorded with Date.now() (the same clock as the bench's, one
 * machine) in window.__benchUiShown.
 */
export function shownValuesScript(title: string): string {
  return `(() => {
  const shown = [];
  window.__benchUiShown = shown;
  let last = null;
  const frame = () => {
    for (const p of document.querySelectorAll('section.dash-panel[data-panel-type="stat"]')) {
      const h = p.querySelector('h2');
      if (!h || h.textContent !== ${JSON.stringify(title)}) continue;
      const v = p.querySelector('[data-testid="stat-value"]');
      const n = v ? Number((v.textContent || '').replace(/[^0-9.-]/g, '')) : NaN;
      if (Number.isFinite(n) && n !== last) { last = n; shown.push({ value: n, at: Date.now() }); }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();`;
}
