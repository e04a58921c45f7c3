// A parsed Go text/template and its execution: parseTemplate checks syntax (and, given the function
// names, that every function exists, as Go does at parse time); execute runs it with the builtins,
// the caller's functions and bounds on output, steps and time.
import { lineColumn } from "../text-position.js";
import type { Node } from "./ast.js";
import { BUILTIN_NAMES, type TemplateFunction } from "./builtins.js";
import { TemplateError } from "./errors.js";
import { ExecFailure, Executor, type MissingKey } from "./exec.js";
import { ParseError, parseTree } from "./parser.js";

/** Templates longer than this are refused: rule annotations and notification templates are small. */
export const MAX_TEMPLATE_BYTES = 1 << 20;
/** Nesting of actions and parentheses, far beyond any real template, short of the JS stack. */
export const MAX_NESTING = 100;
export const DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;
export const DEFAULT_TIMEOUT_MS = 5_000;
/** Nodes, commands and range iterations: a range over a huge query result stops here. */
export const DEFAULT_MAX_STEPS = 1_000_000;
const MAX_TEMPLATE_CALL_DEPTH = 100;

export type ExecuteOptions = {
  funcs?: Record<string, (...args: unknown[]) => unknown | Promise<unknown>>;
  maxOutputBytes?: number;
  timeoutMs?: number;
  /** Steps (actions, commands, range iterations) before execution is stopped. */
  maxSteps?: number;
  /**
   * A missing map key: "zero" (Prometheus's choice, and the default here) gives the element's zero
   * value ("" for label maps), "default" gives <no value>, "error" fails.
   */
  missingKey?: MissingKey;
};

export type ParseOptions = {
  /**
   * The functions execution will provide besides the builtins. Given, an unknown function is a parse
   * error (as Go reports it); omitted, it fails only when executed.
   */
  functions?: Iterable<string>;
  /**
   * Text parsed before the template, as Prometheus prepends its variable declarations to rule
   * templates; error positions still count in the template as written.
   */
  prelude?: string;
};

export class Template {
  /** @internal use parseTemplate */
  constructor(
    readonly name: string,
    readonly text: string,
    private readonly main: Node[],
    private readonly defines: ReadonlyMap<string, Node[]>,
    private readonly preludeLength = 0,
  ) {}

  /** The names of the templates it defines ({{define}} and {{block}}). */
  get definedTemplates(): string[] {
    return [...this.defines.keys()];
  }

  /** Runs the main template, or with `opts.template` a defined one, against data. */
  async execute(data: unknown, opts: ExecuteOptions & { template?: string } = {}): Promise<string> {
    let main = this.main;
    if (opts.template !== undefined) {
      const named = this.defines.get(opts.template);
      if (named === undefined) {
        throw new TemplateError(
          "LINEOPS_ERR_TEMPLATE_EXEC",
          `template: ${this.name}: no template ${JSON.stringify(opts.template)} defined`,
          this.name,
          1,
          1,
        );
      }
      main = named;
    }
    const executor = new Executor(
      opts.template ?? this.name,
      this.defines,
      opts.funcs ?? {},
      opts.missingKey ?? "zero",
      {
        maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS,
        timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxDepth: MAX_TEMPLATE_CALL_DEPTH,
      },
    );
    try {
      return await executor.run(main, data);
    } catch (err) {
      throw this.executionError(err);
    }
  }

  private executionError(err: unknown): TemplateError {
    if (!(err instanceof ExecFailure)) {
      // A bug of ours or a JS engine limit: still an error of this template, never a crash.
      const message = err instanceof Error ? err.message : String(err);
      return new TemplateError(
        "LINEOPS_ERR_TEMPLATE_EXEC",
        `template: ${this.name}: ${message}`,
        this.name,
        1,
        1,
        {
          cause: err,
        },
      );
    }
    const { line, col } = lineColumn(this.text, Math.max(err.pos - this.preludeLength, 0));
    const at = err.at === undefined ? "" : ` at <${err.at}>`;
    return new TemplateError(
      err.limit ? "LINEOPS_ERR_TEMPLATE_LIMIT" : "LINEOPS_ERR_TEMPLATE_EXEC",
      `template: ${this.name}:${line}:${col}: executing ${JSON.stringify(err.templateName)}${at}: ${err.message}`,
      this.name,
      line,
      col,
      { cause: err.cause },
    );
  }
}

/**
 * Parses a Go text/template. Throws TemplateError (LINEOPS_ERR_TEMPLATE_PARSE) with .line/.col and a
 * message in Go's shape: `template: <name>:<line>:<col>: <what is wrong>`.
 */
export function parseTemplate(text: string, name: string, opts: ParseOptions = {}): Template {
  const known = opts.functions === undefined ? undefined : new Set(opts.functions);
  if (text.length > MAX_TEMPLATE_BYTES) {
    throw new TemplateError(
      "LINEOPS_ERR_TEMPLATE_PARSE",
      `template: ${name}: ${text.length} characters, more than the ${MAX_TEMPLATE_BYTES} a template may have`,
      name,
      1,
      1,
    );
  }
  try {
    const isFunction = known === undefined ? undefined : (f: string) => known.has(f) || BUILTIN_NAMES.has(f);
    const prelude = opts.prelude ?? "";
    const { main, defines } = parseTree(prelude + text, isFunction, { maxDepth: MAX_NESTING });
    return new Template(name, text, main, defines, prelude.length);
  } catch (err) {
    if (err instanceof ParseError) {
      const { line, col } = lineColumn(text, Math.max(err.pos - (opts.prelude ?? "").length, 0));
      throw new TemplateError(
        "LINEOPS_ERR_TEMPLATE_PARSE",
        `template: ${name}:${line}:${col}: ${err.message}`,
        name,
        line,
        col,
      );
    }
    throw err;
  }
}

export type { TemplateFunction };
