import { describe, expect, it } from "vitest";
import { parseYaml } from "../../config/load.js";
import { routeSchema } from "../config/schema.js";
import { buildRouteTree, formatLabelSet, routesFor, type Route } from "./route-tree.js";

// Alertmanager's own defaults, so the expectations read as in its dispatch/route_test.go.
const AM_DEFAULTS = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3600_000 };
const tree = (yaml: string): Route => buildRouteTree(parseYaml(yaml, "route.yml", routeSchema), AM_DEFAULTS);

const SCENARIO_TREE = `
receiver: 'notify-def'
routes:
- match:
    owner: 'team-A'
  receiver: 'notify-A'
  routes:
  - match:
      env: 'testing'
    receiver: 'notify-testing'
    group_by: [...]
  - match:
      env: "production"
    receiver: 'notify-productionA'
    group_wait: 1m
    continue: true
  - match_re:
      env: "produ.*"
      job: ".*"
    receiver: 'notify-productionB'
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 1h
    group_by: ['job']
- match_re:
    owner: 'team-(B|C)'
  group_by: ['foo', 'bar']
  group_wait: 2m
  receiver: 'notify-BC'
- match:
    group_by: 'role'
  group_by: ['role']
  routes:
  - match:
      env: 'testing'
    receiver: 'notify-testing'
    routes:
    - match:
        wait: 'long'
      group_wait: 2m
`;

type Want = {
  receiver: string;
  groupBy?: string[];
  groupByAll?: boolean;
  wait?: number;
  interval?: number;
  repeat?: number;
  key: string;
};

describe("routesFor (Alertmanager's TestRouteMatch)", () => {
  const root = tree(SCENARIO_TREE);
  it.each<[Record<string, string>, Want[]]>([
    [{ owner: "team-A" }, [{ receiver: "notify-A", key: '{}/{owner="team-A"}' }]],
    [{ owner: "team-A", env: "unset" }, [{ receiver: "notify-A", key: '{}/{owner="team-A"}' }]],
    [
      { owner: "team-C" },
      [
        {
          receiver: "notify-BC",
          groupBy: ["bar", "foo"],
          wait: 120_000,
          key: '{}/{owner=~"^(?:team-(B|C))$"}',
        },
      ],
    ],
    [
      { owner: "team-A", env: "testing" },
      [{ receiver: "notify-testing", groupByAll: true, key: '{}/{owner="team-A"}/{env="testing"}' }],
    ],
    [
      { owner: "team-A", env: "production" },
      [
        { receiver: "notify-productionA", wait: 60_000, key: '{}/{owner="team-A"}/{env="production"}' },
        {
          receiver: "notify-productionB",
          groupBy: ["job"],
          wait: 30_000,
          interval: 300_000,
          repeat: 3600_000,
          key: '{}/{owner="team-A"}/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}',
        },
      ],
    ],
    [{ group_by: "role" }, [{ receiver: "notify-def", groupBy: ["role"], key: '{}/{group_by="role"}' }]],
    [
      { env: "testing", group_by: "role" },
      [{ receiver: "notify-testing", groupBy: ["role"], key: '{}/{group_by="role"}/{env="testing"}' }],
    ],
    [
      { env: "testing", group_by: "role", wait: "long" },
      [
        {
          receiver: "notify-testing",
          groupBy: ["role"],
          wait: 120_000,
          key: '{}/{group_by="role"}/{env="testing"}/{wait="long"}',
        },
      ],
    ],
    [{ nothing: "matches" }, [{ receiver: "notify-def", key: "{}" }]],
  ])("%j", (labels, want) => {
    const got = routesFor(root, labels).map((r) => ({
      receiver: r.opts.receiver,
      groupBy: [...r.opts.groupBy],
      groupByAll: r.opts.groupByAll,
      wait: r.opts.groupWaitMs,
      interval: r.opts.groupIntervalMs,
      repeat: r.opts.repeatIntervalMs,
      key: r.key(),
    }));
    expect(got).toEqual(
      want.map((w) => ({
        receiver: w.receiver,
        groupBy: w.groupBy ?? [],
        groupByAll: w.groupByAll ?? false,
        wait: w.wait ?? AM_DEFAULTS.groupWaitMs,
        interval: w.interval ?? AM_DEFAULTS.groupIntervalMs,
        repeat: w.repeat ?? AM_DEFAULTS.repeatIntervalMs,
        key: w.key,
      })),
    );
  });

  it("walks parents first, in order (TestRouteWalk)", () => {
    const got: string[] = [];
    root.walk((r) => got.push(r.opts.receiver));
    expect(got).toEqual([
      "notify-def",
      "notify-A",
      "notify-testing",
      "notify-productionA",
      "notify-productionB",
      "notify-BC",
      "notify-def",
      "notify-testing",
      "notify-testing",
    ]);
  });

  it("numbers routes children first (TestRouteIndices)", () => {
    const got: number[] = [];
    root.walk((r) => got.push(r.idx));
    expect(got).toEqual([8, 3, 0, 1, 2, 4, 7, 6, 5]);
  });
});

