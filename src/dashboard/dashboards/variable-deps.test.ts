import { describe, expect, it } from "vitest";
import { dashboardSchema } from "./model.js";
import { dependantsOf, dependenciesOf, variableOrder } from "./variable-deps.js";

const q = (name: string, query: string, regex?: string) => ({
  name,
  type: "query",
  query,
  ...(regex === undefined ? {} : { regex }),
});

describe("chained variables", () => {
  const vars = [
    q("instance", 'label_values(up{job="$job", env="${env}"}, instance)'),
    q("job", 'label_values(up{env="[[env]]"}, job)'),
    { name: "env", type: "custom", query: "prod,dev" },
    q("port", "label_values(up, port)", "/$instance:(\\d+)/"),
  ];

  it("finds a query's references to other variables (query and regex), not built-ins or unknown names", () => {
    expect(dependenciesOf(vars[0]!, vars)).toEqual(["job", "env"]);
    expect(dependenciesOf(vars[3]!, vars)).toEqual(["instance"]);
    expect(dependenciesOf(q("x", "label_values(rate(up[$__rate_interval]), $nope)"), vars)).toEqual([]);
    // Custom values are written out: "$env" in one is text, not a reference.
    expect(dependenciesOf({ name: "c", type: "custom", query: "$env" }, vars)).toEqual([]);
  });

  it("orders loads after their dependencies, and lists dependants in that order", () => {
    expect(variableOrder(vars)).toEqual({ order: ["env", "job", "instance", "port"] });
    expect(dependantsOf("env", vars)).toEqual(["job", "instance", "port"]);
    expect(dependantsOf("instance", vars)).toEqual(["port"]);
    expect(dependantsOf("port", vars)).toEqual([]);
  });

  it("finds a cycle, naming its variables", () => {
    const cyclic = [
      q("a", 'label_values(x{b="$b"}, a)'),
      q("b", 'label_values(x{c="$c"}, b)'),
      q("c", 'label_values(x{a="$a"}, c)'),
    ];
    expect(variableOrder(cyclic)).toEqual({ cycle: ["a", "b", "c", "a"] });
    expect(variableOrder([q("self", 'label_values(x{y="$self"}, y)')])).toEqual({ cycle: ["self", "self"] });
  });

  it("refuses a dashboard whose variables form a cycle, with a clear error", () => {
    const r = dashboardSchema.safeParse({
      uid: "cyc",
      title: "Cycle",
      variables: [q("a", 'label_values(up{job="$b"}, a)'), q("b", 'label_values(up{job="$a"}, b)')],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join()).toMatch(
      /variables a → b → a refer to each other in a cycle/,
    );
    const ok = dashboardSchema.safeParse({ uid: "chain", title: "Chain", variables: vars });
    expect(ok.success).toBe(true);
  });
});
