// The parse tree of a Go text/template, shaped as Go's text/template/parse nodes. Every node keeps
// its offset in the template text so execution errors can name line:col, and commands keep their
// source text so errors can quote the action at fault ("at <humanize "one">").

export type Arg =
  | { kind: "field"; pos: number; ident: string[] } // .A.B
  | { kind: "variable"; pos: number; name: string; ident: string[] } // $x.A.B ($x itself: ident [])
  | { kind: "chain"; pos: number; node: Arg; ident: string[] } // (pipeline).A.B, fn.A
  | { kind: "identifier"; pos: number; name: string } // a function name
  | { kind: "dot"; pos: number }
  | { kind: "nil"; pos: number }
  | { kind: "bool"; pos: number; value: boolean }
  | { kind: "number"; pos: number; text: string; value: NumberValue }
  | { kind: "string"; pos: number; value: string }
  | { kind: "pipe"; pos: number; pipe: Pipe };

/** A numeric constant as Go types it: an int (int64 range), a float64, or an int that overflows. */
export type NumberValue =
  { type: "int"; int: bigint } | { type: "float"; float: number } | { type: "overflow" };

export type Command = { pos: number; source: string; args: Arg[] };

/** `$x := cmd | cmd`; decl holds the declared (or with isAssign, assigned) variable names. */
export type Pipe = { pos: number; source: string; decl: string[]; isAssign: boolean; cmds: Command[] };

export type Node =
  | { kind: "text"; pos: number; text: string }
  | { kind: "action"; pos: number; pipe: Pipe }
  | { kind: "if" | "with"; pos: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
  | { kind: "range"; pos: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
  | { kind: "template"; pos: number; name: string; pipe: Pipe | undefined }
  | { kind: "break" | "continue"; pos: number };