describe("inheritance", () => {
  it("inherits group_by '...' until a child sets group_by (TestInheritParentGroupByAll)", () => {
    const root = tree(`
receiver: r
routes:
- match:
    env: 'parent'
  group_by: ['...']
  routes:
  - match:
      env: 'child1'
  - match:
      env: 'child2'
    group_by: ['foo']
`);
    const parent = root.routes[0] as Route;
    expect(parent.opts.groupByAll).toBe(true);
    expect(parent.routes[0]?.opts.groupByAll).toBe(true);
    expect(parent.routes[1]?.opts.groupByAll).toBe(false);
    expect(parent.routes[1]?.opts.groupBy).toEqual(["foo"]);
  });

  it("lets an empty group_by undo the parent's grouping", () => {
    const root = tree("receiver: r\ngroup_by: [a]\nroutes:\n- match: {x: y}\n  group_by: []\n");
    expect(root.opts.groupBy).toEqual(["a"]);
    expect(root.routes[0]?.opts.groupBy).toEqual([]);
  });

  it("does not inherit mute or active time intervals", () => {
    const root = tree(`
receiver: r
routes:
- match: {team: a}
  mute_time_intervals: [weekends]
  active_time_intervals: [office]
  routes:
  - match: {severity: page}
`);
    expect(root.routes[0]?.opts.muteTimeIntervals).toEqual(["weekends"]);
    expect(root.routes[0]?.opts.activeTimeIntervals).toEqual(["office"]);
    expect(root.routes[0]?.routes[0]?.opts.muteTimeIntervals).toEqual([]);
    expect(root.routes[0]?.routes[0]?.opts.activeTimeIntervals).toEqual([]);
  });

  it("takes the defaults it is given at the root", () => {
    const root = buildRouteTree(parseYaml("receiver: r\n", "route.yml", routeSchema), {
      groupWaitMs: 1000,
      groupIntervalMs: 30_000,
      repeatIntervalMs: 4 * 3600_000,
    });
    expect(root.opts).toMatchObject({ receiver: "r", groupWaitMs: 1000, groupIntervalMs: 30_000 });
  });
});

