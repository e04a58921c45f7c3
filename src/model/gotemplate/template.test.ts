// Go text/template behaviours (text/template's documentation and exec_test.go): trim markers,
// comments, control structures, variables and their scopes, pipelines, builtins, errors with
// positions, and the execution bounds.
import { describe, expect, it } from "vitest";
import { GoStruct, TemplateError, parseTemplate, stringMap } from "./index.js";

const run = (text: string, data?: unknown, opts = {}) => parseTemplate(text, "t").execute(data, opts);

async function execError(text: string, data?: unknown, opts = {}): Promise<TemplateError> {
  try {
    await run(text, data, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error(`expected ${text} to fail`);
}

function parseError(text: string): TemplateError {
  try {
    parseTemplate(text, "t");
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error(`expected ${text} not to parse`);
}

const data = {
  Name: "line1",
  Count: 3n,
  Ratio: 0.25,
  Empty: "",
  List: ["a", "b", "c"],
  Map: { b: 2n, a: 1n },
  Labels: stringMap({ job: "node" }),
  Nested: { Inner: { Value: "deep" } },
};

describe("text and actions", () => {
  it.each([
    ["{{23 -}} < {{- 45}}", "23<45"],
    ["a  {{- /* comment */ -}}  b", "ab"],
    ["a{{/* comment */}}b", "ab"],
    ["{{- 3 }}\n", "3\n"],
    ["{{-3}}", "-3"],
    ["{{ .Name }}", "line1"],
    ["{{ .Nested.Inner.Value }}", "deep"],
    ["{{ .Map.a }}-{{ .Map }}", "1-map[a:1 b:2]"],
    ["{{ .List }}", "[a b c]"],
    ["{{ .Labels.job }}[{{ .Labels.missing }}][{{ .Map.missing }}]", "node[][<no value>]"],
    [
      "{{ $ }}",
      "map[Count:3 Empty: Labels:map[job:node] List:[a b c] Map:map[a:1 b:2] Name:line1 Nested:map[Inner:map[Value:deep]] Ratio:0.25]",
    ],
    ['{{ "a\\tb\\u00e9\\x41" }}', "a\tbéA"],
    ["{{ `raw\\n` }}", "raw\\n"],
    [
      "{{ 'a' }} {{ 0x1F }} {{ 1_000 }} {{ 017 }} {{ 1.5e3 }} {{ 1e6 }} {{ 0.1 }} {{ -0.0 }}",
      "97 31 1000 15 1500 1e+06 0.1 -0",
    ],
    ["{{ true }} {{ false }}", "true false"],
  ])("%s", async (text, out) => {
    expect(await run(text, data)).toBe(out);
  });
});

describe("control structures", () => {
  it.each([
    ["{{ if .Empty }}yes{{ else if .Name }}name{{ else }}no{{ end }}", "name"],
    [
      "{{ if .Count }}{{ .Count }}{{ end }}{{ if 0 }}x{{ end }}{{ if 0.0 }}y{{ end }}{{ if .List }}l{{ end }}",
      "3l",
    ],
    ["{{ with .Nested.Inner }}{{ .Value }}{{ end }}", "deep"],
    ["{{ with .Empty }}x{{ else with .Name }}{{ . }}{{ else }}none{{ end }}", "line1"],
    ["{{ with .Missing }}x{{ else }}{{ .Name }}{{ end }}", "line1"],
    ["{{ range .List }}{{ . }}{{ end }}", "abc"],
    ["{{ range $i, $v := .List }}{{ $i }}={{ $v }} {{ end }}", "0=a 1=b 2=c "],
    ["{{ range $k, $v := .Map }}{{ $k }}={{ $v }} {{ end }}", "a=1 b=2 "],
    ["{{ range $v := .Map }}{{ $v }}{{ end }}", "12"],
    ["{{ range .Nothing }}x{{ else }}empty{{ end }}", "empty"],
    ["{{ range .Empty2 }}x{{ else }}{{ .Name }}{{ end }}", "line1"],
    ['{{ range .List }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}', "a"],
    ['{{ range .List }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}', "ac"],
    ["{{ range 3 }}{{ . }}{{ end }}", "012"],
    ['{{ define "T" }}<{{ . }}>{{ end }}{{ template "T" .Name }}{{ template "T" }}', "<line1><<no value>>"],
    ['{{ block "B" .Count }}[{{ . }}]{{ end }}', "[3]"],
  ])("%s", async (text, out) => {
    expect(await run(text, data)).toBe(out);
  });
});

describe("variables", () => {
  it.each([
    ["{{ $x := 1 }}{{ $x }}{{ $x = 2 }}{{ $x }}", "12"],
    ["{{ $x := .Name }}{{ with .Nested }}{{ $x }}{{ $.Name }}{{ end }}", "line1line1"],
    ["{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}", "21"],
    ["{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "2"],
    ["{{ with $v := .Nested.Inner.Value }}{{ $v }}{{ end }}", "deep"],
    ["{{ range .List }}{{ $.Name }}{{ end }}", "line1line1line1"],
    ['{{ define "T" }}{{ $ }}{{ end }}{{ $x := 1 }}{{ template "T" 5 }}', "5"],
  ])("%s", async (text, out) => {
    expect(await run(text, data)).toBe(out);
  });

  it("a variable declared in a block is gone after its end", () => {
    expect(parseError("{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}").message).toBe(
      'template: t:1:39: undefined variable "$x"',
    );
  });
});

describe("pipelines and functions", () => {
  it.each([
    ['{{ "abc" | printf "%s-%d" 5 }}', "%!s(int=5)-%!d(string=abc)"],
    ['{{ 5 | printf "%d-%s" "x" }}', "%!d(string=x)-%!s(int=5)"],
    [
      '{{ printf "%s %d %.2f %v %q %x %t %%" "s" 42 3.14159 .List "q\\n" 255 true }}',
      's 42 3.14 [a b c] "q\\n" ff true %',
    ],
    [
      '{{ printf "%5.1f|%-4d|%04d|%+d|%e|%g|%x" 3.14159 7 -7 7 1234.5678 0.000012345 "hi" }}',
      "  3.1|7   |-007|+7|1.234568e+03|1.2345e-05|6869",
    ],
    ['{{ printf "%d %s" 1 }}', "1 %!s(MISSING)"],
    ['{{ printf "%d" 1 2 }}', "1%!(EXTRA int=2)"],
    ['{{ print 1 2 "a" "b" 3 }}', "1 2ab3"],
    ['{{ println 1 "a" }}', "1 a\n"],
    ['{{ len .List }} {{ len .Map }} {{ len "héllo" }}', "3 2 6"],
    ['{{ index .List 1 }} {{ index .Map "b" }} {{ index .Labels "nope" }}|{{ index "abc" 0 }}', "b 2 |97"],
    ['{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 "" }} {{ or 0 5 }} {{ not 0 }}', "0 2  5 true"],
    ["{{ and false .Missing.Deeper }}{{ or true (index .List 99) }}", "falsetrue"],
    [
      '{{ eq .Name "line1" }} {{ eq 1 2 3 1 }} {{ ne .Ratio 0.5 }} {{ lt 1 2 }} {{ le "a" "a" }} {{ gt .Ratio 0.1 }} {{ ge 1 2 }}',
      "true true true true true true false",
    ],
    ["{{ eq .Missing nil }}", "true"],
    ['{{ html "<a href=\\"x\\">&</a>" }}', "&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;"],
    ['{{ js "it\'s <b>" }}', "it\\'s \\u003Cb\\u003E"],
    ['{{ urlquery "a b&c=d/é" }}', "a+b%26c%3Dd%2F%C3%A9"],
    ["{{ (index .List 0) }}{{ (.Nested).Inner.Value }}", "adeep"],
  ])("%s", async (text, out) => {
    expect(await run(text, data)).toBe(out);
  });

  it("calls injected functions, awaiting promises, and methods of structs", async () => {
    const sample = new GoStruct(
      "sample",
      { Value: 2 },
      { Double: (...a: unknown[]) => `${a.length}:${(a[0] as number) * 2}` },
    );
    const funcs = { twice: async (x: unknown) => `${x}${x}`, get: () => sample };
    expect(
      await run('{{ twice "ab" }} {{ "c" | twice }} {{ (get).Value }} {{ get.Double 21.0 }}', undefined, {
        funcs,
      }),
    ).toBe("abab cc 2 1:42");
  });
});

describe("parse errors: line:col and Go's message", () => {
  it.each([
    ["{{", "template: t:1:3: unclosed action"],
    ["ab\n  {{ .a }", "template: t:2:9: unrecognized character in action: U+007D '}'"],
    ["{{ .a ) }}", "template: t:1:7: unexpected right paren"],
    ["{{ (.a }}", "template: t:1:8: unclosed left paren"],
    ["{{ if .x }}", "template: t:1:12: unexpected EOF"],
    ["{{ end }}", "template: t:1:4: unexpected {{end}}"],
    ["{{ else }}", "template: t:1:4: unexpected {{else}}"],
    ["{{ if }}{{ end }}", "template: t:1:7: missing value for if"],
    ["{{ range .x }}{{ else }}{{ else }}{{ end }}", "template: t:1:28: expected end; found {{else}}"],
    ['{{ "abc }}', "template: t:1:4: unterminated quoted string"],
    ["{{ 1 | 2 }}", "template: t:1:8: non executable command in pipeline stage 2"],
    ["{{ .a.b.c.d }}{{ 3x }}", 'template: t:1:18: bad number syntax: "3x"'],
    ["{{ $x }}", 'template: t:1:4: undefined variable "$x"'],
    ["{{ break }}", "template: t:1:4: {{break}} outside {{range}}"],
    ["{{ /* x */ }}", "template: t:1:4: unrecognized character in action: U+002F '/'"],
    ["{{/* x */ y }}", "template: t:1:10: comment ends before closing delimiter"],
    ["{{/* x", "template: t:1:1: unclosed comment"],
    ['{{ .x "a""b" }}', 'template: t:1:10: unexpected "\\"b\\"" in operand'],
    ["{{ 1.x }}", 'template: t:1:4: bad number syntax: "1.x"'],
    ['{{ "a".x }}', 'template: t:1:4: unexpected . after term "\\"a\\""'],
    [
      '{{ define "a" }}x{{ end }}{{ define "a" }}y{{ end }}',
      'template: t:1:37: template: multiple definition of template "a"',
    ],
  ])("%s", (text, message) => {
    const err = parseError(text);
    expect(err.message).toBe(message);
    expect(err.code).toBe("LINEOPS_ERR_TEMPLATE_PARSE");
  });

  it("checks function names at parse time when told which exist", () => {
    expect(() => parseTemplate("{{ humanize 1 }}", "t", { functions: [] })).toThrow(
      'template: t:1:4: function "humanize" not defined',
    );
    expect(() =>
      parseTemplate('{{ humanize 1 | printf "%s" }}', "t", { functions: ["humanize"] }),
    ).not.toThrow();
  });

  it("refuses nesting deeper than the limit without exhausting the stack", () => {
    expect(parseError("{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}").message).toMatch(
      /nesting deeper than 100 levels/,
    );
    expect(parseError("{{ if 1 }}".repeat(5000)).message).toMatch(/nesting deeper than 100 levels/);
  });
});

describe("execution errors name the template, position and action", () => {
  it.each([
    ["{{ nosuch 1 }}", 'template: t:1:4: executing "t" at <nosuch>: "nosuch" is not a defined function'],
    [
      "{{ .Name.Foo }}",
      'template: t:1:4: executing "t" at <.Name.Foo>: can\'t evaluate field Foo in type string',
    ],
    [
      "{{ index .Name 1.5 }}",
      'template: t:1:4: executing "t" at <index .Name 1.5>: error calling index: cannot index slice/array with type float64',
    ],
    [
      "{{ index .Count 1 }}",
      'template: t:1:4: executing "t" at <index .Count 1>: error calling index: can\'t index item of type int',
    ],
    [
      "{{ index .List 5 }}",
      'template: t:1:4: executing "t" at <index .List 5>: error calling index: index out of range: 5',
    ],
    [
      "{{ gt .Ratio 1 }}",
      'template: t:1:4: executing "t" at <gt .Ratio 1>: error calling gt: incompatible types for comparison',
    ],
    [
      "{{ lt true false }}",
      'template: t:1:4: executing "t" at <lt true false>: error calling lt: invalid type for comparison',
    ],
    ["{{ len 3 }}", 'template: t:1:4: executing "t" at <len 3>: error calling len: len of type int'],
    [
      "{{ not 1 2 }}",
      'template: t:1:4: executing "t" at <not 1 2>: wrong number of args for not: want 1 got 2',
    ],
    [
      '{{ .Name "x" }}',
      'template: t:1:4: executing "t" at <.Name "x">: Name is not a method but has arguments',
    ],
    ["{{ 1 | .Name }}", 'template: t:1:8: executing "t" at <.Name>: Name is not a method but has arguments'],
    ['{{ template "nope" }}', 'template: t:1:4: executing "t" at <template "nope">: no such template "nope"'],
    ["{{ range 1.5 }}{{ end }}", 'template: t:1:10: executing "t" at <1.5>: range can\'t iterate over 1.5'],
    [
      "{{ 99999999999999999999 }}",
      'template: t:1:4: executing "t" at <99999999999999999999>: 99999999999999999999 overflows int',
    ],
    [
      '{{ define "x" }}\n  {{ .Foo.Bar }}{{ end }}{{ template "x" 1 }}',
      'template: t:2:6: executing "x" at <.Foo.Bar>: can\'t evaluate field Foo in type int',
    ],
  ])("%s", async (text, message) => {
    const err = await execError(text, data);
    expect(err.message).toBe(message);
    expect(err.code).toBe("LINEOPS_ERR_TEMPLATE_EXEC");
  });

  it("missingkey=error refuses missing map keys, default prints <no value>", async () => {
    expect((await execError("{{ .Map.nope }}", data, { missingKey: "error" })).message).toBe(
      'template: t:1:4: executing "t" at <.Map.nope>: map has no entry for key "nope"',
    );
    expect(await run("{{ .Labels.nope }}", data, { missingKey: "default" })).toBe("<no value>");
  });

  it("a function's own exception is reported, not thrown through", async () => {
    const funcs = {
      boom: () => {
        throw new Error("kaput");
      },
      later: () => Promise.reject(new Error("async kaput")),
    };
    expect((await execError("{{ boom }}", undefined, { funcs })).message).toBe(
      'template: t:1:4: executing "t" at <boom>: error calling boom: kaput',
    );
    expect((await execError("x\n{{ later }}", undefined, { funcs })).message).toBe(
      'template: t:2:4: executing "t" at <later>: error calling later: async kaput',
    );
  });
});

describe("execution is bounded", () => {
  it("stops output past maxOutputBytes", async () => {
    const err = await execError(
      "{{ range . }}0123456789{{ end }}",
      Array.from({ length: 1000 }, (_, i) => i),
      { maxOutputBytes: 5000 },
    );
    expect(err.code).toBe("LINEOPS_ERR_TEMPLATE_LIMIT");
    expect(err.message).toMatch(/output larger than 5000 bytes/);
  });

  it("stops a range over a huge query result at the step budget", async () => {
    const huge = Array.from({ length: 200_000 }, (_, i) => i);
    const err = await execError("{{ range . }}{{ end }}", huge, { maxSteps: 10_000 });
    expect(err.code).toBe("LINEOPS_ERR_TEMPLATE_LIMIT");
    expect(err.message).toMatch(/more than 10000 steps/);
  });

  it("stops recursion through templates", async () => {
    const err = await execError('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', 1);
    expect(err.code).toBe("LINEOPS_ERR_TEMPLATE_LIMIT");
    expect(err.message).toMatch(/exceeded maximum template depth \(100\)/);
  });

  it("stops waiting for a function that never answers", async () => {
    const funcs = { hang: () => new Promise(() => undefined) };
    const err = await execError("{{ hang }}", undefined, { funcs, timeoutMs: 50 });
    expect(err.code).toBe("LINEOPS_ERR_TEMPLATE_LIMIT");
    expect(err.message).toMatch(/longer than 50 ms/);
  });
});
