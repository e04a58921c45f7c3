// The session API (POST/GET/DELETE /api/v1/session): sign in with a name and password, learn who is
// signed in and their role, sign out. The CSRF token that comes with a session is handed to the client.
import { api, ApiError, setCsrfToken } from "./client.js";

export type Role = "viewer" | "operator" | "admin";
export type User = { name: string; role: Role };
export type SessionData = { user: User; csrfToken: string };

const PATH = "/api/v1/session";

export async function signIn(username: string, password: string): Promise<SessionData> {
  const data = await api<SessionData>(PATH, { method: "POST", body: { username, password } }, true);
  setCsrfToken(data.csrfToken);
  return data;
}

/**
 * The current session, or undefined when nobody is signed in (401). A server without the session
 * endpoint (404: a lineops older than P9's sign-in) is reported as "unsupported", so the app can
 * still run when something else authenticates the browser (a reverse proxy adding a bearer token).
 */
export async function currentSession(): Promise<SessionData | undefined | "unsupported"> {
  try {
    const data = await api<SessionData>(PATH, {}, true);
    setCsrfToken(data.csrfToken);
    return data;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(undefined);
      return undefined;
    }
    if (err instanceof ApiError && err.status === 404) {
      return "unsupported";
    }
    throw err;
  }
}

export async function signOut(): Promise<void> {
  try {
    await api<unknown>(PATH, { method: "DELETE" }, true);
  } finally {
    setCsrfToken(undefined);
  }
}
