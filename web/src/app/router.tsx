// Client-side routing on the History API: real URLs (/explore?expr=...), back and forward work, and
// links stay plain <a href> so they open in a new tab as users expect. No router dependency: the app
// has a handful of flat pages.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from "react";

const listeners = new Set<() => void>();

function notify(): void {
  for (const l of listeners) {
    l();
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    window.addEventListener("popstate", notify);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      window.removeEventListener("popstate", notify);
    }
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

/** The current path and query string; re-renders on navigate() and on back/forward. */
export function useLocation(): { pathname: string; search: URLSearchParams; href: string } {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { pathname: url.pathname, search: url.searchParams, href };
}

/** Goes to `to` (a same-origin path); `replace` rewrites the current entry (state kept in the URL). */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) {
    return;
  }
  if (opts.replace) {
    window.history.replaceState(null, "", to);
  } else {
    window.history.pushState(null, "", to);
  }
  notify();
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & { to: string; children: ReactNode };

/** An <a> that navigates in-app on a plain left click and leaves modified clicks to the browser. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={click} {...rest}>
      {children}
    </a>
  );
}
