// Creating an empty dashboard: a title and a uid (the URL's name for it, derived from the title
// until edited). Saved with version 0, so an existing uid is never overwritten.
import { useId, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client.js";
import { Link, navigate } from "../../app/router.js";
import { saveDashboard, type Dashboard } from "./api.js";
import { describe } from "./panels/PanelView.js";

export function slugOf(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "dashboard"
  );
}

export function NewDashboard() {
  const id = useId();
  const [title, setTitle] = useState("");
  const [uid, setUid] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const effectiveUid = uid ?? slugOf(title);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const dashboard: Dashboard = {
      uid: effectiveUid,
      title: title.trim(),
      tags: [],
      time: { from: "now-6h", to: "now" },
      refresh: "",
      variables: [],
      panels: [],
      annotations: { deployments: true, incidents: true },
    };
    try {
      const saved = await saveDashboard(dashboard, 0);
      navigate(`/dashboards?uid=${encodeURIComponent(saved.uid)}&edit=1`);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 412
          ? `A dashboard with uid ${effectiveUid} exists already: choose another uid.`
          : describe(err),
      );
    }
  };

  return (
    <section aria-labelledby="page-title">
      <p className="crumbs">
        <Link to="/dashboards">Dashboards</Link>
      </p>
      <h1 id="page-title">New dashboard</h1>
      <form className="new-dashboard panel" onSubmit={submit}>
        <label htmlFor={`${id}-t`}>Title</label>
        <input
          id={`${id}-t`}
          value={title}
          maxLength={200}
          required
          onChange={(e) => setTitle(e.target.value)}
        />
        <label htmlFor={`${id}-u`}>Uid (letters, digits, - and _; part of the URL)</label>
        <input
          id={`${id}-u`}
          value={effectiveUid}
          pattern="[A-Za-z0-9_\-]{1,40}"
          maxLength={40}
          onChange={(e) => setUid(e.target.value)}
        />
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={title.trim() === ""}>
            Create
          </button>
        </div>
      </form>
    </section>
  );
}
