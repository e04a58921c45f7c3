// Bridges the gap between the installed lezer grammar (@prometheus-io/lezer-promql 0.315) and the
// Prometheus 3.x lexer it trails: numbers with a trailing dot ("2.", "1./6.") and the expression-level
// min_of()/max_of() functions. Rewrites are length-preserving so every position stays exact.

/** Function names the grammar only knows in duration context, mapped to same-length stand-ins. */
export const STAND_INS: Readonly<Record<string, string>> = { min_of: "absent", max_of: "absent" };

// Sticky, so a token is matched where the scan stands without slicing the rest of the query: slicing
// (and trimming the output so far) at every token made a 200 KB query take minutes to reject.
const WORD = /[A-Za-z_:][A-Za-z0-9_:]*/y;
const NUMBER = /0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?[A-Za-z0-9_]*/y;

export function prepareForLezer(q: string): string {
  let out = "";
  let i = 0;
  // The output has the query's length and the same brackets, colons and spaces, so the context checks
  // below read the query itself; the last "[" and "]" seen are tracked as the scan goes.
  let scanned = 0;
  let lastOpen = -1;
  let lastClose = -1;
  const insideBrackets = (end: number) => {
    for (; scanned < end; scanned++) {
      const ch = q.charCodeAt(scanned);
      if (ch === 0x5b) {
        lastOpen = scanned;
      } else if (ch === 0x5d) {
        lastClose = scanned;
      }
    }
    return lastOpen > lastClose;
  };
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
      WORD.lastIndex = i;
      const word = (WORD.exec(q) as RegExpExecArray)[0];
      const standIn = STAND_INS[word];
      // Only a call in expression context: not in a duration ("[...]"), not a label name, not after "by (".
      if (
        standIn &&
        nextNonSpace(q, i + word.length) === "(" &&
        !/[[:]/.test(prevNonSpace(q, i)) &&
        !insideBrackets(i)
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

/** The first character at or after `from` that is not white space ("" at the end). */
function nextNonSpace(q: string, from: number): string {
  let k = from;
  while (k < q.length && /\s/.test(q[k] as string)) {
    k++;
  }
  return q[k] ?? "";
}

/** The last character before `end` that is not white space ("" at the start). */
function prevNonSpace(q: string, end: number): string {
  let k = end - 1;
  while (k >= 0 && /\s/.test(q[k] as string)) {
    k--;
  }
  return q[k] ?? "";
}
