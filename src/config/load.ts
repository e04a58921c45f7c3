// Reads a YAML file through a zod schema and reports every problem as file:line:col: key.path: message.
import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { MAX_YAML_DEPTH, yamlShape } from "./yaml-shape.js";

type Path = (string | number)[];

/**
 * At most this many problems are reported: a file of 5,000 unknown keys once took 2.2 s to describe,
 * and nobody reads past the first screen.
 */
const MAX_ISSUES = 50;

/** A check that needs the whole parsed value (e.g. a dependency cycle); returns problems by key path. */
export type Validator<T> = (value: T) => { path: Path; message: string }[];

/** Parses YAML `text` (named `file` in messages) against `schema`; throws ConfigError. */
export function parseYaml<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  validate?: Validator<z.output<S>>,
): z.output<S> {
  // The parser recurses per nesting level: 100,000 "[" once aborted Node. Refused by the lexer's count.
  if (yamlShape(text, { depth: MAX_YAML_DEPTH }).depth > MAX_YAML_DEPTH) {
    throw new ConfigError([
      { file, line: 1, col: 1, path: "", message: `YAML nested deeper than ${MAX_YAML_DEPTH} levels` },
    ]);
  }
  const lineCounter = new LineCounter();
  // The yaml package's own duplicate-key check compares every key with every other (8,000 keys in one
  // mapping took 1.3 s): keys are checked here with a Set instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors
        .slice(0, MAX_ISSUES)
        .map((e) => ({ file, ...at(e.pos[0]), path: "", message: firstLine(e.message) })),
    );
  }
  const duplicates = duplicateKeyOffsets(doc);
  if (duplicates.length > 0) {
    throw new ConfigError(
      duplicates.map((offset) => ({ file, ...at(offset), path: "", message: "Map keys must be unique" })),
    );
  }
  let value: unknown;
  try {
    // toJS can still fail on a well-formed document (an alias to an anchor that does not exist).
    value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new ConfigError([
      { file, line: 1, col: 1, path: "", message: firstLine(String((err as Error).message)) },
    ]);
  }
  const result = schema.safeParse(value);
  if (result.success) {
    const problems = validate?.(result.data) ?? [];
    if (problems.length === 0) {
      return result.data;
    }
    throw new ConfigError(
      problems.map((p) => ({
        file,
        ...at(nodeOffset(doc, p.path)),
        path: joinPath(p.path),
        message: p.message,
      })),
    );
  }
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues.slice(0, MAX_ISSUES)) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys.slice(0, MAX_ISSUES)) {
        const offset = keyOffset(doc, path, key) ?? nodeOffset(doc, path);
        issues.push({ file, ...at(offset), path: joinPath([...path, key]), message: "unknown key" });
      }
      continue;
    }
    issues.push({ file, ...at(nodeOffset(doc, path)), path: joinPath(path), message: issue.message });
  }
  issues.sort((a, b) => a.line - b.line || a.col - b.col);
  throw new ConfigError(issues.slice(0, MAX_ISSUES));
}

/** Reads and parses a YAML file; an unreadable file is a ConfigError at 1:1. */
export function loadYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  validate?: Validator<z.output<S>>,
): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError([{ file, line: 1, col: 1, path: "", message: `cannot read file (${reason})` }]);
  }
  return parseYaml(text, file, schema, validate);
}

/** Offsets of keys that repeat a key of the same mapping (scalar keys only, as YAML's own check). */
function duplicateKeyOffsets(doc: Document): number[] {
  const found: number[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) {
          continue;
        }
        const k = pair.key.value;
        if (seen.has(k)) {
          found.push(pair.key.range?.[0] ?? 0);
          if (found.length >= MAX_ISSUES) {
            return visit.BREAK;
          }
        }
        seen.add(k);
      }
      return undefined;
    },
  });
  return found;
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}

export function joinPath(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** Offset of the deepest existing node along `path` (a missing key points at its parent). */
function nodeOffset(doc: Document, path: Path): number {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (node && typeof node === "object" && "range" in node && Array.isArray(node.range)) {
      return (node.range as number[])[0] ?? 0;
    }
  }
  return 0;
}

function keyOffset(doc: Document, path: Path, key: string): number | undefined {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(parent)) {
    return undefined;
  }
  for (const pair of parent.items) {
    if (isScalar(pair.key) && String(pair.key.value) === key) {
      return pair.key.range?.[0];
    }
  }
  return undefined;
}
