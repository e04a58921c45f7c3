// A new silence, pre-filled from an alert: its labels as equality matchers (one per line, editable:
// widen `station="3"` to `station=~".*"`), a duration from now, a comment and who made it. Posted to
// Alertmanager's API v2; a refusal is shown as the API wrote it.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client.js";
import type { Labels } from "../../api/prometheus.js";
import { parseDuration } from "../explore/duration.js";
import { createSilence } from "./api.js";
import { matchersFromLabels, parseMatchers, toApiMatcher } from "./matchers.js";

const DEFAULT_DURATION = "2h";

export function SilenceForm({
  labels,
  author,
  onCreated,
  onCancel,
}: {
  labels: Labels;
  author: string;
  onCreated: (id: string) => void;
  onCancel: () => void;
}) {
  const [matchers, setMatchers] = useState(() => matchersFromLabels(labels));
  const [duration, setDuration] = useState(DEFAULT_DURATION);
  const [comment, setComment] = useState("");
  const [createdBy, setCreatedBy] = useState(author);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    setMatchers(matchersFromLabels(labels));
    setError(undefined);
    heading.current?.focus(); // the form appears above the lists: move there, as a dialog would
  }, [labels]);

  const seconds = parseDuration(duration);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseMatchers(matchers);
    if ("error" in parsed) {
      setError(`Matchers: ${parsed.error}`);
      return;
    }
    if (seconds === undefined) {
      setError(`Duration: "${duration}" is not a duration (like 2h, 30m, 1d)`);
      return;
    }
    const now = Date.now();
    setBusy(true);
    setError(undefined);
    createSilence({
      matchers: parsed.matchers.map(toApiMatcher),
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + seconds * 1000).toISOString(),
      createdBy,
      comment,
    }).then(
      (id) => {
        setBusy(false);
        onCreated(id);
      },
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof ApiError ? `${err.status} ${err.errorType}: ${err.message}` : String(err));
      },
    );
  };

  return (
    <section className="panel silence-form" aria-labelledby="silence-form-title">
      <h2 id="silence-form-title" ref={heading} tabIndex={-1}>
        New silence
      </h2>
      <form onSubmit={submit}>
        <label>
          Matchers (one per line)
          <textarea
            className="mono"
            rows={Math.min(8, Math.max(2, matchers.split("\n").length))}
            value={matchers}
            onChange={(e) => setMatchers(e.target.value)}
            spellCheck={false}
          />
        </label>
        <div className="silence-row">
          <label>
            Duration
            <input
              value={duration}
              onChange={(e) => setDuration(e.target.value)}
              aria-invalid={seconds === undefined}
              className="short"
            />
          </label>
          <label>
            Created by
            <input value={createdBy} onChange={(e) => setCreatedBy(e.target.value)} />
          </label>
        </div>
        <label>
          Comment
          <input
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            placeholder="why, and who is on it"
          />
        </label>
        {seconds !== undefined && (
          <p className="muted">Until {new Date(Date.now() + seconds * 1000).toLocaleString()}.</p>
        )}
        {error !== undefined && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="filter-buttons">
          <button type="submit" className="primary" disabled={busy}>
            Create silence
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
