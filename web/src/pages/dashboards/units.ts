// Panel values as text, in Grafana's units (fieldConfig.defaults.unit): the common ones by their
// Grafana ids, any other string as a suffix (Grafana's "custom unit" behaviour). Decimals: the
// panel's, or enough to tell values of the value's magnitude apart.

type Scaled = { value: number; suffix: string };

const SI_SHORT = ["", " K", " Mil", " Bil", " Tri", " Quadr"];
const SI_PREFIX = ["", " k", " M", " G", " T", " P"];
const IEC = [" B", " KiB", " MiB", " GiB", " TiB", " PiB"];
const DEC_BYTES = [" B", " kB", " MB", " GB", " TB", " PB"];

function scale(v: number, base: number, suffixes: readonly string[]): Scaled {
  let i = 0;
  let x = v;
  while (Math.abs(x) >= base && i < suffixes.length - 1) {
    x /= base;
    i++;
  }
  return { value: x, suffix: suffixes[i] ?? "" };
}

function fromMs(ms: number): Scaled {
  const a = Math.abs(ms);
  if (a < 1000) {
    return { value: ms, suffix: " ms" };
  }
  if (a < 60_000) {
    return { value: ms / 1000, suffix: " s" };
  }
  if (a < 3_600_000) {
    return { value: ms / 60_000, suffix: " min" };
  }
  if (a < 86_400_000) {
    return { value: ms / 3_600_000, suffix: " hour" };
  }
  if (a < 31_536_000_000) {
    return { value: ms / 86_400_000, suffix: " day" };
  }
  return { value: ms / 31_536_000_000, suffix: " year" };
}

/** The unit ids the editor offers (any other text is accepted too, as a suffix). */
export const COMMON_UNITS: readonly { id: string; label: string }[] = [
  { id: "short", label: "short (1.2 K)" },
  { id: "none", label: "none" },
  { id: "percent", label: "percent (0-100)" },
  { id: "percentunit", label: "percent (0.0-1.0)" },
  { id: "s", label: "seconds" },
  { id: "ms", label: "milliseconds" },
  { id: "bytes", label: "bytes (IEC)" },
  { id: "decbytes", label: "bytes (SI)" },
  { id: "reqps", label: "requests/sec" },
  { id: "ops", label: "ops/sec" },
  { id: "hertz", label: "hertz" },
  { id: "celsius", label: "Celsius" },
];

function scaled(v: number, unit: string | undefined): Scaled {
  switch (unit ?? "short") {
    case "":
    case "short":
      return scale(v, 1000, SI_SHORT);
    case "none":
      return { value: v, suffix: "" };
    case "percent":
      return { value: v, suffix: "%" };
    case "percentunit":
      return { value: v * 100, suffix: "%" };
    case "s":
      return fromMs(v * 1000);
    case "ms":
      return fromMs(v);
    case "bytes":
      return scale(v, 1024, IEC);
    case "decbytes":
      return scale(v, 1000, DEC_BYTES);
    case "reqps": {
      const s = scale(v, 1000, SI_SHORT);
      return { value: s.value, suffix: `${s.suffix} req/s` };
    }
    case "ops": {
      const s = scale(v, 1000, SI_SHORT);
      return { value: s.value, suffix: `${s.suffix} ops/s` };
    }
    case "hertz": {
      const s = scale(v, 1000, SI_PREFIX);
      return { value: s.value, suffix: `${s.suffix}Hz` };
    }
    case "celsius":
      return { value: v, suffix: "°C" };
    default:
      return { value: v, suffix: ` ${unit}` };
  }
}

/** Decimals that show a value of this magnitude sensibly (Grafana's auto decimals, simplified). */
function autoDecimals(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || a >= 100) {
    return 0;
  }
  if (a >= 10) {
    return 1;
  }
  if (a >= 1) {
    return 2;
  }
  // Small values keep two significant digits: 0.0042 → "0.0042", not "0.00".
  return Math.min(10, 1 - Math.floor(Math.log10(a)));
}

/** `v` as text in `unit` with `decimals` (undefined: automatic, trailing zeros dropped). */
export function formatValue(v: number | null | undefined, unit?: string, decimals?: number): string {
  if (v === null || v === undefined || Number.isNaN(v)) {
    return "No value";
  }
  if (!Number.isFinite(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  const s = scaled(v, unit);
  if (decimals !== undefined) {
    return `${s.value.toFixed(decimals)}${s.suffix}`;
  }
  const text = s.value.toFixed(autoDecimals(s.value));
  return `${text.includes(".") ? text.replace(/\.?0+$/, "") : text}${s.suffix}`;
}
