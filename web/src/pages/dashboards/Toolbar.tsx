// The dashboard's controls: template variables as selects, the time range (presets and absolute
// ends in Grafana's syntax), auto-refresh and a refresh button. Every choice goes to the URL.
import { useEffect, useId, useState, type FormEvent } from "react";
import type { Variable } from "./api.js";
import { RELATIVE_PRESETS, type TimeRangeText } from "./time-range.js";
import { ALL, REFRESH_CHOICES } from "./url-state.js";

export type VariableOptions = { values: string[]; error?: string } | undefined;

export function VariableSelect({
  variable,
  options,
  selected,
  onChange,
}: {
  variable: Variable;
  options: VariableOptions;
  selected: string[];
  onChange: (values: string[]) => void;
}) {
  const id = useId();
  const label = variable.label || variable.name;
  if (variable.type === "constant") {
    return null; // Grafana hides constants: they are part of the queries, not a choice
  }
  if (variable.type === "textbox") {
    return (
      <label className="dash-var">
        <span>{label}</span>
        <input
          defaultValue={selected[0] ?? ""}
          onBlur={(e) => onChange([e.target.value])}
          onKeyDown={(e) => e.key === "Enter" && onChange([(e.target as HTMLInputElement).value])}
        />
      </label>
    );
  }
  const values = options?.values ?? [];
  return (
    <div className="dash-var">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        multiple={variable.multi}
        size={variable.multi ? Math.min(4, values.length + (variable.includeAll ? 1 : 0)) || 1 : undefined}
        value={variable.multi ? selected : (selected[0] ?? "")}
        disabled={options === undefined}
        aria-invalid={options?.error !== undefined}
        onChange={(e) => {
          const picked = [...e.target.selectedOptions].map((o) => o.value);
          // Choosing All with other values means All; choosing a value after All drops All.
          const next =
            picked.includes(ALL) && !selected.includes(ALL)
              ? [ALL]
              : picked.length > 1
                ? picked.filter((p) => p !== ALL)
                : picked;
          onChange(next);
        }}
      >
        {variable.includeAll ? <option value={ALL}>All</option> : null}
        {values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
      {options?.error !== undefined ? (
        <span className="error-text" role="alert">
          {options.error}
        </span>
      ) : null}
    </div>
  );
}

export function TimePicker({
  value,
  onChange,
}: {
  value: TimeRangeText;
  onChange: (r: TimeRangeText) => void;
}) {
  const id = useId();
  const preset = RELATIVE_PRESETS.find((p) => p.from === value.from && value.to === "now");
  const [from, setFrom] = useState(value.from);
  const [to, setTo] = useState(value.to);
  useEffect(() => {
    setFrom(value.from);
    setTo(value.to);
  }, [value.from, value.to]);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    onChange({ from: from.trim(), to: to.trim() });
  };
  return (
    <form className="time-picker" onSubmit={apply}>
      <div className="dash-var">
        <label htmlFor={`${id}-preset`}>Time range</label>
        <select
          id={`${id}-preset`}
          value={preset?.from ?? "custom"}
          onChange={(e) => e.target.value !== "custom" && onChange({ from: e.target.value, to: "now" })}
        >
          {RELATIVE_PRESETS.map((p) => (
            <option key={p.from} value={p.from}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom</option>
        </select>
      </div>
      <label className="dash-var">
        <span>From</span>
        <input
          className="short"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          placeholder="now-6h"
        />
      </label>
      <label className="dash-var">
        <span>To</span>
        <input className="short" value={to} onChange={(e) => setTo(e.target.value)} placeholder="now" />
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}

export function RefreshPicker({
  value,
  onChange,
  onRefresh,
}: {
  value: string;
  onChange: (v: string) => void;
  onRefresh: () => void;
}) {
  const id = useId();
  return (
    <div className="refresh-picker">
      <button type="button" onClick={onRefresh}>
        Refresh
      </button>
      <div className="dash-var">
        <label htmlFor={id}>Auto-refresh</label>
        <select
          id={id}
          value={REFRESH_CHOICES.includes(value) ? value : ""}
          onChange={(e) => onChange(e.target.value)}
        >
          {REFRESH_CHOICES.map((c) => (
            <option key={c} value={c}>
              {c === "" ? "Off" : `Every ${c}`}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
