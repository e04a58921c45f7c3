// Sign-in with a user name and password (POST /api/v1/session); afterwards back to where the user
// was sent from (?next=, same-origin paths only).
import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client.js";
import { navigate, useLocation } from "../app/router.js";
import { safeNext, useSession } from "../app/session.js";

export function SignIn() {
  const { signIn, state } = useSession();
  const { search } = useLocation();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const next = safeNext(search.get("next"));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username, password);
      navigate(next, { replace: true });
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel sign-in" aria-labelledby="page-title">
      <h1 id="page-title">Sign in to lineops</h1>
      {state.kind === "signed-in" ? (
        <p>
          Signed in as {state.user.name} ({state.user.role}).
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label>
          <span>User name</span>
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label>
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error === undefined ? null : (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || username === "" || password === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}

function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) {
      return "Wrong user name or password.";
    }
    if (err.status === 429) {
      return `Too many sign-in attempts: ${err.message}`;
    }
    if (err.status === 404) {
      return "This lineops has no sign-in yet (no /api/v1/session): use an API token.";
    }
    return err.message;
  }
  return (err as Error).message;
}
