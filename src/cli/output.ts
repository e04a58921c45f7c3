// Prints CLI results: JSON for scripts (--json), aligned tables for people.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type Cell = string | number | undefined;

export function printTable(headers: string[], rows: Cell[][]): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined ? "-" : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  for (const row of cells) {
    process.stdout.write(
      `${row
        .map((c, i) => (c ?? "").padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd()}\n`,
    );
  }
}
