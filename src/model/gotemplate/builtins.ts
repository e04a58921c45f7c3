// text/template's predefined functions (and and or are evaluated lazily by the executor): not, len,
// index, print, printf, println, html, js, urlquery and the comparisons eq ne lt le gt ge, with the
// errors Go gives for bad comparisons and indexes.
import { ArgumentError } from "./errors.js";
import { htmlEscape, jsEscape, queryEscape, sprint, sprintf, sprintln } from "./fmt.js";
import { goTypeName, isMap, isTrue, mapGet, mapSize } from "./values.js";

export type TemplateFunction = (...args: unknown[]) => unknown;

export function arity(name: string, args: readonly unknown[], want: number): void {
  if (args.length !== want) {
    throw new ArgumentError(`wrong number of args for ${name}: want ${want} got ${args.length}`);
  }
}

function atLeast(name: string, args: readonly unknown[], want: number): void {
  if (args.length < want) {
    throw new ArgumentError(`wrong number of args for ${name}: want at least ${want} got ${args.length}`);
  }
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      n += 1;
    } else if (c < 0x800) {
      n += 2;
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4;
      i++;
    } else {
      n += 3;
    }
  }
  return n;
}

type Kind = "bool" | "int" | "float" | "string";

function basicKind(v: unknown): Kind | undefined {
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
    case "string":
      return "string";
    default:
      return undefined;
  }
}

function eq(...args: unknown[]): boolean {
  atLeast("eq", args, 1);
  const [a, ...rest] = args;
  if (rest.length === 0) {
    throw new Error("missing argument for comparison");
  }
  const ka = basicKind(a);
  for (const b of rest) {
    const kb = basicKind(b);
    const aNil = a === null || a === undefined;
    const bNil = b === null || b === undefined;
    if (aNil || bNil) {
      if (aNil && bNil) {
        return true;
      }
      continue;
    }
    if (ka !== kb) {
      throw new Error("incompatible types for comparison");
    }
    if (ka === undefined && (Array.isArray(a) || isMap(a))) {
      throw new Error(`non-comparable type ${goTypeName(a)}`);
    }
    if (a === b) {
      return true;
    }
  }
  return false;
}

function lt(...args: unknown[]): boolean {
  arity("lt", args, 2);
  const [a, b] = args;
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === undefined || kb === undefined) {
    throw new Error("invalid type for comparison");
  }
  if (ka !== kb) {
    throw new Error("incompatible types for comparison");
  }
  if (ka === "bool") {
    throw new Error("invalid type for comparison");
  }
  return (a as number | bigint | string) < (b as number | bigint | string);
}

function le(...args: unknown[]): boolean {
  arity("le", args, 2);
  return lt(...args) || eq(...args);
}

function index(...args: unknown[]): unknown {
  atLeast("index", args, 1);
  let item = args[0];
  if (item === null || item === undefined) {
    throw new Error("index of untyped nil");
  }
  for (const key of args.slice(1)) {
    if (Array.isArray(item) || typeof item === "string") {
      if (typeof key !== "bigint") {
        throw new Error(`cannot index slice/array with type ${goTypeName(key)}`);
      }
      const bytes = typeof item === "string" ? new TextEncoder().encode(item) : item;
      if (key < 0n || key >= BigInt(bytes.length)) {
        throw new Error(`index out of range: ${key}`);
      }
      item = typeof item === "string" ? BigInt(bytes[Number(key)] as number) : bytes[Number(key)];
    } else if (isMap(item)) {
      if (key === null || key === undefined) {
        throw new Error("value is nil; should be of type string");
      }
      if (!(item instanceof Map) && typeof key !== "string") {
        throw new Error(`value has type ${goTypeName(key)}; should be string`);
      }
      item = mapGet(item, key, true);
    } else if (item === null || item === undefined) {
      throw new Error("index of nil pointer");
    } else {
      throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function len(...args: unknown[]): bigint {
  arity("len", args, 1);
  const [v] = args;
  if (typeof v === "string") {
    return BigInt(utf8Length(v));
  }
  if (Array.isArray(v)) {
    return BigInt(v.length);
  }
  if (isMap(v)) {
    return BigInt(mapSize(v));
  }
  throw new Error(`len of type ${goTypeName(v)}`);
}

/** The text of html, js and urlquery's arguments: one string as is, anything else as fmt.Sprint. */
function argText(args: readonly unknown[]): string {
  return args.length === 1 && typeof args[0] === "string" ? args[0] : sprint(args);
}

export const BUILTINS: Readonly<Record<string, TemplateFunction>> = {
  not: (...args) => {
    arity("not", args, 1);
    return !isTrue(args[0]);
  },
  len,
  index,
  print: (...args) => sprint(args),
  println: (...args) => sprintln(args),
  printf: (...args) => {
    atLeast("printf", args, 1);
    const [format, ...rest] = args;
    if (typeof format !== "string") {
      throw new ArgumentError(`wrong type for value; expected string; got ${goTypeName(format)}`);
    }
    return sprintf(format, rest);
  },
  html: (...args) => htmlEscape(argText(args)),
  js: (...args) => jsEscape(argText(args)),
  urlquery: (...args) => queryEscape(argText(args)),
  eq,
  ne: (...args) => {
    arity("ne", args, 2);
    return !eq(...args);
  },
  lt,
  le,
  gt: (...args) => {
    arity("gt", args, 2);
    return !le(...args);
  },
  ge: (...args) => {
    arity("ge", args, 2);
    return !lt(...args);
  },
};

/** and / or are special forms: the executor evaluates their arguments one by one, lazily. */
export const LAZY_BUILTINS = new Set(["and", "or"]);

export const BUILTIN_NAMES: ReadonlySet<string> = new Set([...Object.keys(BUILTINS), ...LAZY_BUILTINS]);
