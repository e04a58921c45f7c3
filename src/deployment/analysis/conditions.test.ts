import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConditionError, compileCondition } from "./conditions.js";

const ev = (src: string, result: number[]) => compileCondition(src).evaluate(result);

function compileError(src: string): ConditionError {
  try {
    compileCondition(src);
  } catch (e) {
    expect(e).toBeInstanceOf(ConditionError);
    return e as ConditionError;
  }
  throw new Error(`expected ${JSON.stringify(src)} not to compile`);
}

function evalError(src: string, result: number[]): ConditionError {
  try {
    ev(src, result);
  } catch (e) {
    expect(e).toBeInstanceOf(ConditionError);
    return e as ConditionError;
  }
  throw new Error(`expected ${JSON.stringify(src)} to fail on ${JSON.stringify(result)}`);
}

describe("compileCondition: evaluation", () => {
  it.each([
    ["result < 0.05", [0.01], true],
    ["result < 0.05", [0.06], false],
    ["result <= 0.05", [0.05], true],
    ["result >= 0.95 && result[1] >= 0.95", [0.99, 0.96], true],
    ["result >= 0.95 && result[1] >= 0.95", [0.99, 0.9], false],
    ["result[-1] == 3", [1, 2, 3], true],
    ["result[0] != 1 || result[2] > 2", [1, 2, 3], true],
    ["!(result > 1)", [0.5], true],
    ["not (result > 1) and true", [0.5], true],
    ["result > 1 or false", [0.5], false],
    ["result * 100 + 1 > 5 % 3 - 1 / 2", [0.1], true],
    ["-result < 0", [2], true],
    ["2 - 1 - 1 == 0", [], true],
    ["8 / 4 / 2 == 1", [], true],
    ["1 + 2 * 3 == 7", [], true],
    ["isNaN(result)", [NaN], true],
    ["isNaN(NaN) && !isNaN(1) && isInf(-Inf)", [], true],
    ["result == NaN", [NaN], false],
    ["len(result) == 3", [1, 2, 3], true],
    ["all(result, {# < 0.05})", [0.01, 0.02], true],
    ["all(result, {# < 0.05})", [0.01, 0.2], false],
    ["all(result, # < 0.05)", [], true],
    ["any(result, # > 1)", [0, 2], true],
    ["any(result, # > 1)", [], false],
    ["none(result, isNaN(#))", [1, 2], true],
    ["all(result, any(result, # >= 1))", [1, 2], true],
    ["max(result) < 0.5 && min(result) >= 0 && sum(result) == 0.5", [0.2, 0.3], true],
    ["mean(result) == 2 && median(result) == 2", [1, 2, 3], true],
    ["median(result) == 2.5", [4, 1, 3, 2], true],
    ["max(1, result, 3) == 3 && min(2, 1.5) == 1.5 && abs(-2) == 2", [2], true],
    ["1_000 == 1000 && 1e-3 == 0.001 && .5 == 0.5 && 2E+2 == 200", [], true],
    ["true == (result > 0)", [1], true],
    ["result\n  < 1", [0], true],
  ] as [string, number[], boolean][])("%s on %j is %s", (src, result, want) => {
    expect(ev(src, result)).toBe(want);
  });

  it("short-circuits so a guarded index does not fail", () => {
    expect(ev("len(result) > 1 && result[1] > 0", [1])).toBe(false);
  });
});

