// The PromQL editor: CodeMirror 6 with @prometheus-io/codemirror-promql, the editor of Prometheus's
// own UI. Completion asks lineops's /api/v1 (labels, label values, series, metadata) with the
// session cookie; Enter runs the query, Shift+Enter starts a new line.
import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from "@codemirror/commands";
import { bracketMatching, HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap, placeholder } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { PromQLExtension } from "@prometheus-io/codemirror-promql";
import { useEffect, useRef } from "react";

// Colours from the stylesheet's variables, so both themes keep readable contrast.
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: "var(--hl-keyword)" },
  { tag: tags.function(tags.variableName), color: "var(--hl-function)" },
  { tag: tags.labelName, color: "var(--hl-label)" },
  { tag: tags.string, color: "var(--hl-string)" },
  { tag: tags.number, color: "var(--hl-number)" },
  { tag: tags.comment, color: "var(--muted)", fontStyle: "italic" },
  { tag: tags.operator, color: "var(--hl-operator)" },
  { tag: tags.invalid, color: "var(--danger)" },
]);

const look = EditorView.theme({
  "&": { backgroundColor: "var(--input-bg)", color: "var(--fg)", fontSize: "0.95rem" },
  "&.cm-focused": { outline: "2px solid var(--focus)", outlineOffset: "1px" },
  ".cm-content": { fontFamily: "var(--mono)", caretColor: "var(--fg)", padding: "6px 0" },
  ".cm-placeholder": { color: "var(--muted)" },
  ".cm-tooltip": { backgroundColor: "var(--panel)", color: "var(--fg)", border: "1px solid var(--border)" },
  ".cm-tooltip-autocomplete ul li[aria-selected]": {
    backgroundColor: "var(--accent)",
    color: "var(--on-accent)",
  },
  ".cm-completionDetail": { color: "inherit", opacity: "0.8" },
  ".cm-completionInfo": { backgroundColor: "var(--panel)", color: "var(--fg)" },
});

/** Completions are asked of this origin's API, the same one the page itself reads. */
function promql(): PromQLExtension {
  return new PromQLExtension().setComplete({
    remote: {
      url: "",
      // GET: POST /api/v1/labels and /series take form bodies, which a CSRF check may refuse.
      httpMethod: "GET",
      fetchFn: (input, init) => fetch(input, { ...init, credentials: "same-origin" }),
      // A failed lookup only means fewer completions; the query itself reports errors.
      httpErrorHandler: () => undefined,
      cache: { maxAge: 5 * 60 * 1000 },
    },
  });
}

type Props = {
  value: string;
  onChange(value: string): void;
  onRun(): void;
  label: string;
};

export function PromqlEditor({ value, onChange, onRun, label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The editor is built once; the latest callbacks are read through refs.
  const callbacks = useRef({ onChange, onRun });
  callbacks.current = { onChange, onRun };

  useEffect(() => {
    // CodeMirror styles itself at run time. In a document it adds <style> elements, which the
    // Content-Security-Policy (style-src 'self', no 'unsafe-inline') blocks, and without its styles
    // Chromium even turns typed spaces into U+00A0. In a shadow root it uses constructed style
    // sheets (adoptedStyleSheets), which CSP does not govern: so the editor lives in one. The
    // stylesheet's colour variables inherit into it.
    const el = host.current!;
    const shadow = el.shadowRoot ?? el.attachShadow({ mode: "open" });
    const parent = document.createElement("div");
    shadow.replaceChildren(parent);
    const ext = promql();
    const v = new EditorView({
      parent,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          closeBrackets(),
          bracketMatching(),
          autocompletion(),
          syntaxHighlighting(highlight),
          ext.asExtension(),
          placeholder("PromQL expression, e.g. rate(http_requests_total[5m])"),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true" }),
          look,
          // Below the completion keymap, so Enter picks a completion while the list is open.
          Prec.high(
            keymap.of([
              { key: "Enter", run: () => (callbacks.current.onRun(), true) },
              { key: "Shift-Enter", run: insertNewlineAndIndent },
            ]),
          ),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) {
              callbacks.current.onChange(u.state.doc.toString());
            }
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      ext.destroy();
      view.current = null;
    };
  }, []);

  // Text set from outside (the URL, the format button) replaces the document.
  useEffect(() => {
    const v = view.current;
    if (v !== null && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div className="promql-editor" ref={host} />;
}
