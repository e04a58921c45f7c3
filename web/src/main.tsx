// Entry: theme first (no flash of the wrong colours), then the app. Pages beyond the shell are
// loaded on demand, so this chunk stays small (docs/dashboard.md has the sizes).
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.js";
import { initTheme } from "./app/theme.js";
import "./styles.css";

initTheme();
const root = document.getElementById("root");
if (root === null) {
  throw new Error("index.html has no #root element");
}
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
