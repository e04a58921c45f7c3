// Formats a float64 exactly as Go's strconv.FormatFloat ('e', 'f', 'g'; a precision or -1 for the
// shortest digits that read back the same), so templates print 1e+06, 0.1, 1.235M as Prometheus.

type Digits = { d: string; dp: number }; // value = 0.d × 10^dp, d without trailing zeros

/** The exact decimal expansion of a finite positive double (every double is a finite decimal). */
function exactDigits(x: number): Digits {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp = (biased === 0 ? 1 : biased) - 1075;
  let d: string;
  let dp: number;
  if (exp >= 0) {
    d = (mantissa << BigInt(exp)).toString();
    dp = d.length;
  } else {
    d = (mantissa * 5n ** BigInt(-exp)).toString();
    dp = d.length + exp;
  }
  return trim({ d, dp });
}

/** The shortest digits that read back as x (JavaScript's and Go's shortest agree). */
function shortestDigits(x: number): Digits {
  const [mant = "0", e = "0"] = x.toExponential().split("e");
  return trim({ d: mant.replace(".", ""), dp: Number(e) + 1 });
}

function trim(v: Digits): Digits {
  const d = v.d.replace(/0+$/, "");
  return d === "" ? { d: "", dp: 0 } : { d, dp: v.dp };
}

/** Rounds to nd digits as Go's decimal.Round: half to even only when exactly halfway. */
function round(v: Digits, nd: number): Digits {
  if (nd < 0 || nd >= v.d.length) {
    return v;
  }
  const next = v.d[nd] as string;
  const up = next === "5" && nd + 1 === v.d.length ? nd > 0 && Number(v.d[nd - 1]) % 2 === 1 : next >= "5";
  if (!up) {
    return trim({ d: v.d.slice(0, nd), dp: v.dp });
  }
  const digits = v.d.slice(0, nd).split("");
  let i = nd - 1;
  while (i >= 0 && digits[i] === "9") {
    i--;
  }
  if (i < 0) {
    return { d: "1", dp: v.dp + 1 };
  }
  digits[i] = String(Number(digits[i]) + 1);
  return trim({ d: digits.slice(0, i + 1).join(""), dp: v.dp });
}

function fmtE(neg: boolean, v: Digits, prec: number, e: "e" | "E"): string {
  const first = v.d[0] ?? "0";
  let out = (neg ? "-" : "") + first;
  if (prec > 0) {
    out += "." + v.d.slice(1, 1 + prec).padEnd(prec, "0");
  }
  const exp = v.d === "" ? 0 : v.dp - 1;
  const abs = Math.abs(exp);
  return `${out}${e}${exp < 0 ? "-" : "+"}${abs < 10 ? "0" : ""}${abs}`;
}

function fmtF(neg: boolean, v: Digits, prec: number): string {
  let out = neg ? "-" : "";
  if (v.dp > 0) {
    out += v.d.slice(0, v.dp).padEnd(v.dp, "0");
  } else {
    out += "0";
  }
  if (prec > 0) {
    out += ".";
    for (let i = 1; i <= prec; i++) {
      const j = v.dp + i - 1;
      out += j >= 0 && j < v.d.length ? v.d[j] : "0";
    }
  }
  return out;
}

/** strconv.FormatFloat(x, fmt, prec, 64); prec -1 is the shortest representation. */
export function formatFloat(x: number, fmt: "e" | "E" | "f" | "g" | "G", prec: number): string {
  if (Number.isNaN(x)) {
    return "NaN";
  }
  if (!Number.isFinite(x)) {
    return x > 0 ? "+Inf" : "-Inf";
  }
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let v: Digits;
  if (abs === 0) {
    v = { d: "", dp: 0 };
  } else if (shortest) {
    v = shortestDigits(abs);
  } else {
    const exact = exactDigits(abs);
    if (fmt === "e" || fmt === "E") {
      v = round(exact, prec + 1);
    } else if (fmt === "f") {
      v = round(exact, exact.dp + prec);
    } else {
      v = round(exact, prec === 0 ? 1 : prec);
    }
  }
  if (shortest) {
    prec =
      fmt === "e" || fmt === "E" ? v.d.length - 1 : fmt === "f" ? Math.max(v.d.length - v.dp, 0) : v.d.length;
  }
  switch (fmt) {
    case "e":
    case "E":
      return fmtE(neg, v, prec, fmt);
    case "f":
      return fmtF(neg, v, prec);
    default: {
      if (prec === 0) {
        prec = 1;
      }
      let eprec = prec;
      if (eprec > v.d.length && v.d.length >= v.dp) {
        eprec = v.d.length;
      }
      if (shortest) {
        eprec = 6;
      }
      const exp = v.dp - 1;
      if (exp < -4 || exp >= eprec) {
        return fmtE(neg, v, Math.min(prec, v.d.length) - 1, fmt === "G" ? "E" : "e");
      }
      return fmtF(neg, v, Math.max((prec > v.dp ? v.d.length : prec) - v.dp, 0));
    }
  }
}
