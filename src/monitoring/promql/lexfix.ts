// Bridges the gap between the installed lezer grammar (@prometheus-io/lezer-promql 0.315) and the
// Prometheus 3.x lexer it trails: numbers with a trailing dot ("2.", "1./6.") and the expression-level
// min_of()/max_of() functions. Rewrites are length-preserving so every position stays exact.

/** Function names the grammar only knows in duration context, mapped to same-length stand-ins. */
export const STAND_INS: Readonly<Record<string, string>> = { min_of: "absent", max_of: "absent" };

export function prepareForLezer(q: string): string {
  let out = "";
  let i = 0;
  while (i < q.length) {
    const c = q[i] as string;
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < q.length && q[j] !== c) {
        if (q[j] === "\\" && c !== "`") {
          j++;
        }
        j++;
      }
      out += q.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === "#") {
      const nl = q.indexOf("\n", i);
      const end = nl < 0 ? q.length : nl;
      out += q.slice(i, end);
      i = end;
      continue;
    }
    if (/[A-Za-z_:]/.test(c)) {
      // Sticky regexes and look-arounds computed only for a stand-in: slicing the rest of the
      // query per identifier made this quadratic (a 12 KB chain took 30 ms, 128 KB seconds).
      IDENT.lastIndex = i;
      const word = (IDENT.exec(q) as RegExpExecArray)[0];
      const standIn = STAND_INS[word];
      // Only a call in expression context: not in a duration ("[...]"), not a label name, not after "by (".
      if (
        standIn &&
        q
          .slice(i + word.length)
          .trimStart()
          .startsWith("(") &&
        !/[[:]\s*$/.test(out.trimEnd()) &&
        !insideBrackets(out)
      ) {
        out += standIn;
      } else {
        out += word;
      }
      i += word.length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(q) as RegExpExecArray;
      let tok = m[0];
      // "2." is a float in Prometheus; lezer wants digits after the dot. A space keeps the length.
      if (/^[0-9]+\.$/.test(tok)) {
        tok = tok.slice(0, -1) + " ";
      }
      out += tok;
      i += m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

const IDENT = /[A-Za-z_:][A-Za-z0-9_:]*/y;
const NUMBER = /(0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?[A-Za-z0-9_]*)/y;

function insideBrackets(prefix: string): boolean {
  return prefix.lastIndexOf("[") > prefix.lastIndexOf("]");
}
