import { describe, expect, it } from "vitest";
import { parseFlags, type Flags } from "./args.js";

type A = { json: boolean; n: number; size: number; name: string; mode: "a" | "b" };

const USAGE = "usage: bench [--json] [--n N] [--size N] [--name S] [--mode a|b]";

const FLAGS: Flags<A> = {
  "--json": (a) => {
    a.json = true;
  },
  "--n": (a, v) => {
    a.n = v.nonNegative();
  },
  "--size": (a, v) => {
    a.size = v.positive();
  },
  "--name": (a, v) => {
    a.name = v.text();
  },
  "--mode": (a, v) => {
    a.mode = v.oneOf(["a", "b"], "--mode is a or b");
  },
};

const parse = (...argv: string[]) =>
  parseFlags(argv, { json: false, n: 1, size: 1, name: "", mode: "a" } as A, FLAGS, USAGE);

describe("parseFlags", () => {
  it("applies switches and values in order over the defaults", () => {
    expect(parse("--n", "0", "--json", "--name", "x", "--mode", "b", "--size", "2.5")).toEqual({
      json: true,
      n: 0,
      size: 2.5,
      name: "x",
      mode: "b",
    });
    expect(parse()).toEqual({ json: false, n: 1, size: 1, name: "", mode: "a" });
  });

  it("names the bad flag or value and ends with the usage", () => {
    expect(() => parse("--nope")).toThrow(`unknown flag --nope\n${USAGE}`);
    expect(() => parse("--n", "-1")).toThrow(`--n needs a non-negative number\n${USAGE}`);
    expect(() => parse("--n")).toThrow(`--n needs a non-negative number\n${USAGE}`);
    expect(() => parse("--size", "0")).toThrow(`--size needs a positive number\n${USAGE}`);
    expect(() => parse("--size")).toThrow(`--size needs a value\n${USAGE}`);
    expect(() => parse("--name", "--json")).toThrow(`--name needs a value\n${USAGE}`);
    expect(() => parse("--mode", "c")).toThrow(`--mode is a or b\n${USAGE}`);
  });

  it("answers --help and -h with the usage alone", () => {
    expect(() => parse("--json", "--help")).toThrow(new Error(USAGE));
    expect(() => parse("-h")).toThrow(new Error(USAGE));
  });

  it("treats inherited property names as unknown flags", () => {
    expect(() => parse("toString")).toThrow(`unknown flag toString\n${USAGE}`);
  });
});
