// The shape of a YAML text (nesting, keys, aliases, nodes) from the yaml package's lexer, before the
// parser sees it: the parser recurses per nesting level and its duplicate-key check is quadratic,
// so both the API (body limits) and the config loader (depth) refuse by shape first.
import { CST, Lexer } from "yaml";

/** Deeper nesting than this is refused before parsing: real line and rule files stay under 16 levels. */
export const MAX_YAML_DEPTH = 64;

export type YamlShape = { depth: number; keys: number; aliases: number; nodes: number };

/**
 * An upper bound on the nesting of a YAML text, and its mapping keys and aliases, from the yaml
 * package's own lexer (iterative, so 100,000 "[" cost it nothing; the composer recurses and took
 * 2 s and 110 MB on them). Tokens classify quotes, comments and block scalars exactly as the parser
 * will, so no text can hide structure from the count. Nesting counts two levels per indentation
 * column on the stack (a block mapping and its sequence may share a column), one per compact
 * indicator ("- ", "? ", ": ") on the line, plus open flow brackets: never less than the parser
 * nests. Stops as soon as a count passes `max`.
 */
export function yamlShape(text: string, max: Partial<YamlShape> = {}): YamlShape {
  const maxDepth = max.depth ?? Infinity;
  const maxKeys = max.keys ?? Infinity;
  const maxAliases = max.aliases ?? Infinity;
  const maxNodes = max.nodes ?? Infinity;
  const shape = { depth: 0, keys: 0, aliases: 0, nodes: 0 };
  const indents: number[] = [];
  let flow = 0;
  let compact = 0;
  let indent = 0;
  let lineStart = true;
  let skip = 0; // tokens that are scalar text, not structure
  let blockScalar = false;
  for (const token of new Lexer().lex(text)) {
    if (skip > 0) {
      skip--;
      continue;
    }
    const type = CST.tokenType(token);
    switch (type) {
      case "newline":
        lineStart = true;
        indent = 0;
        continue;
      case "space":
        if (lineStart) {
          indent = token.length;
        }
        continue;
      case "comment":
      case "doc-mode":
      case "byte-order-mark":
      case "directive-line":
      case "doc-start":
      case "doc-end":
      case "flow-error-end":
        continue;
      case "block-scalar-header":
        blockScalar = true;
        break;
      case "scalar":
        skip = 1; // its text follows as one token, lines and all
        if (blockScalar) {
          // The content of a block scalar: the line after it starts where it ends.
          blockScalar = false;
          continue;
        }
        break;
      default:
        break;
    }
    if (++shape.nodes > maxNodes) {
      return shape;
    }
    if (lineStart) {
      lineStart = false;
      compact = 0;
      while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) {
        indents.pop();
      }
      indents.push(indent);
    }
    switch (type) {
      case "flow-map-start":
      case "flow-seq-start":
        flow++;
        break;
      case "flow-map-end":
      case "flow-seq-end":
        flow = Math.max(0, flow - 1);
        break;
      case "map-value-ind":
        if (++shape.keys > maxKeys) {
          return shape;
        }
        compact += flow === 0 ? 1 : 0;
        break;
      case "seq-item-ind":
      case "explicit-key-ind":
        compact += flow === 0 ? 1 : 0;
        break;
      case "alias":
        if (++shape.aliases > maxAliases) {
          return shape;
        }
        break;
      default:
        break;
    }
    shape.depth = Math.max(shape.depth, 2 * indents.length + compact + flow);
    if (shape.depth > maxDepth) {
      return shape;
    }
  }
  return shape;
}
