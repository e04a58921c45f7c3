// Light and dark themes: the system's preference by default (prefers-color-scheme), or the user's
// choice, remembered in localStorage. The resolved theme is set as <html data-theme>, which the
// stylesheet's colour variables follow; charts read the same variables.
import { useSyncExternalStore } from "react";

export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

const KEY = "lineops.theme";
const listeners = new Set<() => void>();
const media = window.matchMedia("(prefers-color-scheme: dark)");

function stored(): ThemeChoice {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system"; // storage disabled: follow the system
  }
}

let choice: ThemeChoice = stored();

function resolve(): Theme {
  if (choice === "system") {
    return media.matches ? "dark" : "light";
  }
  return choice;
}

function apply(): void {
  document.documentElement.dataset.theme = resolve();
  for (const l of listeners) {
    l();
  }
}

/** Applies the remembered theme; call once before the first render. */
export function initTheme(): void {
  media.addEventListener("change", apply);
  apply();
}

export function setThemeChoice(next: ThemeChoice): void {
  choice = next;
  try {
    if (next === "system") {
      window.localStorage.removeItem(KEY);
    } else {
      window.localStorage.setItem(KEY, next);
    }
  } catch {
    // storage disabled: the choice lasts for this page only
  }
  apply();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function useTheme(): { choice: ThemeChoice; theme: Theme } {
  const c = useSyncExternalStore(subscribe, () => choice);
  const theme = useSyncExternalStore(subscribe, resolve);
  return { choice: c, theme };
}
