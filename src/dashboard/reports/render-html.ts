// The HTML rendering: one self-contained page (inline styles, no script, no external resource), laid
// out for A4 printing, which is also what the PDF rendering prints. Every text from outside
// (service, station, alert names) is escaped.
import { createHash } from "node:crypto";
import { formatLocal } from "../../model/zone.js";
import type { OperationsReport } from "./gather.js";
import { reportTables, type Cell, type ColumnKind } from "./tables.js";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function duration(seconds: number): string {
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  }
  if (seconds < 3600) {
    return `${(seconds / 60).toFixed(1)} min`;
  }
  return `${(seconds / 3600).toFixed(1)} h`;
}

function shown(v: Cell, kind: ColumnKind, tz: string): string {
  if (v === null) {
    return "—";
  }
  if (typeof v === "string") {
    return v;
  }
  switch (kind) {
    case "ratio":
      return `${(v * 100).toFixed(v > 0.999 && v < 1 ? 3 : 1)} %`;
    case "seconds":
      return duration(v);
    case "time":
      return formatLocal(v, tz).replace("T", " ").slice(0, 16);
    case "count":
      return Math.round(v).toLocaleString("en");
    case "rate":
      return v.toFixed(2);
    case "text":
      return String(v);
  }
}

const STYLE = `
  body { font: 12px/1.4 system-ui, sans-serif; color: #111; margin: 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 15px; margin: 20px 0 6px; break-after: avoid; }
  .meta { color: #444; margin: 0 0 12px; }
  table { border-collapse: collapse; width: 100%; break-inside: auto; }
  th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: right; }
  th:first-child, td:first-child, td.text, th.text { text-align: left; }
  th { background: #eee; }
  tr { break-inside: avoid; }
  .empty { color: #555; font-style: italic; }
  .burning { color: #a00; font-weight: 600; }
  @page { size: A4; margin: 14mm; }
  @media print { body { margin: 0; } }
`;

/**
 * The Content-Security-Policy a report is served with: nothing loads, and the one inline style is
 * allowed by its hash (the app's policy, style-src 'self', would strip the report's layout).
 */
export const REPORT_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function renderHtml(r: OperationsReport): string {
  const tz = r.timezone;
  const sections = reportTables(r).map((t) => {
    const body =
      t.rows.length === 0
        ? `<p class="empty">${escapeHtml(t.empty)}</p>`
        : `<table><thead><tr>${t.columns
            .map((c) => `<th scope="col" class="${c.kind}">${escapeHtml(c.title)}</th>`)
            .join("")}</tr></thead><tbody>${t.rows
            .map(
              (row) =>
                `<tr>${row
                  .map((v, i) => {
                    const kind = t.columns[i]?.kind ?? "text";
                    const hot = t.id === "slo" && kind === "rate" && typeof v === "number" && v >= 1;
                    return `<td class="${kind}${hot ? " burning" : ""}">${escapeHtml(shown(v, kind, tz))}</td>`;
                  })
                  .join("")}</tr>`,
            )
            .join("")}</tbody></table>`;
    return `<section id="${t.id}"><h2>${escapeHtml(t.title)}</h2>${body}</section>`;
  });
  const when = (t: number) => formatLocal(t, tz).replace("T", " ").slice(0, 16);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(r.title)}</title>
<style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(r.title)}</h1>
<p class="meta">${escapeHtml(when(r.from))} to ${escapeHtml(when(r.to))} (${escapeHtml(tz)}) · generated ${escapeHtml(
    when(r.generatedAt),
  )}</p>
${sections.join("\n")}
</main></body></html>
`;
}
