// How JavaScript values stand for Go values in templates: number is float64, bigint is int, string,
// boolean, null is nil, undefined is "no value" (a missing map key), arrays are slices, plain objects
// and Maps are maps, GoStruct is a struct. Truth, Go type names and fmt's %v printing live here.
import { formatFloat } from "./gofloat.js";

const ELEMENT_ZERO = Symbol("gotemplate.elementZero");

/**
 * A map[string]string: a missing key reads as "" (Go's zero value, under Prometheus's
 * missingkey=zero) rather than as <no value>, as $labels.missing does in Prometheus.
 */
export function stringMap(entries: Readonly<Record<string, string>>): Record<string, string> {
  const m: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, entries);
  Object.defineProperty(m, ELEMENT_ZERO, { value: "", enumerable: false });
  return m;
}

/** A Go struct: named fields (missing ones are an error, unlike a map's keys) and methods. */
export class GoStruct {
  constructor(
    readonly typeName: string,
    readonly fields: Readonly<Record<string, unknown>>,
    readonly methods: Readonly<Record<string, (...args: unknown[]) => unknown>> = {},
    /** Printed with a leading & as fmt prints a pointer to a struct. */
    readonly pointer = false,
  ) {}
}

export type MapLike = Record<string, unknown> | Map<unknown, unknown>;

export function isMap(v: unknown): v is MapLike {
  if (v instanceof Map) {
    return true;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof GoStruct) {
    return false;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A map's value for key: undefined when absent, or the element zero of a map[string]string. */
export function mapGet(m: MapLike, key: unknown, zeroWhenMissing: boolean): unknown {
  if (m instanceof Map) {
    return m.get(key);
  }
  if (typeof key !== "string") {
    return undefined;
  }
  if (Object.prototype.hasOwnProperty.call(m, key)) {
    return m[key];
  }
  return zeroWhenMissing ? (m as { [ELEMENT_ZERO]?: unknown })[ELEMENT_ZERO] : undefined;
}

/** The map's entries sorted by key, as Go's fmt and range visit them. */
export function mapEntries(m: MapLike): [unknown, unknown][] {
  const entries: [unknown, unknown][] = m instanceof Map ? [...m.entries()] : Object.entries(m);
  return entries.sort(([a], [b]) => compareKeys(a, b));
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") {
    return a - b;
  }
  if (typeof a === "bigint" && typeof b === "bigint") {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function mapSize(m: MapLike): number {
  return m instanceof Map ? m.size : Object.keys(m).length;
}

/** The Go type a value stands for, as error messages name it. */
export function goTypeName(v: unknown): string {
  switch (typeof v) {
    case "number":
      return "float64";
    case "bigint":
      return "int";
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "function":
      return "func";
    case "undefined":
      return "<nil>";
    default:
      if (v === null) {
        return "<nil>";
      }
      if (v instanceof GoStruct) {
        return (v.pointer ? "*" : "") + v.typeName;
      }
      if (Array.isArray(v)) {
        return "[]interface {}";
      }
      if (isMap(v)) {
        return (v as { [ELEMENT_ZERO]?: unknown })[ELEMENT_ZERO] === ""
          ? "map[string]string"
          : "map[string]interface {}";
      }
      return "interface {}";
  }
}

/** Go's template truth: false, 0, "", nil and empty slices and maps are false. */
export function isTrue(v: unknown): boolean {
  switch (typeof v) {
    case "boolean":
      return v;
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    case "string":
      return v.length > 0;
    case "undefined":
      return false;
    case "function":
      return true;
    default:
      if (v === null) {
        return false;
      }
      if (Array.isArray(v)) {
        return v.length > 0;
      }
      if (isMap(v)) {
        return mapSize(v) > 0;
      }
      return true;
  }
}

/** fmt's %v of a value. */
export function formatValue(v: unknown): string {
  switch (typeof v) {
    case "number":
      return formatFloat(v, "g", -1);
    case "bigint":
      return v.toString();
    case "string":
      return v;
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
      return "<nil>";
    case "function":
      return "0x0";
    default:
      if (v === null) {
        return "<nil>";
      }
      if (Array.isArray(v)) {
        return `[${v.map(formatValue).join(" ")}]`;
      }
      if (v instanceof GoStruct) {
        const str = v.methods["String"];
        if (str !== undefined) {
          return String(str());
        }
        return `${v.pointer ? "&" : ""}{${Object.values(v.fields).map(formatValue).join(" ")}}`;
      }
      if (isMap(v)) {
        return `map[${mapEntries(v)
          .map(([k, x]) => `${formatValue(k)}:${formatValue(x)}`)
          .join(" ")}]`;
      }
      return String(v);
  }
}

/** How an action prints its value: as %v, except that nil and no value print <no value>. */
export function printValue(v: unknown): string {
  if (v === undefined || v === null) {
    return "<no value>";
  }
  // text/template dereferences a pointer before printing it: a *sample prints as {…}, not &{…}.
  if (v instanceof GoStruct && v.pointer) {
    return formatValue(new GoStruct(v.typeName, v.fields, v.methods, false));
  }
  return formatValue(v);
}
