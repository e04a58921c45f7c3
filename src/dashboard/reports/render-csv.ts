// The CSV rendering: one section per table (its title on a row of its own, the header, the rows,
// then an empty line), RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF quoted and
// their quotes doubled. Values are raw (ratios 0..1, seconds, RFC 3339 times) for spreadsheets.
import type { OperationsReport } from "./gather.js";
import { reportTables, type Cell, type ColumnKind } from "./tables.js";

export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function raw(v: Cell, kind: ColumnKind): string {
  if (v === null) {
    return "";
  }
  if (kind === "time" && typeof v === "number") {
    return new Date(v).toISOString();
  }
  return typeof v === "number" ? String(Number.isInteger(v) ? v : Number(v.toPrecision(6))) : v;
}

export function renderCsv(r: OperationsReport): string {
  const lines: string[] = [
    ["Report", r.title].map(csvField).join(","),
    ["From", new Date(r.from).toISOString()].join(","),
    ["To", new Date(r.to).toISOString()].join(","),
    ["Time zone", r.timezone].map(csvField).join(","),
    "",
  ];
  for (const t of reportTables(r)) {
    lines.push(csvField(t.title));
    lines.push(t.columns.map((c) => csvField(c.title)).join(","));
    for (const row of t.rows) {
      lines.push(row.map((v, i) => csvField(raw(v, t.columns[i]?.kind ?? "text"))).join(","));
    }
    lines.push("");
  }
  return lines.join("\r\n");
}