describe("compileCondition: errors name the position", () => {
  it.each([
    ["result < 0.05)", '1:14: unexpected ")"'],
    ["result < ", "1:10: unexpected end of input"],
    ["(result < 1", '1:12: unexpected end of input, expected ")" to close the parenthesis'],
    ["result = 1", '1:8: unexpected "=" (did you mean "=="?)'],
    ["result & 1", '1:8: unexpected "&" (did you mean "&&"?)'],
    ["foo > 1", '1:1: unknown name "foo" (only "result" is defined)'],
    ["bar(result) > 1", '1:1: unknown function "bar"'],
    ["result", "1:1: a condition must be true or false, but this is an array"],
    ["result + 1", "1:1: a condition must be true or false, but this is a number"],
    ["result > 1 && 2", '1:15: "&&" needs booleans on both sides'],
    ["# > 1", '1:1: "#" is only defined inside all(), any() or none()'],
    ["all(result, # + 1)", "1:13: the predicate of all() must be a boolean expression"],
    ["len(1) > 0", "1:1: len() needs an array (result)"],
    ["isNaN(result, 1)", "1:1: isNaN() takes 1 argument, got 2"],
    ["result[0][1] > 0", "1:10: only result can be indexed"],
    ["result > 1\n && result $ 2", '2:12: unexpected "$"'],
    ["", "1:1: empty condition"],
    ["1x > 0", '1:2: unexpected "x" after number'],
    ["(true) == 1", '1:8: cannot compare a boolean with a number using "=="'],
    ["len > 1", "1:1: len is a function: call it as len(...)"],
  ])("%j → %s", (src, msg) => {
    const e = compileError(src);
    expect(e.code).toBe("LINEOPS_ERR_ANALYSIS_CONDITION_INVALID");
    expect(e.message).toBe(msg);
  });

  it("bounds nesting and length", () => {
    expect(compileError("(".repeat(100) + "true" + ")".repeat(100)).message).toMatch(/nested deeper than 64/);
    expect(compileError("!".repeat(100) + "true").message).toMatch(/nested deeper than 64/);
    expect(compileError("true || ".repeat(1000) + "true").message).toMatch(/longer than 4096/);
  });

  it("evaluation errors carry their own code and position", () => {
    const e = evalError("result[2] > 0", [1, 2]);
    expect(e.code).toBe("LINEOPS_ERR_ANALYSIS_CONDITION_EVAL");
    expect(e.message).toBe("1:7: index 2 out of range (result has 2 values)");
    expect(evalError("result > 0", []).message).toBe("1:1: result has no values");
    expect(evalError("result[0.5] > 0", [1]).message).toBe("1:8: index 0.5 is not an integer");
    expect(evalError("max(result) > 0", []).message).toBe("1:1: max() of no values");
  });
});

describe("compileCondition: property", () => {
  const tokens = [
    "result",
    "result[0]",
    "result[-1]",
    "#",
    "NaN",
    "Inf",
    "true",
    "false",
    "1",
    "0.05",
    "1e3",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "&&",
    "||",
    "!",
    "and",
    "or",
    "not",
    "+",
    "-",
    "*",
    "/",
    "%",
    "isNaN(",
    "len(",
    "all(",
    "any(",
    "none(",
    "max(",
    "min(",
    "mean(",
    "median(",
    "sum(",
    "abs(",
    "isInf(",
  ];
  const values = fc.array(fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0)), {
    maxLength: 5,
  });

  function neverCrashes(src: string, result: number[]): void {
    let c;
    try {
      c = compileCondition(src);
    } catch (e) {
      expect(e).toBeInstanceOf(ConditionError);
      expect((e as ConditionError).code).toBe("LINEOPS_ERR_ANALYSIS_CONDITION_INVALID");
      return;
    }
    try {
      expect(typeof c.evaluate(result)).toBe("boolean");
    } catch (e) {
      expect(e).toBeInstanceOf(ConditionError);
      expect((e as ConditionError).code).toBe("LINEOPS_ERR_ANALYSIS_CONDITION_EVAL");
    }
  }

  it("arbitrary strings compile or fail cleanly", () => {
    fc.assert(fc.property(fc.string({ maxLength: 60, unit: "binary" }), values, neverCrashes), {
      numRuns: 2000,
    });
  });

  it("token soup compiles or fails cleanly, and evaluates to a boolean or fails cleanly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...tokens), { maxLength: 25 }).map((t) => t.join(" ")),
        values,
        neverCrashes,
      ),
      { numRuns: 5000 },
    );
  });
});
