// Reads a YAML file through a zod schema and reports every problem as file:line:col: key.path: message.
import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "./errors.js";

type Path = (string | number)[];

/** A check that needs the whole parsed value (e.g. a dependency cycle); returns problems by key path. */
export type Validator<T> = (value: T) => { path: Path; message: string }[];

/** Parses YAML `text` (named `file` in messages) against `schema`; throws ConfigError. */
export function parseYaml<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  validate?: Validator<z.output<S>>,
): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: "", message: firstLine(e.message) })),
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
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const offset = keyOffset(doc, path, key) ?? nodeOffset(doc, path);
        issues.push({ file, ...at(offset), path: joinPath([...path, key]), message: "unknown key" });
      }
      continue;
    }
    issues.push({ file, ...at(nodeOffset(doc, path)), path: joinPath(path), message: issue.message });
  }
  issues.sort((a, b) => a.line - b.line || a.col - b.col);
  throw new ConfigError(issues);
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
