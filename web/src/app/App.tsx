// The app shell: skip link, header with the pages as navigation, who is signed in, the theme
// switch, and the current page in <main>. Explore is loaded on demand (CodeMirror and uPlot are
// most of the bundle); the other pages are small.
import { lazy, Suspense, useEffect, useRef, type LazyExoticComponent, type ReactNode } from "react";
import { NotBuilt } from "../pages/NotBuilt.js";
import { NotFound } from "../pages/NotFound.js";
import { SignIn } from "../pages/SignIn.js";
import { PAGES, pageAt, SIGN_IN_PATH, type PageDef, type PageId } from "./pages.js";
import { Link, useLocation } from "./router.js";
import { SessionProvider, useSession } from "./session.js";
import { setThemeChoice, useTheme, type ThemeChoice } from "./theme.js";

const Explore = lazy(() => import("../pages/explore/Explore.js"));
const Deployments = lazy(() => import("../pages/deployments/Deployments.js"));
const Services = lazy(() => import("../pages/services/Services.js"));
const Alerts = lazy(() => import("../pages/alerts/Alerts.js"));
const Overview = lazy(() => import("../pages/overview/Overview.js"));
const Dashboards = lazy(() => import("../pages/dashboards/Dashboards.js"));
const Reports = lazy(() => import("../pages/reports/Reports.js"));
const Infrastructure = lazy(() => import("../pages/infrastructure/Infrastructure.js"));

/** The pages loaded on demand behind one "Loading <title>…" fallback (overview and Explore have their own). */
const LAZY_PAGES: Partial<Record<PageId, LazyExoticComponent<() => ReactNode>>> = {
  services: Services,
  alerts: Alerts,
  deployments: Deployments,
  dashboards: Dashboards,
  reports: Reports,
  infrastructure: Infrastructure,
};

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const { pathname, search } = useLocation();
  const page = pageAt(pathname);
  // The line overview's wall-screen mode: no navigation, nothing to click (docs/dashboard.md).
  const kiosk = page?.id === "overview" && search.get("kiosk") === "1";
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After an in-app navigation, focus moves to the new page, as a full page load would: screen
  // readers announce it and Tab starts from its top, not from the link that was clicked.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [pathname]);

  useEffect(() => {
    document.title = `${pathname === SIGN_IN_PATH ? "Sign in" : (page?.title ?? "Not found")} · lineops`;
  }, [pathname, page]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {!kiosk && <Header current={page} />}
      <main id="main" ref={main} tabIndex={-1}>
        <Gate>{pathname === SIGN_IN_PATH ? <SignIn /> : <PageBody page={page} kiosk={kiosk} />}</Gate>
      </main>
    </>
  );
}

/** Nothing of a page renders until we know who is signed in (no flash of data, no stray 401s). */
function Gate({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const { pathname } = useLocation();
  if (state.kind === "loading") {
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  }
  if (state.kind === "failed") {
    return (
      <div className="panel error" role="alert">
        <h1>lineops could not be reached</h1>
        <p>{state.error}</p>
      </div>
    );
  }
  if (state.kind === "signed-out" && pathname !== SIGN_IN_PATH) {
    return null; // the provider is redirecting to sign-in
  }
  return <>{children}</>;
}

function PageBody({ page, kiosk }: { page: PageDef | undefined; kiosk: boolean }) {
  if (page === undefined) {
    return <NotFound />;
  }
  if (page.id === "overview") {
    return (
      <Suspense
        fallback={
          <p className="muted" role="status">
            Loading the line overview…
          </p>
        }
      >
        <Overview kiosk={kiosk} />
      </Suspense>
    );
  }
  if (page.id === "explore") {
    return (
      <Suspense
        fallback={
          <p className="muted" role="status">
            Loading Explore…
          </p>
        }
      >
        <Explore />
      </Suspense>
    );
  }
  const Page = LAZY_PAGES[page.id];
  if (Page !== undefined) {
    return (
      <Suspense
        fallback={
          <p className="muted" role="status">
            Loading {page.title}…
          </p>
        }
      >
        <Page />
      </Suspense>
    );
  }
  return <NotBuilt page={page} />;
}

function Header({ current }: { current: PageDef | undefined }) {
  return (
    <header className="app-header">
      <Link to="/" className="brand" aria-label="lineops home">
        lineops
      </Link>
      <nav aria-label="Pages">
        <ul>
          {PAGES.map((p) => (
            <li key={p.id}>
              <Link to={p.path} aria-current={current?.id === p.id ? "page" : undefined}>
                {p.title}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="header-tools">
        <ThemeSwitch />
        <UserMenu />
      </div>
    </header>
  );
}

function ThemeSwitch() {
  const { choice } = useTheme();
  return (
    <label className="theme-switch">
      <span>Theme</span>
      <select value={choice} onChange={(e) => setThemeChoice(e.target.value as ThemeChoice)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

function UserMenu() {
  const { state, signOut } = useSession();
  if (state.kind === "signed-in") {
    return (
      <div className="user">
        <span>
          {state.user.name} <span className="role">({state.user.role})</span>
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    );
  }
  if (state.kind === "external") {
    return (
      <span
        className="user"
        title="Signed in by an API token outside this page; the page shows a viewer's controls"
      >
        API token <span className="role">(viewer view)</span>
      </span>
    );
  }
  return null;
}
