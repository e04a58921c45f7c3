// An instance's last log lines, for operators (GET /api/v1/instances/{id}/logs?tail=N). Viewers
// are told why they see none: a service's output can print secrets from its configuration, and
// viewer accounts are what wall screens carry. Read when asked, never on a timer.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client.js";
import { navigate, useLocation } from "../../app/router.js";
import { fetchLogTail, MAX_TAIL, type InstanceView, type LogTail as Tail } from "./api.js";

const TAILS = [100, 200, 500, MAX_TAIL];

export function LogTail({
  operator,
  instances,
  selected,
}: {
  operator: boolean;
  instances: InstanceView[];
  selected: string | undefined;
}) {
  return (
    <section className="panel svc-logs" id="log-tail" aria-labelledby="log-tail-title">
      <h2 id="log-tail-title">Log tail</h2>
      {operator ? (
        <LogReader instances={instances} selected={selected} />
      ) : (
        <p>
          Logs need an operator: a service&apos;s output can print what its configuration holds (database URLs
          with passwords, API tokens), so viewers do not read it. Ask an operator, or sign in as one.
        </p>
      )}
    </section>
  );
}

function LogReader({ instances, selected }: { instances: InstanceView[]; selected: string | undefined }) {
  const { search } = useLocation();
  const [instance, setInstance] = useState(selected ?? instances[0]?.id ?? "");
  const [tail, setTail] = useState(Number(search.get("tail")) || 100);
  const [state, setState] = useState<{ tail?: Tail; error?: string; loading?: boolean }>({});
  const inflight = useRef<AbortController | undefined>(undefined);

  const read = (id: string, n: number) => {
    if (id === "") {
      return;
    }
    inflight.current?.abort();
    const ac = new AbortController();
    inflight.current = ac;
    setState((s) => ({ ...s, loading: true }));
    fetchLogTail(id, n, ac.signal).then(
      (t) => setState({ tail: t }),
      (err: unknown) => {
        if (!ac.signal.aborted) {
          setState({ error: err instanceof ApiError ? `${err.errorType}: ${err.message}` : String(err) });
        }
      },
    );
  };

  // A "Logs" button in an instance row sets ?logs=<id>: show that instance's tail (only a new
  // selection reads again; the form reads on submit).
  useEffect(() => {
    if (selected !== undefined) {
      setInstance(selected);
      read(selected, tail);
    }
  }, [selected]);
  useEffect(() => () => inflight.current?.abort(), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams(search);
    next.set("logs", instance);
    next.set("tail", String(tail));
    navigate(`/services?${next.toString()}`, { replace: true });
    read(instance, tail);
  };

  return (
    <>
      <form className="svc-log-form" onSubmit={submit}>
        <label>
          Instance{" "}
          <select value={instance} onChange={(e) => setInstance(e.target.value)}>
            {instances.map((i) => (
              <option key={i.id} value={i.id}>
                {i.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Lines{" "}
          <select value={tail} onChange={(e) => setTail(Number(e.target.value))}>
            {TAILS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={instance === ""}>
          Show log tail
        </button>
      </form>
      {state.loading && (
        <p className="muted" role="status">
          Reading…
        </p>
      )}
      {state.error !== undefined && (
        <p className="error-text" role="alert">
          {state.error}
        </p>
      )}
      {state.tail !== undefined && (
        <>
          <p className="muted">
            The last {state.tail.lines.length} lines of <span className="mono">{state.tail.instance}</span>
            {state.tail.truncated ? " (cut to the size limit: older lines left out)" : ""}.
          </p>
          <pre className="svc-log-lines" tabIndex={0} aria-label={`Log of ${state.tail.instance}`}>
            {state.tail.lines.length === 0 ? "(no output yet)" : state.tail.lines.join("\n")}
          </pre>
        </>
      )}
    </>
  );
}
