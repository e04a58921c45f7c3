// How the Reports page writes numbers: percentages with the precision an SLO needs, burn rates.

export function percent(v: number | null, digits = 1): string {
  if (v === null || !Number.isFinite(v)) {
    return "—";
  }
  // 99.95 % and 99.9 % differ by half the budget: show three decimals near 100 %.
  const d = v > 0.99 && v < 1 ? 3 : digits;
  return `${(v * 100).toFixed(d)} %`;
}

export function burn(v: number | null): string {
  return v === null || !Number.isFinite(v) ? "—" : `${v.toFixed(2)}×`;
}

export function when(t: number | null | undefined): string {
  return t === null || t === undefined ? "—" : new Date(t).toLocaleString("en-GB", { hour12: false });
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
