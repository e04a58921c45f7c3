// Where an offset lies in a multi-line text, for the error messages of the expression languages
// (PromQL queries, analysis conditions): 1-based line and column, counted in UTF-16 code units.

export type TextPosition = { line: number; col: number };

/** The line and column of text[offset] (an offset past the end counts to the end). */
export function lineColumn(text: string, offset: number): TextPosition {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return { line, col };
}
