// Number syntax of the exposition formats, as Prometheus reads it (Go's strconv.ParseFloat minus hex
// and underscores): decimals with optional exponent, Inf/Infinity with optional sign, NaN, any case.
// Values out of float64 range are errors, as in Go. Short decimals take an exact fast path.
import * as chars from "./parser-chars.js";

// Module-local copies: when a loader rewrites ESM imports into property reads (tsx in CommonJS
// mode, test runners), every char comparison would otherwise cost a getter call (measured 10x).
const { DOT, MINUS, NINE, PLUS, ZERO } = chars;

// Powers of ten that float64 holds exactly: one multiply or divide by them rounds correctly.
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];
// Below this, mant * 10 + digit stays an exact integer (< 2^53).
const MANT_LIMIT = 900719925474099;

/** Case-insensitive match of s[start, end) against a lowercase ASCII word. */
function wordIs(s: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) {
    return false;
  }
  for (let i = 0; i < word.length; i++) {
    if ((s.charCodeAt(start + i) | 0x20) !== word.charCodeAt(i)) {
      return false;
    }
  }
  return true;
}

/** Parses s[start, end) as a sample value; undefined when it is not a valid number or overflows. */
export function parseExpositionFloat(s: string, start: number, end: number): number | undefined {
  let i = start;
  let c = s.charCodeAt(i);
  let neg = false;
  let signed = false;
  if (c === MINUS || c === PLUS) {
    neg = c === MINUS;
    signed = true;
    c = s.charCodeAt(++i);
  }
  let mant = 0;
  let digits = 0;
  let exact = true;
  let e10 = 0;
  while (c >= ZERO && c <= NINE && i < end) {
    if (mant < MANT_LIMIT) {
      mant = mant * 10 + (c - ZERO);
    } else {
      exact = false;
    }
    digits++;
    c = s.charCodeAt(++i);
  }
  if (c === DOT && i < end) {
    c = s.charCodeAt(++i);
    while (c >= ZERO && c <= NINE && i < end) {
      if (mant < MANT_LIMIT) {
        mant = mant * 10 + (c - ZERO);
        e10--;
      } else {
        exact = false;
      }
      digits++;
      c = s.charCodeAt(++i);
    }
  }
  if (digits === 0) {
    // Not a decimal: only the special spellings remain. Go accepts a sign on Inf but not on NaN.
    if (wordIs(s, i, end, "inf") || wordIs(s, i, end, "infinity")) {
      return neg ? -Infinity : Infinity;
    }
    if (!signed && wordIs(s, i, end, "nan")) {
      return NaN;
    }
    return undefined;
  }
  if ((c === 101 || c === 69) && i < end) {
    // e / E
    c = s.charCodeAt(++i);
    let eneg = false;
    if ((c === MINUS || c === PLUS) && i < end) {
      eneg = c === MINUS;
      c = s.charCodeAt(++i);
    }
    let exp = 0;
    let expDigits = 0;
    while (c >= ZERO && c <= NINE && i < end) {
      if (exp < 100000) {
        exp = exp * 10 + (c - ZERO);
      }
      expDigits++;
      c = s.charCodeAt(++i);
    }
    if (expDigits === 0) {
      return undefined;
    }
    e10 += eneg ? -exp : exp;
  }
  if (i !== end) {
    return undefined;
  }
  let v: number;
  if (exact && e10 >= -22 && e10 <= 22) {
    v = e10 < 0 ? mant / (POW10[-e10] as number) : mant * (POW10[e10] as number);
  } else {
    // Syntax checked above is a subset of what Number() reads, and both round correctly.
    v = Number(s.slice(signed ? start + 1 : start, end));
    if (v === Infinity) {
      return undefined; // Go: "value out of range"
    }
  }
  return neg ? -v : v;
}

/** Text-format timestamp: decimal digits only, milliseconds; undefined beyond 2^53. */
export function parseTextTimestamp(s: string, start: number, end: number): number | undefined {
  if (start === end) {
    return undefined;
  }
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < ZERO || c > NINE) {
      return undefined;
    }
    v = v * 10 + (c - ZERO);
  }
  return v <= Number.MAX_SAFE_INTEGER ? v : undefined;
}

/**
 * OpenMetrics timestamp: seconds as a float, to integer milliseconds truncated toward zero as
 * Prometheus does. A plain decimal is converted digit by digit, so "1520879607.789" is exactly
 * 1520879607789 ms (Prometheus's float multiply can land 1 ms lower); exponent forms go through
 * the float. NaN, Inf and results beyond 2^53 ms are undefined (invalid).
 */
export function parseOpenMetricsTimestamp(s: string, start: number, end: number): number | undefined {
  let i = start;
  let c = s.charCodeAt(i);
  let neg = false;
  if (c === MINUS || c === PLUS) {
    neg = c === MINUS;
    c = s.charCodeAt(++i);
  }
  let secs = 0;
  let digits = 0;
  while (c >= ZERO && c <= NINE && i < end) {
    secs = secs * 10 + (c - ZERO);
    digits++;
    c = s.charCodeAt(++i);
  }
  let ms = 0;
  if (c === DOT && i < end) {
    c = s.charCodeAt(++i);
    let scale = 100;
    while (c >= ZERO && c <= NINE && i < end) {
      ms += (c - ZERO) * scale;
      scale = scale / 10;
      if (scale < 1) {
        scale = 0;
      }
      digits++;
      c = s.charCodeAt(++i);
    }
  }
  if (i === end && digits > 0 && secs < 9e12) {
    const v = secs * 1000 + ms;
    return neg && v !== 0 ? -v : v;
  }
  const f = parseExpositionFloat(s, start, end);
  if (f === undefined || f !== f || f === Infinity || f === -Infinity) {
    return undefined;
  }
  const t = Math.trunc(f * 1000);
  return Number.isSafeInteger(t) ? t + 0 : undefined;
}
