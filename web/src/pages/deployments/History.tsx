// History: the deployments of one service (or all), newest first, each a link to its detail; and a
// service's revisions with the spec differences between a revision and the one before it (or any
// other), and an operator's "roll back to this revision".
import { useMemo, useState } from "react";
import { ApiError } from "../../api/client.js";
import { Link } from "../../app/router.js";
import { RequireRole } from "../../app/session.js";
import * as D from "./api.js";
import { ConfirmButton } from "./Confirm.js";
import { PhaseBadge } from "./DeploymentView.js";
import { fieldChanges, lineDiff, specLines, withContext } from "./diff.js";
import { useRevisions } from "./hooks.js";
import { humanDuration } from "./model.js";

const ROWS = 50;

export function hrefFor(service: string | undefined, id: string | undefined): string {
  const q = new URLSearchParams();
  if (service) {
    q.set("service", service);
  }
  if (id) {
    q.set("id", id);
  }
  const s = q.toString();
  return s ? `/deployments?${s}` : "/deployments";
}

export function DeploymentTable({
  deployments,
  selected,
  service,
}: {
  deployments: readonly D.Deployment[];
  selected: string | undefined;
  service: string | undefined;
}) {
  const [all, setAll] = useState(false);
  const shown = all ? deployments : deployments.slice(0, ROWS);
  if (deployments.length === 0) {
    return <p className="muted">No deployments{service ? ` of ${service}` : ""} yet.</p>;
  }
  return (
    <div className="table-wrap">
      <table className="result-table history">
        <caption className="visually-hidden">Deployments, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Service</th>
            <th scope="col">Strategy</th>
            <th scope="col">Phase</th>
            <th scope="col">By</th>
            <th scope="col" className="num">
              Took
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((d) => (
            <tr key={d.id} aria-current={d.id === selected ? "true" : undefined}>
              <td>
                <Link
                  to={hrefFor(service, d.id)}
                  aria-label={`${d.service} deployment started ${new Date(d.createdAt).toLocaleString()}`}
                >
                  {new Date(d.createdAt).toLocaleString()}
                </Link>
              </td>
              <td>{d.service}</td>
              <td>{d.strategy.type}</td>
              <td>
                <PhaseBadge phase={d.phase} />
              </td>
              <td>{d.createdBy}</td>
              <td className="num">
                {d.finishedAt !== undefined ? humanDuration(d.finishedAt - d.createdAt) : "running"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deployments.length > ROWS && !all && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {deployments.length}
        </button>
      )}
    </div>
  );
}

export function Revisions({ service, current }: { service: string; current: string | undefined }) {
  const { data, error } = useRevisions(service);
  const [open, setOpen] = useState<string | undefined>();
  if (error) {
    return <p className="error-text">{error}</p>;
  }
  if (!data) {
    return (
      <p className="muted" role="status">
        Loading revisions…
      </p>
    );
  }
  return (
    <ol className="revisions">
      {data.map((r, k) => {
        const previous = data[k + 1];
        const isOpen = open === r.hash;
        return (
          <li key={r.hash}>
            <div className="revision-row">
              <span>
                <strong>rev {r.number}</strong> {r.version}{" "}
                <span className="muted mono">{r.hash.slice(0, 12)}</span>{" "}
                <span className="muted">{new Date(r.createdAt).toLocaleString()}</span>
                {r.hash === current ? <span className="badge">running</span> : null}
              </span>
              <span className="revision-buttons">
                {previous && (
                  <button
                    type="button"
                    aria-expanded={isOpen}
                    onClick={() => setOpen(isOpen ? undefined : r.hash)}
                  >
                    {isOpen ? "Hide" : "Show"} changes from rev {previous.number}
                  </button>
                )}
                {r.hash !== current && (
                  <RequireRole need="operator">
                    <RollbackTo service={service} revision={r} />
                  </RequireRole>
                )}
              </span>
            </div>
            {isOpen && previous && <SpecDiff from={previous} to={r} choices={data} />}
          </li>
        );
      })}
    </ol>
  );
}

function RollbackTo({ service, revision }: { service: string; revision: D.Revision }) {
  const [error, setError] = useState<string | undefined>();
  return (
    <>
      <ConfirmButton
        label={`Roll back to rev ${revision.number}`}
        className="danger"
        title={`Deploy ${service} revision ${revision.number} (${revision.version})?`}
        confirmLabel={`Roll back to rev ${revision.number}`}
        onConfirm={() => {
          setError(undefined);
          D.rollback(service, String(revision.number)).catch((err: unknown) =>
            setError(err instanceof ApiError ? err.message : String(err)),
          );
        }}
      >
        <p>
          A rolling deployment of that revision's spec starts now; the running revision is replaced instance
          by instance.
        </p>
      </ConfirmButton>
      {error ? (
        <span className="error-text" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}

function show(v: unknown): string {
  return v === undefined ? "—" : JSON.stringify(v);
}

function SpecDiff({
  from: initial,
  to,
  choices,
}: {
  from: D.Revision;
  to: D.Revision;
  choices: readonly D.Revision[];
}) {
  const [fromHash, setFromHash] = useState(initial.hash);
  const from = choices.find((c) => c.hash === fromHash) ?? initial;
  const changes = useMemo(() => fieldChanges(from.spec, to.spec), [from, to]);
  const lines = useMemo(() => withContext(lineDiff(specLines(from.spec), specLines(to.spec))), [from, to]);
  return (
    <div className="spec-diff">
      <label>
        <span>Compare rev {to.number} with</span>
        <select value={fromHash} onChange={(e) => setFromHash(e.target.value)}>
          {choices
            .filter((c) => c.hash !== to.hash)
            .map((c) => (
              <option key={c.hash} value={c.hash}>
                rev {c.number} ({c.version})
              </option>
            ))}
        </select>
      </label>
      {changes.length === 0 ? (
        <p className="muted">The specs are the same.</p>
      ) : (
        <table className="result-table changes">
          <caption>
            {changes.length} field{changes.length === 1 ? "" : "s"} changed from rev {from.number} to rev{" "}
            {to.number}
          </caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">rev {from.number}</th>
              <th scope="col">rev {to.number}</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c) => (
              <tr key={c.path}>
                <th scope="row" className="mono">
                  {c.path}
                </th>
                <td className="mono diff-from">{show(c.from)}</td>
                <td className="mono diff-to">{show(c.to)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <pre
        className="diff"
        aria-label={`Spec of rev ${from.number} against rev ${to.number}, line by line`}
        tabIndex={0}
      >
        {lines.map((l, k) =>
          l === null ? (
            <span key={k} className="diff-skip">
              {"  …\n"}
            </span>
          ) : (
            <span key={k} className={l.op === "+" ? "diff-add" : l.op === "-" ? "diff-del" : undefined}>
              {`${l.op} ${l.text}\n`}
            </span>
          ),
        )}
      </pre>
    </div>
  );
}