describe("matchers, continue and keys", () => {
  it("prints ids with sibling positions (TestRouteID)", () => {
    const root = tree(`
receiver: default
routes:
- continue: true
  matchers:
  - foo=bar
  receiver: test1
  routes:
  - matchers:
    - bar=baz
- continue: true
  matchers:
  - foo=bar
  receiver: test1
  routes:
  - matchers:
    - bar=baz
- continue: true
  matchers:
  - foo=bar
  receiver: test2
  routes:
  - matchers:
    - bar=baz
- continue: true
  matchers:
  - bar=baz
  receiver: test3
  routes:
  - matchers:
    - baz=qux
  - matchers:
    - qux=corge
- continue: true
  matchers:
  - qux=~"[a-zA-Z0-9]+"
- continue: true
  matchers:
  - corge!~"[0-9]+"
`);
    const ids: string[] = [];
    root.walk((r) => ids.push(r.id()));
    expect(ids).toEqual([
      "{}",
      '{}/{foo="bar"}/0',
      '{}/{foo="bar"}/0/{bar="baz"}/0',
      '{}/{foo="bar"}/1',
      '{}/{foo="bar"}/1/{bar="baz"}/0',
      '{}/{foo="bar"}/2',
      '{}/{foo="bar"}/2/{bar="baz"}/0',
      '{}/{bar="baz"}/3',
      '{}/{bar="baz"}/3/{baz="qux"}/0',
      '{}/{bar="baz"}/3/{qux="corge"}/1',
      '{}/{qux=~"[a-zA-Z0-9]+"}/4',
      '{}/{corge!~"[0-9]+"}/5',
    ]);
  });

  const matcherTree = tree(`
receiver: 'notify-def'
routes:
- matchers: ['{owner="team-A"}', '{level!="critical"}']
  receiver: 'notify-A'
  routes:
  - matchers: ['{env="testing"}', '{baz!~".*quux"}']
    receiver: 'notify-testing'
    group_by: [...]
  - matchers: ['{env="production"}']
    receiver: 'notify-productionA'
    group_wait: 1m
    continue: true
  - matchers: [ env=~"produ.*", job=~".*"]
    receiver: 'notify-productionB'
    group_by: ['job']
- matchers: [ owner!~"team-(B|C)" ]
  group_by: ['foo', 'bar']
  receiver: 'notify-notBC'
- matchers: [ group_by="role" ]
  group_by: ['role']
  routes:
  - matchers: ['{env="testing"}']
    receiver: 'notify-testing'
`);
  it.each<[Record<string, string>, string[]]>([
    // Scenarios of Alertmanager's TestRouteMatchers
    [{ owner: "team-A", level: "critical" }, ['{}/{owner!~"team-(B|C)"}']],
    [{ owner: "team-A", level: "warning" }, ['{}/{level!="critical",owner="team-A"}']],
    [
      { owner: "team-A", level: "warning", env: "testing" },
      ['{}/{level!="critical",owner="team-A"}/{baz!~".*quux",env="testing"}'],
    ],
    [
      { owner: "team-A", level: "warning", env: "testing", baz: "quux" },
      ['{}/{level!="critical",owner="team-A"}'],
    ],
    [
      { owner: "team-A", env: "production" },
      [
        '{}/{level!="critical",owner="team-A"}/{env="production"}',
        '{}/{level!="critical",owner="team-A"}/{env=~"produ.*",job=~".*"}',
      ],
    ],
    [{ owner: "team-B" }, ["{}"]],
    [{ owner: "team-X" }, ['{}/{owner!~"team-(B|C)"}']],
    [{ owner: "team-B", group_by: "role" }, ['{}/{group_by="role"}']],
    [{ owner: "team-B", group_by: "role", env: "testing" }, ['{}/{group_by="role"}/{env="testing"}']],
  ])("%j reaches %j", (labels, keys) => {
    expect(routesFor(matcherTree, labels).map((r) => r.key())).toEqual(keys);
  });

  it("continues past a matching sibling only when it says continue", () => {
    const root = tree(`
receiver: r
routes:
- match: {a: "1"}
  receiver: first
- match: {a: "1"}
  receiver: second
- match: {a: "1"}
  continue: true
  receiver: third-unreached
`);
    expect(routesFor(root, { a: "1" }).map((r) => r.opts.receiver)).toEqual(["first"]);
    const cont = tree(`
receiver: r
routes:
- match: {a: "1"}
  continue: true
  receiver: first
- match: {b: "2"}
  receiver: skipped
- match: {a: "1"}
  receiver: second
- match: {a: "1"}
  receiver: never
`);
    expect(routesFor(cont, { a: "1" }).map((r) => r.opts.receiver)).toEqual(["first", "second"]);
  });
});

describe("groups", () => {
  const root = tree(`
receiver: r
group_by: [alertname]
routes:
- match: {team: a}
  group_by: [cluster, alertname]
- match: {team: all}
  group_by: ['...']
- match: {team: none}
  group_by: []
`);
  const alert = { alertname: "DiskFull", cluster: "eu", team: "a", instance: "x:1" };
  it.each([
    [alert, '{}/{team="a"}:{alertname="DiskFull", cluster="eu"}', { alertname: "DiskFull", cluster: "eu" }],
    [{ ...alert, team: "b" }, '{}:{alertname="DiskFull"}', { alertname: "DiskFull" }],
    [
      { ...alert, team: "all" },
      '{}/{team="all"}:{alertname="DiskFull", cluster="eu", instance="x:1", team="all"}',
      { ...alert, team: "all" },
    ],
    [{ ...alert, team: "none" }, '{}/{team="none"}:{}', {}],
    [{ team: "a" }, '{}/{team="a"}:{}', {}], // absent group_by labels are left out
  ])("%j", (labels, key, groupLabels) => {
    const [route] = routesFor(root, labels) as [Route];
    expect(route.groupKey(labels)).toBe(key);
    expect(route.groupLabels(labels)).toEqual(groupLabels);
  });

  it("quotes values as Go's %q", () => {
    expect(formatLabelSet({ b: 'say "hi"\n', a: "é" })).toBe('{a="é", b="say \\"hi\\"\\n"}');
  });
});
