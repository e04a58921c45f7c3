// Who is signed in, for every page: the user and their role come from GET /api/v1/session once at
// start and from sign-in; a 401 from any API call sends the user to sign-in and back afterwards.
// Pages ask useSession() for the role and hide what it may not do (the API refuses it anyway).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { onUnauthorized } from "../api/client.js";
import { currentSession, signIn, signOut, type Role, type User } from "../api/session.js";
import { SIGN_IN_PATH } from "./pages.js";
import { navigate } from "./router.js";

export type SessionState =
  | { kind: "loading" }
  | { kind: "signed-out" }
  /** Signed in with a session cookie. */
  | { kind: "signed-in"; user: User }
  /**
   * The server has no session endpoint and something else authenticates the browser (a proxy adding
   * a bearer token). The role is unknown, so the UI shows the least: a viewer's.
   */
  | { kind: "external" }
  | { kind: "failed"; error: string };

export type Session = {
  state: SessionState;
  /** The role the UI acts on; undefined until known. */
  role: Role | undefined;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
};

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function hasRole(have: Role | undefined, need: Role): boolean {
  return have !== undefined && RANK[have] >= RANK[need];
}

const SessionContext = createContext<Session | undefined>(undefined);

/** Where sign-in returns to: a same-origin path only, never a URL someone put in the link. */
export function safeNext(next: string | null): string {
  return next !== null && /^\/(?![/\\])/.test(next) && !next.startsWith(SIGN_IN_PATH) ? next : "/";
}

function toSignIn(): void {
  const here = window.location.pathname + window.location.search;
  if (!window.location.pathname.startsWith(SIGN_IN_PATH)) {
    navigate(`${SIGN_IN_PATH}?next=${encodeURIComponent(here)}`, { replace: true });
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ kind: "loading" });

  useEffect(() => {
    let live = true;
    currentSession().then(
      (s) => {
        if (!live) {
          return;
        }
        if (s === "unsupported") {
          setState({ kind: "external" });
        } else if (s === undefined) {
          setState({ kind: "signed-out" });
          toSignIn();
        } else {
          setState({ kind: "signed-in", user: s.user });
        }
      },
      (err: unknown) => live && setState({ kind: "failed", error: (err as Error).message }),
    );
    onUnauthorized(() => {
      setState({ kind: "signed-out" });
      toSignIn();
    });
    return () => {
      live = false;
      onUnauthorized(undefined);
    };
  }, []);

  const doSignIn = useCallback(async (username: string, password: string) => {
    const s = await signIn(username, password);
    setState({ kind: "signed-in", user: s.user });
  }, []);

  const doSignOut = useCallback(async () => {
    await signOut();
    setState({ kind: "signed-out" });
    navigate(SIGN_IN_PATH);
  }, []);

  const value = useMemo<Session>(
    () => ({
      state,
      role: state.kind === "signed-in" ? state.user.role : state.kind === "external" ? "viewer" : undefined,
      signIn: doSignIn,
      signOut: doSignOut,
    }),
    [state, doSignIn, doSignOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (s === undefined) {
    throw new Error("useSession outside <SessionProvider>");
  }
  return s;
}

/** Renders its children only for users with at least `need` (operator buttons, admin forms). */
export function RequireRole({ need, children }: { need: Role; children: ReactNode }) {
  const { role } = useSession();
  return hasRole(role, need) ? <>{children}</> : null;
}
