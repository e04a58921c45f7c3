// A directory's files and their contents as one comparable value: tests that a refused open (a
// downgrade) left the data on disk byte for byte as it was.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Relative path -> sha256 of contents, for every file under dir (directories as "<dir>/"). */
export function fileTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (e.isDirectory()) {
        out[`${rel}/`] = "dir";
        walk(full);
      } else {
        out[rel] = createHash("sha256").update(fs.readFileSync(full)).digest("hex");
      }
    }
  };
  walk(dir);
  return out;
}
