// fast-check generators of valid exposition bodies (both formats) together with what parsing them
// must yield, for the parser's round-trip and robustness properties.
import fc from "fast-check";
import { editsArb, mutate } from "../../../test-support/fuzz.js";
import type { ExpositionFormat } from "../parser.js";

export type GenSample = {
  name: string;
  quotedName: boolean;
  labels: { name: string; value: string; quoted: boolean }[];
  value: number;
  /** Milliseconds (non-negative, as the text format allows no sign). */
  timestampMs: number | undefined;
};

const legacyMetric = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,12}$/);
const legacyLabel = fc
  .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/)
  .filter((n) => n !== "__name__" && n !== "__proto__");
// Any text, including quotes, backslashes, newlines and non-ASCII, which must round-trip escaped.
const grammarChars = fc.constantFrom('"', "\\", "\n", "\r", "a", "n", " ", "}", "{", ",", "=", "#", "\u00e9");
const anyText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: grammarChars, maxLength: 12 }),
);
const quotedName = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
  fc.string({ unit: grammarChars, minLength: 1, maxLength: 10 }),
);

const value = fc.oneof(
  fc.double(),
  fc.integer({ min: -1e6, max: 1e9 }),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 0.1, 1e-300, 1.7976931348623157e308),
);

export const sampleArb: fc.Arbitrary<GenSample> = fc
  .record({
    quotedName: fc.boolean(),
    name: legacyMetric,
    utf8Name: quotedName,
    labels: fc.uniqueArray(
      fc.record({
        name: fc.oneof({ weight: 4, arbitrary: legacyLabel }, { weight: 1, arbitrary: quotedName }),
        value: anyText,
        quoted: fc.boolean(),
      }),
      { maxLength: 6, selector: (l) => l.name },
    ),
    value,
    timestampMs: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }),
  })
  .map(({ utf8Name, ...s }) => ({
    ...s,
    name: s.quotedName ? utf8Name : s.name,
    // A label quoted only when its name needs it half of the time; names outside [a-zA-Z_]... always.
    labels: s.labels
      .filter((l) => l.name !== "__name__" && l.name !== "")
      .map((l) => ({ ...l, quoted: l.quoted || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(l.name) })),
  }));

export function escapeQuoted(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function formatValue(v: number): string {
  if (v !== v) {
    return "NaN";
  }
  if (v === Infinity) {
    return "+Inf";
  }
  if (v === -Infinity) {
    return "-Inf";
  }
  return Object.is(v, -0) ? "-0" : String(v);
}

/** The series text as an exporter would write it. */
export function formatSeries(s: GenSample): string {
  const parts = s.labels.map(
    (l) => `${l.quoted ? `"${escapeQuoted(l.name)}"` : l.name}="${escapeQuoted(l.value)}"`,
  );
  if (s.quotedName) {
    return `{${[`"${escapeQuoted(s.name)}"`, ...parts].join(",")}}`;
  }
  return parts.length === 0 ? s.name : `${s.name}{${parts.join(",")}}`;
}

export function formatBody(samples: GenSample[], format: ExpositionFormat): string {
  const lines = samples.map((s) => {
    let ts = "";
    if (s.timestampMs !== undefined) {
      const t = s.timestampMs;
      ts = format === "text" ? ` ${t}` : ` ${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, "0")}`;
    }
    return `${formatSeries(s)} ${formatValue(s.value)}${ts}`;
  });
  if (format === "openmetrics") {
    lines.push("# EOF");
  }
  return lines.join("\n") + "\n";
}

/** The labels parseSeriesLabels must return for a generated sample (empty values dropped). */
export function expectedLabels(s: GenSample): Record<string, string> {
  const out: Record<string, string> = { __name__: s.name };
  for (const l of s.labels) {
    if (l.value !== "") {
      Object.defineProperty(out, l.name, {
        value: l.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}

/** The characters and words that matter to the exposition grammars. */
export const EXPOSITION_TOKENS = [
  "{",
  "}",
  '"',
  "\\",
  ",",
  "=",
  " ",
  "\t",
  "\n",
  "\r",
  "#",
  "# ",
  "# EOF\n",
  "e",
  ".",
  "-",
  "+",
  "\u00e9",
];

/** Edits that turn a valid body into a likely-invalid one. */
export const mutationArb = editsArb(EXPOSITION_TOKENS);

export { mutate };
