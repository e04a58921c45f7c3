// Executes a parsed template against data as Go's text/template does (exec.go): pipelines, field
// chains, variables and their scopes, if/with/range/else, template calls, lazy and/or, missingkey.
// Functions may return promises (an injected `query`), so execution is async; it stays bounded by
// an output size, a step count and a deadline, whichever a runaway template reaches first.
import type { Arg, Command, Node, Pipe } from "./ast.js";
import { BUILTINS, LAZY_BUILTINS, utf8Length, type TemplateFunction } from "./builtins.js";
import { ArgumentError } from "./errors.js";
import { GoStruct, goTypeName, isMap, isTrue, mapEntries, mapGet, printValue } from "./values.js";

export type MissingKey = "default" | "zero" | "error";

export type ExecLimits = { maxOutputBytes: number; maxSteps: number; timeoutMs: number; maxDepth: number };

/** An execution failure before it is dressed as a TemplateError: where, on what, and why. */
export class ExecFailure extends Error {
  constructor(
    message: string,
    readonly pos: number,
    readonly at: string | undefined,
    readonly templateName: string,
    readonly limit = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MISSING = Symbol("missing final argument");
type Final = unknown;

class LoopBreak {}
class LoopContinue {}
const BREAK = new LoopBreak();
const CONTINUE = new LoopContinue();

type Variable = { name: string; value: unknown };

export class Executor {
  private readonly out: string[] = [];
  private bytes = 0;
  private steps = 0;
  private depth = 0;
  private readonly deadline: number;
  private readonly timeout: Promise<never>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private templateName: string;

  constructor(
    mainName: string,
    private readonly defines: ReadonlyMap<string, Node[]>,
    private readonly funcs: Readonly<Record<string, TemplateFunction>>,
    private readonly missingKey: MissingKey,
    private readonly limits: ExecLimits,
  ) {
    this.templateName = mainName;
    this.deadline = Date.now() + limits.timeoutMs;
    this.timeout = new Promise<never>((_, reject) => {
      this.timer = setTimeout(
        () => reject(this.limitFailure(0, `execution took longer than ${limits.timeoutMs} ms`)),
        limits.timeoutMs,
      );
    });
    this.timeout.catch(() => undefined);
  }

  async run(main: Node[], data: unknown): Promise<string> {
    try {
      await this.walkList(data, main, [{ name: "$", value: data }]);
      return this.out.join("");
    } finally {
      clearTimeout(this.timer);
    }
  }

  // --- bookkeeping ----------------------------------------------------------------------------

  private limitFailure(pos: number, message: string): ExecFailure {
    return new ExecFailure(message, pos, undefined, this.templateName, true);
  }

  private step(pos: number): void {
    this.steps++;
    if (this.steps > this.limits.maxSteps) {
      throw this.limitFailure(pos, `execution took more than ${this.limits.maxSteps} steps`);
    }
    if ((this.steps & 1023) === 0 && Date.now() > this.deadline) {
      throw this.limitFailure(pos, `execution took longer than ${this.limits.timeoutMs} ms`);
    }
  }

  private write(pos: number, s: string): void {
    this.bytes += utf8Length(s);
    if (this.bytes > this.limits.maxOutputBytes) {
      throw this.limitFailure(pos, `output larger than ${this.limits.maxOutputBytes} bytes`);
    }
    this.out.push(s);
  }

  private fail(pos: number, at: string | undefined, message: string, cause?: unknown): never {
    throw new ExecFailure(
      message,
      pos,
      at,
      this.templateName,
      false,
      cause === undefined ? undefined : { cause },
    );
  }

  // --- statements -----------------------------------------------------------------------------

  private async walkList(dot: unknown, list: Node[], vars: Variable[]): Promise<void> {
    for (const node of list) {
      await this.walk(dot, node, vars);
    }
  }

  private async walk(dot: unknown, node: Node, vars: Variable[]): Promise<void> {
    this.step(node.pos);
    switch (node.kind) {
      case "text":
        this.write(node.pos, node.text);
        return;
      case "action": {
        const value = await this.evalPipeline(dot, node.pipe, vars);
        if (node.pipe.decl.length === 0) {
          this.write(node.pos, printValue(value));
        }
        return;
      }
      case "if":
      case "with": {
        const mark = vars.length;
        try {
          const value = await this.evalPipeline(dot, node.pipe, vars);
          if (isTrue(value)) {
            await this.walkList(node.kind === "with" ? value : dot, node.list, vars);
          } else if (node.elseList !== undefined) {
            await this.walkList(dot, node.elseList, vars);
          }
        } finally {
          vars.length = mark;
        }
        return;
      }
      case "range":
        return this.walkRange(dot, node, vars);
      case "template":
        return this.walkTemplate(dot, node, vars);
      case "break":
        throw BREAK;
      case "continue":
        throw CONTINUE;
    }
  }

  private async walkRange(
    dot: unknown,
    node: Extract<Node, { kind: "range" }>,
    vars: Variable[],
  ): Promise<void> {
    const mark = vars.length;
    try {
      const value = await this.evalPipeline(dot, { ...node.pipe, decl: [] }, vars);
      const items = this.rangeItems(node.pipe, value);
      const decl = node.pipe.decl;
      for (const [key, elem] of items) {
        this.step(node.pos);
        vars.length = mark;
        if (node.pipe.isAssign) {
          if (decl.length === 1) {
            this.setVar(vars, decl[0] as string, elem, node.pos);
          } else if (decl.length === 2) {
            this.setVar(vars, decl[0] as string, key, node.pos);
            this.setVar(vars, decl[1] as string, elem, node.pos);
          }
        } else if (decl.length === 1) {
          vars.push({ name: decl[0] as string, value: elem });
        } else if (decl.length === 2) {
          vars.push({ name: decl[0] as string, value: key }, { name: decl[1] as string, value: elem });
        }
        try {
          await this.walkList(elem, node.list, vars);
        } catch (err) {
          if (err === BREAK) {
            break;
          }
          if (err !== CONTINUE) {
            throw err;
          }
        }
      }
      if (items.length === 0 && node.elseList !== undefined) {
        vars.length = mark;
        await this.walkList(dot, node.elseList, vars);
      }
    } finally {
      vars.length = mark;
    }
  }

  private rangeItems(pipe: Pipe, value: unknown): [unknown, unknown][] {
    if (value === undefined || value === null) {
      return [];
    }
    if (Array.isArray(value)) {
      return value.map((v, i) => [BigInt(i), v]);
    }
    if (isMap(value)) {
      return mapEntries(value);
    }
    if (typeof value === "bigint") {
      // Go 1.22: range over an int counts 0..n-1; bounded here by the step budget.
      const n = value > BigInt(this.limits.maxSteps) ? this.limits.maxSteps + 1 : Number(value);
      return Array.from({ length: Math.max(n, 0) }, (_, i) => [BigInt(i), BigInt(i)]);
    }
    this.fail(pipe.pos, pipe.source, `range can't iterate over ${printValue(value)}`);
  }

  private setVar(vars: Variable[], name: string, value: unknown, pos: number): void {
    for (let i = vars.length - 1; i >= 0; i--) {
      const v = vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.fail(pos, name, `undefined variable: ${name}`);
  }

  private async walkTemplate(
    dot: unknown,
    node: Extract<Node, { kind: "template" }>,
    vars: Variable[],
  ): Promise<void> {
    const list = this.defines.get(node.name);
    if (list === undefined) {
      this.fail(
        node.pos,
        `template ${JSON.stringify(node.name)}`,
        `no such template ${JSON.stringify(node.name)}`,
      );
    }
    if (this.depth >= this.limits.maxDepth) {
      throw this.limitFailure(node.pos, `exceeded maximum template depth (${this.limits.maxDepth})`);
    }
    const newDot = node.pipe === undefined ? undefined : await this.evalPipeline(dot, node.pipe, vars);
    const caller = this.templateName;
    this.depth++;
    this.templateName = node.name;
    try {
      // A template starts with fresh variables: only $, bound to its dot.
      await this.walkList(newDot, list, [{ name: "$", value: newDot }]);
    } finally {
      this.depth--;
      this.templateName = caller;
    }
  }

  // --- expressions ----------------------------------------------------------------------------

  private async evalPipeline(dot: unknown, pipe: Pipe, vars: Variable[]): Promise<unknown> {
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = await this.evalCommand(dot, cmd, value, vars);
    }
    for (const name of pipe.decl) {
      if (pipe.isAssign) {
        this.setVar(vars, name, value, pipe.pos);
      } else {
        vars.push({ name, value });
      }
    }
    return value;
  }

  private async evalCommand(dot: unknown, cmd: Command, final: Final, vars: Variable[]): Promise<unknown> {
    this.step(cmd.pos);
    const first = cmd.args[0] as Arg;
    switch (first.kind) {
      case "field":
        return this.evalFieldChain(dot, dot, first.pos, cmd.source, first.ident, cmd.args, final, vars);
      case "chain": {
        const receiver = await this.evalArg(dot, first.node, vars);
        return this.evalFieldChain(dot, receiver, first.pos, cmd.source, first.ident, cmd.args, final, vars);
      }
      case "variable": {
        const value = this.variable(vars, first.name, first.pos);
        if (first.ident.length === 0) {
          this.notAFunction(cmd, final);
          return value;
        }
        return this.evalFieldChain(dot, value, first.pos, cmd.source, first.ident, cmd.args, final, vars);
      }
      case "identifier":
        return this.evalFunction(dot, first.name, cmd, cmd.args.slice(1), final, vars);
      case "pipe":
        this.notAFunction(cmd, final);
        return this.evalPipelineScoped(dot, first.pipe, vars);
      case "dot":
        this.notAFunction(cmd, final);
        return dot;
      case "nil":
        this.fail(cmd.pos, cmd.source, "nil is not a command");
      // falls through (fail never returns)
      default:
        this.notAFunction(cmd, final);
        return this.literal(first, cmd);
    }
  }

  /** A parenthesized pipeline's variables live only inside it (Go pops them after evaluation). */
  private async evalPipelineScoped(dot: unknown, pipe: Pipe, vars: Variable[]): Promise<unknown> {
    const mark = vars.length;
    const value = await this.evalPipeline(dot, pipe, vars);
    if (!pipe.isAssign) {
      vars.length = mark;
    }
    return value;
  }

  private literal(arg: Arg, cmd: Command | undefined): unknown {
    switch (arg.kind) {
      case "bool":
        return arg.value;
      case "string":
        return arg.value;
      case "number":
        if (arg.value.type === "overflow") {
          this.fail(arg.pos, cmd?.source ?? arg.text, `${arg.text} overflows int`);
        }
        return arg.value.type === "int" ? arg.value.int : arg.value.float;
      default:
        return null;
    }
  }

  private notAFunction(cmd: Command, final: Final): void {
    if (cmd.args.length > 1 || final !== MISSING) {
      this.fail(cmd.pos, cmd.source, `can't give argument to non-function ${cmd.source.split(" ")[0] ?? ""}`);
    }
  }

  private variable(vars: Variable[], name: string, pos: number): unknown {
    for (let i = vars.length - 1; i >= 0; i--) {
      const v = vars[i] as Variable;
      if (v.name === name) {
        return v.value;
      }
    }
    this.fail(pos, name, `undefined variable: ${name}`);
  }

  private async evalArg(dot: unknown, arg: Arg, vars: Variable[]): Promise<unknown> {
    this.step(arg.pos);
    switch (arg.kind) {
      case "dot":
        return dot;
      case "nil":
        return null;
      case "field":
        return this.evalFieldChain(dot, dot, arg.pos, fieldText(arg.ident), arg.ident, [], MISSING, vars);
      case "variable": {
        const value = this.variable(vars, arg.name, arg.pos);
        return arg.ident.length === 0
          ? value
          : this.evalFieldChain(
              dot,
              value,
              arg.pos,
              arg.name + fieldText(arg.ident),
              arg.ident,
              [],
              MISSING,
              vars,
            );
      }
      case "pipe":
        return this.evalPipelineScoped(dot, arg.pipe, vars);
      case "identifier":
        return this.evalFunction(
          dot,
          arg.name,
          { pos: arg.pos, source: arg.name, args: [arg] },
          [],
          MISSING,
          vars,
        );
      case "chain": {
        if (arg.node.kind === "nil") {
          this.fail(arg.pos, "nil", "indirection through explicit nil");
        }
        const receiver = await this.evalArg(dot, arg.node, vars);
        return this.evalFieldChain(
          dot,
          receiver,
          arg.pos,
          fieldText(arg.ident),
          arg.ident,
          [],
          MISSING,
          vars,
        );
      }
      default:
        return this.literal(arg, undefined);
    }
  }

  private async evalArgs(dot: unknown, args: Arg[], final: Final, vars: Variable[]): Promise<unknown[]> {
    const values: unknown[] = [];
    for (const a of args) {
      values.push(await this.evalArg(dot, a, vars));
    }
    if (final !== MISSING) {
      values.push(final);
    }
    return values;
  }

  /**
   * `receiver.A.B.C args…`: every link but the last is a plain field or map lookup; the last one
   * may be a method that takes the command's arguments and the piped value.
   */
  private async evalFieldChain(
    dot: unknown,
    receiver: unknown,
    pos: number,
    at: string,
    ident: string[],
    cmdArgs: Arg[],
    final: Final,
    vars: Variable[],
  ): Promise<unknown> {
    let value = receiver;
    for (let i = 0; i < ident.length; i++) {
      const last = i === ident.length - 1;
      const args = last ? cmdArgs.slice(1) : [];
      value = await this.evalField(
        dot,
        value,
        ident[i] as string,
        pos,
        at,
        args,
        last ? final : MISSING,
        vars,
      );
    }
    return value;
  }

  private async evalField(
    dot: unknown,
    receiver: unknown,
    name: string,
    pos: number,
    at: string,
    args: Arg[],
    final: Final,
    vars: Variable[],
  ): Promise<unknown> {
    const hasArgs = args.length > 0 || final !== MISSING;
    if (receiver === undefined || receiver === null) {
      if (this.missingKey === "error") {
        this.fail(pos, at, `nil data; no entry for key ${JSON.stringify(name)}`);
      }
      return undefined;
    }
    if (receiver instanceof GoStruct) {
      const method = receiver.methods[name];
      if (method !== undefined) {
        const values = await this.evalArgs(dot, args, final, vars);
        return this.call(name, method, values, pos, at);
      }
      if (Object.prototype.hasOwnProperty.call(receiver.fields, name)) {
        if (hasArgs) {
          this.fail(pos, at, `${name} has arguments but cannot be invoked as function`);
        }
        return receiver.fields[name];
      }
    } else if (isMap(receiver)) {
      if (hasArgs) {
        this.fail(pos, at, `${name} is not a method but has arguments`);
      }
      const value = mapGet(receiver, name, this.missingKey === "zero");
      if (
        value === undefined &&
        this.missingKey === "error" &&
        !(receiver instanceof Map ? receiver.has(name) : name in receiver)
      ) {
        this.fail(pos, at, `map has no entry for key ${JSON.stringify(name)}`);
      }
      return value;
    }
    this.fail(pos, at, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private async evalFunction(
    dot: unknown,
    name: string,
    cmd: Command,
    args: Arg[],
    final: Final,
    vars: Variable[],
  ): Promise<unknown> {
    const fn = this.funcs[name] ?? BUILTINS[name];
    if (fn === undefined && LAZY_BUILTINS.has(name)) {
      return this.evalAndOr(dot, name as "and" | "or", cmd, args, final, vars);
    }
    if (fn === undefined) {
      this.fail(cmd.pos, name, `${JSON.stringify(name)} is not a defined function`);
    }
    const values = await this.evalArgs(dot, args, final, vars);
    return this.call(name, fn, values, cmd.pos, cmd.source);
  }

  /** Go 1.18's and/or: stop at the first argument that decides, and return that argument. */
  private async evalAndOr(
    dot: unknown,
    name: "and" | "or",
    cmd: Command,
    args: Arg[],
    final: Final,
    vars: Variable[],
  ): Promise<unknown> {
    const count = args.length + (final === MISSING ? 0 : 1);
    if (count < 1) {
      this.fail(cmd.pos, cmd.source, `wrong number of args for ${name}: want at least 1 got 0`);
    }
    let value: unknown;
    for (let i = 0; i < count; i++) {
      value = i < args.length ? await this.evalArg(dot, args[i] as Arg, vars) : final;
      if (isTrue(value) === (name === "or")) {
        return value;
      }
    }
    return value;
  }

  private async call(
    name: string,
    fn: TemplateFunction,
    values: unknown[],
    pos: number,
    at: string,
  ): Promise<unknown> {
    let result: unknown;
    try {
      result = fn(...values);
      if (isThenable(result)) {
        result = await Promise.race([result, this.timeout]);
      }
    } catch (err) {
      if (err instanceof ExecFailure) {
        throw err;
      }
      if (err instanceof ArgumentError) {
        this.fail(pos, at, err.message, err);
      }
      const message = err instanceof Error ? err.message : String(err);
      this.fail(pos, at, `error calling ${name}: ${message}`, err);
    }
    return result;
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

function fieldText(ident: string[]): string {
  return ident.map((f) => "." + f).join("");
}
